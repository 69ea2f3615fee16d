/**
 * Event ids for the sink's replay dedupe, held as 128-bit keys instead of strings. The engine's event ids are
 * lower-case UUIDs (36 characters): an ingest worker packs them into four 32-bit words each, sent to the sink's
 * thread in one transferred buffer (no string per event through structured clone), and the sink keeps them in
 * open-addressing hash tables over typed arrays (no per-id heap object for the GC to trace, no string hashing).
 * The packing is exact (a bijection between canonical lower-case UUIDs and 128-bit values), so two ids are the same
 * key only if they are the same string. Any other id (upper case, not a UUID at all) is kept as a string.
 */

/** Event ids of a batch: 4 words per id (zero for an odd one), and the ids that are not lower-case UUIDs. */
export interface PackedIds {
  words: Uint32Array;
  /** index → id, for the ids that could not be packed (rare: the schema also allows upper-case hex) */
  odd: Map<number, string> | null;
}

const hexVal = (c: number): number => (c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1);

/** Packs `id` into words[off..off+4] if it is a canonical lower-case UUID; false (words untouched) otherwise. */
export function packUuid(id: string, words: Uint32Array, off: number): boolean {
  if (id.length !== 36 || id.charCodeAt(8) !== 45 || id.charCodeAt(13) !== 45 || id.charCodeAt(18) !== 45 || id.charCodeAt(23) !== 45) return false;
  let w = 0;
  let n = 0; // hex digits taken
  let k = off;
  for (let i = 0; i < 36; i++) {
    if (i === 8 || i === 13 || i === 18 || i === 23) continue;
    const v = hexVal(id.charCodeAt(i));
    if (v < 0) return false;
    w = (w << 4) | v;
    if (++n === 8) {
      words[k++] = w >>> 0;
      w = 0;
      n = 0;
    }
  }
  return true;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const hex32 = (w: number) => HEX[w >>> 24]! + HEX[(w >>> 16) & 0xff]! + HEX[(w >>> 8) & 0xff]! + HEX[w & 0xff]!;

/** The id packed at words[off..off+4] (inverse of packUuid). */
export function unpackUuid(words: Uint32Array, off: number): string {
  const a = hex32(words[off]!), b = hex32(words[off + 1]!), c = hex32(words[off + 2]!), d = hex32(words[off + 3]!);
  return `${a}-${b.slice(0, 4)}-${b.slice(4)}-${c.slice(0, 4)}-${c.slice(4)}${d}`;
}

export function packIds(ids: readonly string[]): PackedIds {
  const words = new Uint32Array(ids.length * 4);
  let odd: Map<number, string> | null = null;
  for (let i = 0; i < ids.length; i++) if (!packUuid(ids[i]!, words, i * 4)) (odd ??= new Map()).set(i, ids[i]!);
  return { words, odd };
}

/** A set of event ids: 128-bit keys in an open-addressing table (linear probing, no deletes), strings beside. */
export class EventIdSet {
  private keys: Uint32Array;
  private used: Uint8Array;
  private mask: number;
  private count = 0;
  private readonly strings = new Set<string>();

  constructor(capacity = 1024) {
    let cap = 16;
    while (cap < capacity * 2) cap *= 2;
    this.keys = new Uint32Array(cap * 4);
    this.used = new Uint8Array(cap);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count + this.strings.size;
  }

  private slot(w: Uint32Array, off: number): number {
    const a = w[off]!, b = w[off + 1]!, c = w[off + 2]!, d = w[off + 3]!;
    let h = Math.imul(a ^ d, 0x9e3779b1) ^ Math.imul(b ^ (c >>> 7) ^ (c << 11), 0x85ebca77);
    h ^= h >>> 15;
    h = Math.imul(h, 0xc2b2ae3d);
    h ^= h >>> 13;
    let i = h & this.mask;
    const k = this.keys;
    const u = this.used;
    while (u[i]) {
      const j = i * 4;
      if (k[j] === a && k[j + 1] === b && k[j + 2] === c && k[j + 3] === d) return i;
      i = (i + 1) & this.mask;
    }
    return ~i; // free slot where the key would go
  }

  /** Whether the packed key words[off..off+4] is in the set. */
  hasKey(w: Uint32Array, off: number): boolean {
    return this.slot(w, off) >= 0;
  }

  /** Adds the packed key; false if it was there already. */
  addKey(w: Uint32Array, off: number): boolean {
    let i = this.slot(w, off);
    if (i >= 0) return false;
    if ((this.count + 1) * 2 > this.used.length) {
      this.grow();
      i = this.slot(w, off);
    }
    i = ~i;
    const j = i * 4;
    this.keys[j] = w[off]!;
    this.keys[j + 1] = w[off + 1]!;
    this.keys[j + 2] = w[off + 2]!;
    this.keys[j + 3] = w[off + 3]!;
    this.used[i] = 1;
    this.count++;
    return true;
  }

  private grow(): void {
    const keys = this.keys;
    const used = this.used;
    this.keys = new Uint32Array(keys.length * 2);
    this.used = new Uint8Array(used.length * 2);
    this.mask = this.used.length - 1;
    for (let i = 0; i < used.length; i++) {
      if (!used[i]) continue;
      const s = ~this.slot(keys, i * 4);
      this.keys.set(keys.subarray(i * 4, i * 4 + 4), s * 4);
      this.used[s] = 1;
    }
  }

  /** The id of a batch (`ids`, index `i`): packed key or string. */
  has(ids: PackedIds, i: number): boolean {
    const s = ids.odd?.get(i);
    return s !== undefined ? this.strings.has(s) : this.hasKey(ids.words, i * 4);
  }

  add(ids: PackedIds, i: number): boolean {
    const s = ids.odd?.get(i);
    if (s === undefined) return this.addKey(ids.words, i * 4);
    if (this.strings.has(s)) return false;
    this.strings.add(s);
    return true;
  }

  hasId(id: string): boolean {
    return this.has(packIds([id]), 0);
  }

  addId(id: string): boolean {
    return this.add(packIds([id]), 0);
  }
}

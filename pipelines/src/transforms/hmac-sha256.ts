/**
 * HMAC-SHA256 with a fixed key, for short messages (codici fiscali), in plain JavaScript. Pure.
 * node:crypto's createHmac costs ≈ 6 µs per call (an object, OpenSSL context set-up); the sink computes one pseudonym
 * per event, so that alone capped it near 150,000 events/s. Here the key's inner and outer pad blocks are compressed
 * once, so a message of up to 55 bytes costs two SHA-256 compressions (< 1 µs). The unit tests check it against
 * node:crypto (FIPS 180-4 / RFC 2104) on keys and messages of every length class.
 */
const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be,
  0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa,
  0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85,
  0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
  0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
  0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const IV = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

const W = new Int32Array(64);
const TAIL64 = new Uint8Array(64);
const TAIL128 = new Uint8Array(128);

/** One SHA-256 compression of the 64-byte block at `off` of `block` into `h` (8 words). */
function compress(h: Int32Array, block: Uint8Array, off: number): void {
  for (let i = 0; i < 16; i++) {
    const j = off + i * 4;
    W[i] = (block[j]! << 24) | (block[j + 1]! << 16) | (block[j + 2]! << 8) | block[j + 3]!;
  }
  for (let i = 16; i < 64; i++) {
    const a = W[i - 15]!;
    const b = W[i - 2]!;
    const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
    const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
    W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) | 0;
  }
  let a = h[0]!, b = h[1]!, c = h[2]!, d = h[3]!, e = h[4]!, f = h[5]!, g = h[6]!, hh = h[7]!;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (hh + S1 + ch + K[i]! + W[i]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (S0 + maj) | 0;
    hh = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  h[0] = (h[0]! + a) | 0;
  h[1] = (h[1]! + b) | 0;
  h[2] = (h[2]! + c) | 0;
  h[3] = (h[3]! + d) | 0;
  h[4] = (h[4]! + e) | 0;
  h[5] = (h[5]! + f) | 0;
  h[6] = (h[6]! + g) | 0;
  h[7] = (h[7]! + hh) | 0;
}

/** Hashes `msg` starting from state `h` (already `prefixBytes` long), with SHA-256 padding; result in `h`. */
function finish(h: Int32Array, msg: Uint8Array, prefixBytes: number): void {
  let off = 0;
  for (; off + 64 <= msg.length; off += 64) compress(h, msg, off);
  const rest = msg.length - off;
  const tail = rest < 56 ? TAIL64 : TAIL128;
  tail.fill(0);
  tail.set(msg.subarray(off));
  tail[rest] = 0x80;
  const bits = (prefixBytes + msg.length) * 8;
  const end = tail.length;
  tail[end - 1] = bits & 0xff;
  tail[end - 2] = (bits >>> 8) & 0xff;
  tail[end - 3] = (bits >>> 16) & 0xff;
  tail[end - 4] = (bits >>> 24) & 0xff;
  const hi = Math.floor(bits / 2 ** 32);
  tail[end - 5] = hi & 0xff;
  tail[end - 6] = (hi >>> 8) & 0xff;
  tail[end - 7] = (hi >>> 16) & 0xff;
  tail[end - 8] = (hi >>> 24) & 0xff;
  compress(h, tail, 0);
  if (tail.length === 128) compress(h, tail, 64);
}

const toBytes = (h: Int32Array) => {
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    out[i * 4] = h[i]! >>> 24;
    out[i * 4 + 1] = (h[i]! >>> 16) & 0xff;
    out[i * 4 + 2] = (h[i]! >>> 8) & 0xff;
    out[i * 4 + 3] = h[i]! & 0xff;
  }
  return out;
};

export function sha256(msg: Uint8Array): Uint8Array {
  const h = IV.slice();
  finish(h, msg, 0);
  return toBytes(h);
}

const ASCII = /^[\x00-\x7f]*$/;
const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** HMAC-SHA256 keyed once: `hex(msg)` returns the lower-case hex digest of an UTF-8 message. */
export class HmacSha256 {
  private readonly inner = IV.slice();
  private readonly outer = IV.slice();
  private readonly h = new Int32Array(8);
  private readonly digest = new Uint8Array(32);
  private readonly enc = new TextEncoder();

  constructor(key: string | Uint8Array) {
    let k = typeof key === 'string' ? new TextEncoder().encode(key) : key;
    if (k.length > 64) k = sha256(k);
    const ipad = new Uint8Array(64).fill(0x36);
    const opad = new Uint8Array(64).fill(0x5c);
    for (let i = 0; i < k.length; i++) {
      ipad[i]! ^= k[i]!;
      opad[i]! ^= k[i]!;
    }
    compress(this.inner, ipad, 0);
    compress(this.outer, opad, 0);
  }

  /** Hex digest, truncated to `hexChars` characters (64 = the whole digest). */
  hex(msg: string, hexChars = 64): string {
    const h = this.h;
    h.set(this.inner);
    if (msg.length <= 55 && ASCII.test(msg)) {
      // one block: the message, 0x80, zeros, the bit length (64-byte key block + message)
      const b = TAIL64;
      b.fill(0);
      for (let i = 0; i < msg.length; i++) b[i] = msg.charCodeAt(i);
      b[msg.length] = 0x80;
      const bits = (64 + msg.length) * 8;
      b[62] = bits >>> 8;
      b[63] = bits & 0xff;
      compress(h, b, 0);
    } else finish(h, this.enc.encode(msg), 64);
    const d = this.digest;
    for (let i = 0; i < 8; i++) {
      d[i * 4] = h[i]! >>> 24;
      d[i * 4 + 1] = (h[i]! >>> 16) & 0xff;
      d[i * 4 + 2] = (h[i]! >>> 8) & 0xff;
      d[i * 4 + 3] = h[i]! & 0xff;
    }
    h.set(this.outer);
    finish(h, d, 64);
    let s = '';
    for (let i = 0; i < 8 && s.length < hexChars; i++) {
      const w = h[i]!;
      s += HEX[w >>> 24]! + HEX[(w >>> 16) & 0xff]! + HEX[(w >>> 8) & 0xff]! + HEX[w & 0xff]!;
    }
    return s.length > hexChars ? s.slice(0, hexChars) : s;
  }
}

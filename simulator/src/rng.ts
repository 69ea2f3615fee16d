/**
 * Seeded pseudo-random numbers for the simulator: sfc32 (Small Fast Counting, 128-bit state) seeded through
 * splitmix32. Deterministic across platforms: every operation is 32-bit integer arithmetic. No Math.random.
 *
 * `fork(label)` derives an independent stream from the current seed and a label, so adding draws in one part
 * of a generator does not shift the numbers another part sees.
 */

export interface Rng {
  /** The seed this stream was created from (forks have their own derived seed). */
  readonly seed: number;
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max] (both inclusive). */
  int(min: number, max: number): number;
  /** Uniform float in [min, max). */
  float(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** One element, uniformly. Throws on an empty array. */
  pick<T>(items: readonly T[]): T;
  /** Index drawn with probability proportional to weights[i] (weights >= 0, at least one > 0). */
  weightedIndex(weights: readonly number[]): number;
  /** One element drawn with probability proportional to weight(item). */
  weighted<T>(items: readonly T[], weight: (item: T) => number): T;
  /** A shuffled copy (Fisher-Yates); the input is not modified. */
  shuffle<T>(items: readonly T[]): T[];
  /** k distinct elements in random order (k is capped at items.length). */
  sample<T>(items: readonly T[], k: number): T[];
  /** An independent stream derived from this stream's seed and a label. */
  fork(label: string): Rng;
}

/** FNV-1a 32-bit hash of a string (UTF-16 code units). */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** splitmix32 step: returns [output, next state]. Used to spread a 32-bit seed over sfc32's 128-bit state. */
function splitmix32(state: number): [number, number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return [z >>> 0, next];
}

/** Creates a stream from a seed (any finite number; it is reduced to 32 bits). */
export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${String(seed)}`);
  const seed32 = Math.trunc(seed) >>> 0;
  let s = seed32;
  let a: number;
  let b: number;
  let c: number;
  [a, s] = splitmix32(s);
  [b, s] = splitmix32(s);
  [c, s] = splitmix32(s);
  let d = 1;

  const nextU32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  // Warm up so that close seeds diverge immediately.
  for (let i = 0; i < 12; i++) nextU32();

  const next = (): number => nextU32() / 4294967296;

  const rng: Rng = {
    seed: seed32,
    next,
    int(min, max) {
      if (!Number.isInteger(min) || !Number.isInteger(max) || max < min) {
        throw new RangeError(`int(${min}, ${max}): bounds must be integers with min <= max`);
      }
      return min + Math.floor(next() * (max - min + 1));
    },
    float(min, max) {
      return min + next() * (max - min);
    },
    chance(p) {
      return next() < p;
    },
    pick(items) {
      if (items.length === 0) throw new RangeError('pick from an empty array');
      return items[Math.floor(next() * items.length)] as (typeof items)[number];
    },
    weightedIndex(weights) {
      let total = 0;
      for (const w of weights) {
        if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`weights must be finite and >= 0, got ${w}`);
        total += w;
      }
      if (total <= 0) throw new RangeError('weightedIndex needs at least one positive weight');
      let r = next() * total;
      for (let i = 0; i < weights.length; i++) {
        r -= weights[i] as number;
        if (r < 0) return i;
      }
      // Floating-point leftovers: the last positive weight.
      for (let i = weights.length - 1; i >= 0; i--) if ((weights[i] as number) > 0) return i;
      return weights.length - 1;
    },
    weighted(items, weight) {
      return items[rng.weightedIndex(items.map(weight))] as (typeof items)[number];
    },
    shuffle(items) {
      const out = items.slice();
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        const tmp = out[i] as (typeof out)[number];
        out[i] = out[j] as (typeof out)[number];
        out[j] = tmp;
      }
      return out;
    },
    sample(items, k) {
      return rng.shuffle(items).slice(0, Math.max(0, Math.min(k, items.length)));
    },
    fork(label) {
      return createRng((Math.imul(seed32 ^ 0x5bd1e995, 0x2c1b3c6d) ^ hashString(label)) >>> 0);
    },
  };
  return rng;
}

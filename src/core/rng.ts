/**
 * The one seeded random number generator. Every random choice in rnnlm —
 * initialisation, shuffling, validation split, dropout masks, sampling —
 * draws from an Rng passed in as an argument, so a run with a given seed is
 * reproducible bit for bit, and the state can be saved and restored exactly.
 *
 * Algorithm: xoshiro128** (Blackman & Vigna), 4 × uint32 of state, seeded
 * through splitmix32 so that any integer seed gives a well-mixed state.
 */

export type RngState = [number, number, number, number];

export interface Rng {
  /** Next uint32. */
  nextU32(): number;
  /** Uniform double in [0, 1), 53 bits from two draws. */
  uniform(): number;
  /** Standard normal (Box–Muller, two uniforms per call). */
  normal(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** A copy of the state; `createRng(0, state)` resumes exactly here. */
  state(): RngState;
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export function createRng(seed: number, state?: RngState): Rng {
  let s0: number, s1: number, s2: number, s3: number;
  if (state) {
    [s0, s1, s2, s3] = state.map((v) => v >>> 0) as RngState;
  } else {
    // Mix the high bits of seeds beyond 2^32 in as well.
    const hi = Math.floor(seed / 4294967296) >>> 0;
    const sm = splitmix32((seed >>> 0) ^ Math.imul(hi, 0x27d4eb2d));
    s0 = sm(); s1 = sm(); s2 = sm(); s3 = sm();
  }
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1; // the all-zero state is a fixed point

  function nextU32(): number {
    const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    s2 = (s2 ^ s0) >>> 0;
    s3 = (s3 ^ s1) >>> 0;
    s1 = (s1 ^ s2) >>> 0;
    s0 = (s0 ^ s3) >>> 0;
    s2 = (s2 ^ t) >>> 0;
    s3 = rotl(s3, 11);
    return result;
  }
  function uniform(): number {
    const a = nextU32() >>> 5; // 27 bits
    const b = nextU32() >>> 6; // 26 bits
    return (a * 67108864 + b) / 9007199254740992;
  }
  function normal(): number {
    let u = uniform();
    while (u <= 0) u = uniform();
    const v = uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  function int(n: number): number {
    return Math.floor(uniform() * n);
  }
  return { nextU32, uniform, normal, int, state: () => [s0, s1, s2, s3] };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** Fisher–Yates shuffle in place, drawing from rng. */
export function shuffle<T>(items: T[] | Int32Array | Uint32Array, rng: Rng): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const tmp = items[i]!;
    items[i] = items[j]!;
    items[j] = tmp as never;
  }
}

/** Murmur3's 32-bit finaliser: a bijection that mixes every input bit into every output bit. */
function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Combine a running hash with one more 32-bit value. */
export function hashCombine(h: number, v: number): number {
  return fmix32((h ^ Math.imul(v >>> 0, 0x9e3779b1)) + 0x7f4a7c15);
}

/**
 * A uniform number in [0, 1) determined by (key, i) alone: a counter-based
 * draw. Dropout masks use it so that the mask of a unit depends only on the
 * step's seed (drawn from the Rng) and the unit's position, not on the order
 * in which threads compute them.
 */
export function hashUniform(key: number, i: number): number {
  return fmix32(key ^ Math.imul((i + 1) >>> 0, 0x9e3779b1)) / 4294967296;
}

/**
 * Generator number `stream` of a seed: the streams of one seed are
 * independent of each other and of the order they are used in (sample i of a
 * run draws from stream i, whichever lane of a batch draws it). Each state
 * word is the seed's own word mixed with the stream number by splitmix32.
 */
export function streamRng(seed: number, stream: number): Rng {
  const base = createRng(seed).state();
  const lo = stream >>> 0, hi = Math.floor(stream / 4294967296) >>> 0;
  const state = base.map((w, k) => splitmix32((w ^ Math.imul(lo + k * 0x632be5ab, 0x9e3779b1) ^ Math.imul(hi, 0x85ebca77)) >>> 0)()) as RngState;
  return createRng(0, state);
}

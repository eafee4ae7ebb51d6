/**
 * Which sentences a model saw in training, kept compactly so that a sample
 * can be marked as a copy of one (makemore marks about 16% of sampled names
 * as copies) without the corpus: a sorted set of 64-bit FNV-1a hashes of
 * each training sentence's token ids (<EOS> left out), as a Uint32Array of
 * (high, low) pairs. Two different sentences share a hash with probability
 * about n²/2⁶⁵: negligible for any corpus rnnlm can hold.
 */
import type { EncodedCorpus } from '../core/tokenize.js';

/** The 64-bit FNV-1a hash of ids[from..to) as two 32-bit halves (computed in two 32-bit lanes, no BigInt). */
export function hashIds(ids: ArrayLike<number>, from = 0, to = ids.length): [number, number] {
  // 64-bit FNV-1a: offset basis 0xcbf29ce484222325, prime 0x100000001b3 (= 2^40 + 0x1b3)
  let hi = 0xcbf29ce4, lo = 0x84222325;
  for (let i = from; i < to; i++) {
    const v = ids[i]! >>> 0;
    for (let k = 0; k < 4; k++) {
      lo = (lo ^ ((v >>> (8 * k)) & 0xff)) >>> 0;
      // (hi, lo) *= 2^40 + 0x1b3 mod 2^64: lo·0x1b3 (exact in a double) gives the low word and a carry;
      // the high word gets hi·0x1b3, the carry, and lo shifted by 40 − 32 = 8
      const prod = lo * 0x1b3;
      const carry = Math.floor(prod / 4294967296);
      hi = (Math.imul(hi, 0x1b3) + (lo << 8) + carry) >>> 0;
      lo = prod >>> 0;
    }
  }
  return [hi >>> 0, lo >>> 0];
}

/** The set of a corpus's sentences (the parts given, e.g. training and validation), sorted, duplicates once. */
export function sentenceSet(...parts: (EncodedCorpus | null)[]): Uint32Array {
  const pairs: [number, number][] = [];
  for (const c of parts) {
    if (!c) continue;
    for (let s = 0; s + 1 < c.starts.length; s++) pairs.push(hashIds(c.ids, c.starts[s]!, c.starts[s + 1]! - 1));
  }
  pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: number[] = [];
  for (const [h, l] of pairs) {
    const n = out.length;
    if (n >= 2 && out[n - 2] === h && out[n - 1] === l) continue;
    out.push(h, l);
  }
  return Uint32Array.from(out);
}

/** Whether `ids` (no <EOS>) is one of the set's sentences: a binary search over the sorted pairs. */
export function inSentenceSet(set: Uint32Array, ids: ArrayLike<number>): boolean {
  const [h, l] = hashIds(ids);
  let lo = 0, hi = set.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const mh = set[2 * mid]!, ml = set[2 * mid + 1]!;
    if (mh === h && ml === l) return true;
    if (mh < h || (mh === h && ml < l)) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

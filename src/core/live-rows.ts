/**
 * Which rows of a gradient one training window can make nonzero. An untied
 * embedding's gradient is zero outside the rows of the window's input ids,
 * and at word level the embedding is most of the model (on the KJV: 5.5M of
 * 7.5M parameters, for at most 700 rows of 27,575 touched per window). The
 * reduction across threads, the clipping norm and an SGD step visit the live
 * rows only: the same floats as the dense loops, which there add, square and
 * subtract exact zeros (x + 0 = x, and a sum of squares never meets −0), at a
 * fraction of the memory traffic. Adam still steps every element: its
 * moments move where the gradient is zero.
 */
import type { Vec } from './kernels.js';

export interface LiveRows {
  /** The row-sparse block of the arena: its first element and floats per row. */
  readonly offset: number;
  readonly width: number;
  /** 1 where the row may be nonzero (one entry per row of the block). */
  readonly live: Uint8Array;
}

/** A block of `rows` rows of `width` floats at `offset`, no row live yet. */
export function liveRows(offset: number, width: number, rows: number): LiveRows {
  return { offset, width, live: new Uint8Array(rows) };
}

/** Only the rows named by `ids[0 .. n)` are live (negative ids — no input — name none). */
export function markRows(m: LiveRows, ids: Int32Array, n: number): void {
  const live = m.live;
  live.fill(0);
  const rows = live.length;
  for (let i = 0; i < n; i++) {
    const y = ids[i]!;
    if (y >= 0 && y < rows) live[y] = 1;
  }
}

/**
 * The ranges of [lo, hi) that may be nonzero, in ascending order, as flat
 * pairs [a0, b0, a1, b1, …]: everything outside the block, and the live rows
 * inside it (adjacent live rows as one range). `m` null: [lo, hi) itself.
 * (Pairs, not a callback: a loop that sums into a variable a closure captures
 * runs several times slower.)
 */
export function liveSpans(m: LiveRows | null, lo: number, hi: number): number[] {
  if (lo >= hi) return [];
  if (m === null) return [lo, hi];
  const out: number[] = [];
  const { offset: a0, width: w, live } = m;
  const a1 = a0 + live.length * w;
  if (lo < Math.min(hi, a0)) out.push(lo, Math.min(hi, a0));
  const from = Math.max(lo, a0), to = Math.min(hi, a1);
  if (from < to) {
    let r = Math.floor((from - a0) / w);
    const rEnd = Math.ceil((to - a0) / w);
    while (r < rEnd) {
      if (!live[r]) { r++; continue; }
      const start = r;
      while (r < rEnd && live[r]) r++;
      const a = Math.max(from, a0 + start * w), b = Math.min(to, a0 + r * w);
      if (a < b) out.push(a, b);
    }
  }
  if (Math.max(lo, a1) < hi) out.push(Math.max(lo, a1), hi);
  return out;
}

/**
 * Share `i` of `parts` of the live spans of [0, total): cut so that every
 * share has as many live elements as the others (±1), in ascending order, as
 * flat pairs. With `m` null the shares are the plain slices of [0, total),
 * the first ones one element longer when it does not divide evenly.
 * (Threads that cut [0, total) in equal slices would leave one thread the
 * dense tensors and the other the sparse embedding.)
 */
export function shareSpans(m: LiveRows | null, total: number, parts: number, i: number): number[] {
  const spans = liveSpans(m, 0, total);
  let n = 0;
  for (let k = 0; k < spans.length; k += 2) n += spans[k + 1]! - spans[k]!;
  const base = Math.floor(n / parts), extra = n % parts;
  const from = i * base + Math.min(i, extra);
  const to = from + base + (i < extra ? 1 : 0);
  const out: number[] = [];
  let pos = 0; // live elements before the span
  for (let k = 0; k < spans.length && pos < to; k += 2) {
    const a = spans[k]!, b = spans[k + 1]!;
    const lo = Math.max(a, a + from - pos), hi = Math.min(b, a + to - pos);
    if (lo < hi) out.push(lo, hi);
    pos += b - a;
  }
  return out;
}

/** Σ g[i]² over the live part of [lo, hi), in ascending order, in float64: what the dense sum gives. */
export function liveSumOfSquares(g: Vec, m: LiveRows | null, lo: number, hi: number): number {
  return spanSumOfSquares(g, liveSpans(m, lo, hi));
}

/** Σ g[i]² over the spans (flat pairs), in order, in float64. */
export function spanSumOfSquares(g: Vec, spans: readonly number[]): number {
  let s = 0;
  for (let k = 0; k < spans.length; k += 2) {
    const b = spans[k + 1]!;
    for (let i = spans[k]!; i < b; i++) s += g[i]! * g[i]!;
  }
  return s;
}

/**
 * The generic element-wise work: the non-linearities, the softmax rows, the
 * scatter-add of rows: part of a backend (backend.ts), like the products
 * (kernels.ts). A cell's own fused step (LSTM, GRU) lives in its cell file,
 * with its layout in cells/steps.ts; a backend registers fast versions of
 * those by cell kind (`Backend.steps`).
 */
import type { Vec } from './kernels.js';

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/**
 * The generic element-wise functions: the non-linearities the cells apply,
 * the softmax rows, the scatter-add of rows. The plain TypeScript reference is below (exactly `sigmoid` above
 * and Math.tanh / Math.exp, in float64); the WebAssembly backend has a faster
 * implementation (SIMD, float32 approximations accurate to a few ulps) that
 * must fall back to the reference for arrays it does not own.
 *
 * The map functions work in place on `rows` rows of `n` elements, row r
 * starting at off + r·ld (defaults: one row; ld = n), so a cell can apply a
 * non-linearity to one gate block of all B rows of a step in one call.
 */
export interface Elementwise {
  /** x ← σ(x) = 1/(1 + e^−x) */
  sigmoid(x: Vec, off: number, n: number, rows?: number, ld?: number): void;
  /** x ← tanh(x) */
  tanh(x: Vec, off: number, n: number, rows?: number, ld?: number): void;
  /** x ← e^x */
  exp(x: Vec, off: number, n: number, rows?: number, ld?: number): void;
  /**
   * Returns lse = log Σ_v exp(z[off + v]) over one row of V (stable: shifted
   * by the row max; −∞ when every entry is −∞). With a `scale`, also
   * overwrites the row with scale · softmax(z), i.e. z[off + v] ← scale · e^(z − lse).
   */
  softmaxLse(z: Vec, off: number, V: number, scale: number | null): number;
  /** out[0..V) ← softmax(z[off..off+V) / temperature); temperature > 0. */
  softmaxTo(z: Vec, off: number, V: number, temperature: number, out: Float64Array): void;
  /**
   * Scatter-add rows: for r < rows with y = idx[r] ≥ 0,
   * dst[dOff + y·width + j] += src[sOff + r·width + j] for j < width, in
   * order of r (the gradient of a lookup: one-hot input, embedding).
   */
  addRowsAt(dst: Vec, dOff: number, src: Vec, sOff: number, idx: Int32Array, rows: number, width: number): void;
}

function sigmoidRows(x: Vec, off: number, n: number, rows = 1, ld = n): void {
  for (let r = 0; r < rows; r++) {
    const o = off + r * ld;
    for (let i = o; i < o + n; i++) x[i] = sigmoid(x[i]!);
  }
}

function tanhRows(x: Vec, off: number, n: number, rows = 1, ld = n): void {
  for (let r = 0; r < rows; r++) {
    const o = off + r * ld;
    for (let i = o; i < o + n; i++) x[i] = Math.tanh(x[i]!);
  }
}

function expRows(x: Vec, off: number, n: number, rows = 1, ld = n): void {
  for (let r = 0; r < rows; r++) {
    const o = off + r * ld;
    for (let i = o; i < o + n; i++) x[i] = Math.exp(x[i]!);
  }
}

function softmaxLse(z: Vec, off: number, V: number, scale: number | null): number {
  let max = -Infinity;
  for (let v = 0; v < V; v++) if (z[off + v]! > max) max = z[off + v]!;
  let lse = -Infinity;
  if (max !== -Infinity) {
    let s = 0;
    for (let v = 0; v < V; v++) s += Math.exp(z[off + v]! - max);
    lse = max + Math.log(s);
  }
  if (scale !== null) for (let v = 0; v < V; v++) z[off + v] = scale * Math.exp(z[off + v]! - lse);
  return lse;
}

function softmaxTo(z: Vec, off: number, V: number, temperature: number, out: Float64Array): void {
  let max = -Infinity;
  for (let v = 0; v < V; v++) if (z[off + v]! > max) max = z[off + v]!;
  let s = 0;
  for (let v = 0; v < V; v++) {
    const e = Math.exp((z[off + v]! - max) / temperature);
    out[v] = e;
    s += e;
  }
  for (let v = 0; v < V; v++) out[v] = out[v]! / s;
}

function addRowsAt(dst: Vec, dOff: number, src: Vec, sOff: number, idx: Int32Array, rows: number, width: number): void {
  for (let r = 0; r < rows; r++) {
    const y = idx[r]!;
    if (y < 0) continue;
    const d = dOff + y * width, s = sOff + r * width;
    for (let j = 0; j < width; j++) dst[d + j] += src[s + j]!;
  }
}

/** The plain TypeScript element-wise functions (float64 Math): the reference. */
export const referenceElementwise: Readonly<Elementwise> = Object.freeze({
  sigmoid: sigmoidRows,
  tanh: tanhRows,
  exp: expRows,
  softmaxLse,
  softmaxTo,
  addRowsAt,
});

/**
 * The element-wise work: the cells' non-linearities (and the fused LSTM
 * step), the softmax. `E` is its dispatch table, like `K` for the products
 * (kernels.ts).
 */
import type { Vec } from './kernels.js';

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/**
 * The element-wise transcendental work: the cells' non-linearities and the
 * softmax. `E` is its dispatch table, like `K` for the products: it starts
 * as the plain TypeScript reference below (exactly `sigmoid` above and
 * Math.tanh / Math.exp, in float64), and `useElementwise` installs a faster
 * implementation (WebAssembly SIMD, float32 approximations accurate to a few
 * ulps) that must fall back to the reference for arrays it does not own.
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

/** The plain TypeScript element-wise functions (float64 Math): the reference. */
export const referenceElementwise: Readonly<Elementwise> = Object.freeze({
  sigmoid: sigmoidRows,
  tanh: tanhRows,
  exp: expRows,
  softmaxLse,
  softmaxTo,
});

/** The active element-wise functions. Call through this object: `E.sigmoid(...)`. */
export const E: Elementwise = { ...referenceElementwise };

/** Install an element-wise implementation (or the reference again with `useElementwise(referenceElementwise)`). */
export function useElementwise(impl: Elementwise): void {
  E.sigmoid = impl.sigmoid;
  E.tanh = impl.tanh;
  E.exp = impl.exp;
  E.softmaxLse = impl.softmaxLse;
  E.softmaxTo = impl.softmaxTo;
}

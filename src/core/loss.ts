/**
 * Softmax over the vocabulary and cross-entropy against the next token, fused.
 *
 *   ŷ = softmax(z),   loss = −log ŷ[y]     (natural log)
 *   ∂loss/∂z = ŷ − onehot(y)
 *
 * Rows whose target is negative are padding (masked): they add nothing to the
 * loss and get a zero gradient, so sentences of different lengths share a batch.
 *
 * The exponentials go through the backend's element-wise functions `E`
 * (elementwise.ts): the float64 reference for Float64Array (gradient checks)
 * and ordinary arrays; with the WebAssembly backend, float32 logits in WebAssembly memory get the row
 * max, exp, sum and normalisation in WebAssembly SIMD, while log ŷ[y] =
 * z[y] − lse and the loss sum stay float64 in JavaScript.
 */
import { referenceElementwise, type Elementwise } from './elementwise.js';
import type { Vec } from './kernels.js';

export interface LossSum {
  /** Σ −log ŷ[y] over the unmasked rows, natural log, accumulated in float64. */
  sum: number;
  /** Number of unmasked rows. */
  count: number;
}

/** log Σ_v exp(z[off + v]), stable (the row max is subtracted first); float64 reference. */
export function logSumExp(z: Vec, off: number, V: number): number {
  return referenceElementwise.softmaxLse(z, off, V, null);
}

/**
 * Loss over R rows of V logits. With `grad`, each row of `logits` is replaced by
 * scale · (ŷ − onehot(y)) (zero on masked rows). With `logp`, the natural-log
 * probability of each row's target is written there (0 on masked rows).
 */
export function softmaxCrossEntropy(
  E: Elementwise, logits: Vec, R: number, V: number, targets: Int32Array,
  grad: boolean, scale: number, logp: Float64Array | null = null,
): LossSum {
  let sum = 0;
  let count = 0;
  for (let r = 0; r < R; r++) {
    const off = r * V;
    const y = targets[r]!;
    if (y < 0) {
      if (grad) logits.fill(0, off, off + V);
      if (logp) logp[r] = 0;
      continue;
    }
    const zy = logits[off + y]!; // read before the row is overwritten
    // lse; with grad the row becomes scale · ŷ
    const lse = E.softmaxLse(logits, off, V, grad ? scale : null);
    const lp = zy - lse;
    sum -= lp;
    count++;
    if (logp) logp[r] = lp;
    if (grad) logits[off + y] -= scale; // scale · (ŷ − onehot(y))
  }
  return { sum, count };
}

/**
 * Probabilities softmax(z / temperature) of one row into out[0..V).
 * temperature must be > 0.
 */
export function softmaxRow(E: Elementwise, z: Vec, off: number, V: number, temperature: number, out: Float64Array): void {
  E.softmaxTo(z, off, V, temperature, out);
}

/**
 * Softmax over the vocabulary and cross-entropy against the next token, fused.
 *
 *   ŷ = softmax(z),   loss = −log ŷ[y]     (natural log)
 *   ∂loss/∂z = ŷ − onehot(y)
 *
 * Rows whose target is negative are padding (masked): they add nothing to the
 * loss and get a zero gradient, so sentences of different lengths share a batch.
 */
import type { Vec } from './kernels.js';

export interface LossSum {
  /** Σ −log ŷ[y] over the unmasked rows, natural log, accumulated in float64. */
  sum: number;
  /** Number of unmasked rows. */
  count: number;
}

/** log Σ_v exp(z[off + v]), stable. */
export function logSumExp(z: Vec, off: number, V: number): number {
  let max = -Infinity;
  for (let v = 0; v < V; v++) if (z[off + v]! > max) max = z[off + v]!;
  if (max === -Infinity) return -Infinity;
  let s = 0;
  for (let v = 0; v < V; v++) s += Math.exp(z[off + v]! - max);
  return max + Math.log(s);
}

/**
 * Loss over R rows of V logits. With `grad`, each row of `logits` is replaced by
 * scale · (ŷ − onehot(y)) (zero on masked rows). With `logp`, the natural-log
 * probability of each row's target is written there (0 on masked rows).
 */
export function softmaxCrossEntropy(
  logits: Vec, R: number, V: number, targets: Int32Array,
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
    const lse = logSumExp(logits, off, V);
    const lp = logits[off + y]! - lse;
    sum -= lp;
    count++;
    if (logp) logp[r] = lp;
    if (grad) {
      for (let v = 0; v < V; v++) logits[off + v] = scale * Math.exp(logits[off + v]! - lse);
      logits[off + y] -= scale;
    }
  }
  return { sum, count };
}

/**
 * Probabilities softmax(z / temperature) of one row into out[0..V).
 * temperature must be > 0.
 */
export function softmaxRow(z: Vec, off: number, V: number, temperature: number, out: Float64Array): void {
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

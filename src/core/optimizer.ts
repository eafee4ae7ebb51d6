/**
 * Optimizers and gradient clipping, each one flat loop over the parameter arena.
 *
 * Adam (Kingma & Ba 2015):  m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²;
 *   θ ← θ − lr · m̂ / (√v̂ + ε),  m̂ = m / (1−β1^k),  v̂ = v / (1−β2^k)   (k = step, from 1)
 * SGD:  θ ← θ − lr · g
 */
import type { Vec } from './kernels.js';
import type { Alloc } from './params.js';

export type OptimizerKind = 'adam' | 'sgd';

export interface OptimizerConfig {
  kind: OptimizerKind;
  beta1: number;
  beta2: number;
  eps: number;
}

export const defaultOptimizer: OptimizerConfig = { kind: 'adam', beta1: 0.9, beta2: 0.999, eps: 1e-8 };

export interface OptimizerState {
  /** Updates taken so far. */
  step: number;
  /** Adam's first and second moments, same layout as the parameters (null for SGD). */
  m: Vec | null;
  v: Vec | null;
}

export function createOptimizerState(cfg: OptimizerConfig, n: number, alloc: Alloc): OptimizerState {
  return cfg.kind === 'adam' ? { step: 0, m: alloc(n), v: alloc(n) } : { step: 0, m: null, v: null };
}

/** One update of params from grads with learning rate lr. */
export function optimizerStep(params: Vec, grads: Vec, state: OptimizerState, cfg: OptimizerConfig, lr: number): void {
  state.step++;
  const n = params.length;
  if (cfg.kind === 'sgd') {
    for (let i = 0; i < n; i++) params[i] -= lr * grads[i]!;
    return;
  }
  const m = state.m!, v = state.v!;
  const { beta1, beta2, eps } = cfg;
  const c1 = 1 - Math.pow(beta1, state.step);
  const c2 = 1 - Math.pow(beta2, state.step);
  const a = lr / c1;
  const rc2 = 1 / Math.sqrt(c2);
  for (let i = 0; i < n; i++) {
    const g = grads[i]!;
    const mi = beta1 * m[i]! + (1 - beta1) * g;
    const vi = beta2 * v[i]! + (1 - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    params[i] -= (a * mi) / (Math.sqrt(vi) * rc2 + eps);
  }
}

/** Euclidean norm of the whole vector, accumulated in float64. */
export function globalNorm(g: Vec): number {
  let s = 0;
  for (let i = 0; i < g.length; i++) s += g[i]! * g[i]!;
  return Math.sqrt(s);
}

/**
 * When ‖g‖ > maxNorm, rescale the whole vector to norm maxNorm (same direction).
 * Returns the norm before clipping. maxNorm ≤ 0 disables clipping.
 */
export function clipGlobalNorm(g: Vec, maxNorm: number): number {
  const norm = globalNorm(g);
  if (maxNorm > 0 && norm > maxNorm) {
    const s = maxNorm / norm;
    for (let i = 0; i < g.length; i++) g[i] *= s;
  }
  return norm;
}

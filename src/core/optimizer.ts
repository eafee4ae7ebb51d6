/**
 * Optimizers and gradient clipping, each one flat loop over the parameter arena.
 *
 * Adam (Kingma & Ba 2015):  m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²;
 *   θ ← θ − lr · m̂ / (√v̂ + ε),  m̂ = m / (1−β1^k),  v̂ = v / (1−β2^k)   (k = step, from 1)
 * SGD:  θ ← θ − lr · g
 */
import type { Vec } from './kernels.js';
import type { Alloc } from './params.js';
import { liveSpans, spanSumOfSquares, type LiveRows } from './live-rows.js';

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
  optimizerUpdate(params, grads, state, cfg, lr, state.step, 0, params.length);
}

/**
 * The update of step number `step` (from 1) on the elements [lo, hi) only:
 * what `optimizerStep` does to the whole arena, sliceable across threads
 * (does not touch state.step).
 */
export function optimizerUpdate(
  params: Vec, grads: Vec, state: Pick<OptimizerState, 'm' | 'v'>, cfg: OptimizerConfig, lr: number, step: number, lo: number, hi: number,
): void {
  if (cfg.kind === 'sgd') {
    for (let i = lo; i < hi; i++) params[i] -= lr * grads[i]!;
    return;
  }
  const m = state.m!, v = state.v!;
  const { beta1, beta2, eps } = cfg;
  const c1 = 1 - Math.pow(beta1, step);
  const c2 = 1 - Math.pow(beta2, step);
  const a = lr / c1;
  const rc2 = 1 / Math.sqrt(c2);
  for (let i = lo; i < hi; i++) {
    const g = grads[i]!;
    const mi = beta1 * m[i]! + (1 - beta1) * g;
    const vi = beta2 * v[i]! + (1 - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    params[i] -= (a * mi) / (Math.sqrt(vi) * rc2 + eps);
  }
}

/** Σ g[i]² over [lo, hi), accumulated in float64. */
export function sumOfSquares(g: Vec, lo = 0, hi = g.length): number {
  let s = 0;
  for (let i = lo; i < hi; i++) s += g[i]! * g[i]!;
  return s;
}

/** Euclidean norm of the whole vector, accumulated in float64. */
export function globalNorm(g: Vec): number {
  return Math.sqrt(sumOfSquares(g));
}

/** The factor that brings a vector of norm `norm` down to `maxNorm` (1 when it is within, or maxNorm ≤ 0, or norm is not finite). */
export function clipScale(norm: number, maxNorm: number): number {
  return maxNorm > 0 && norm > maxNorm && Number.isFinite(norm) ? maxNorm / norm : 1;
}

/** g[i] *= s over [lo, hi). */
export function scaleRange(g: Vec, s: number, lo = 0, hi = g.length): void {
  for (let i = lo; i < hi; i++) g[i] *= s;
}

/**
 * When ‖g‖ > maxNorm, rescale the whole vector to norm maxNorm (same direction).
 * Returns the norm before clipping. maxNorm ≤ 0 disables clipping.
 */
export function clipGlobalNorm(g: Vec, maxNorm: number): number {
  const norm = globalNorm(g);
  const s = clipScale(norm, maxNorm);
  if (s !== 1) scaleRange(g, s);
  return norm;
}

/**
 * One share [lo, hi) of a training update, written once for every engine:
 * the gradient clipped by `scale` (clipScale of the global norm), then the
 * optimizer's step number `step` on those elements. The local engine calls
 * it on the whole arena. `live`: the rows the gradient can be nonzero in
 * (live-rows.ts); SGD then visits those alone (the same floats), Adam every
 * element.
 */
export function updateSlice(
  params: Vec, grads: Vec, moments: { m: Vec | null; v: Vec | null }, cfg: OptimizerConfig,
  lr: number, step: number, scale: number, lo: number, hi: number, live: LiveRows | null = null,
): void {
  updateSpans(params, grads, moments, cfg, lr, step, scale, liveSpans(cfg.kind === 'sgd' ? live : null, lo, hi));
}

/** updateSlice on the elements of `spans` (flat pairs [a0, b0, a1, b1, …]): a thread's share (live-rows.ts shareSpans). */
export function updateSpans(
  params: Vec, grads: Vec, moments: { m: Vec | null; v: Vec | null }, cfg: OptimizerConfig,
  lr: number, step: number, scale: number, spans: readonly number[],
): void {
  for (let k = 0; k < spans.length; k += 2) {
    if (scale !== 1) scaleRange(grads, scale, spans[k]!, spans[k + 1]!);
    optimizerUpdate(params, grads, moments, cfg, lr, step, spans[k]!, spans[k + 1]!);
  }
}

/**
 * One share [lo, hi) of the gradient reduction across threads: into[i] +=
 * each of `others`[i] in order; returns Σ into[i]² over the share, for the
 * clipping norm (summed over the shares in thread order).
 */
export function reduceSlice(into: Vec, others: readonly Vec[], lo: number, hi: number): number {
  return reduceSpans(into, others, [lo, hi]);
}

/** reduceSlice on the elements of `spans` (flat pairs), in order: a thread's share of the live rows (live-rows.ts shareSpans). */
export function reduceSpans(into: Vec, others: readonly Vec[], spans: readonly number[]): number {
  for (let k = 0; k < spans.length; k += 2) {
    const a = spans[k]!, b = spans[k + 1]!;
    for (const g of others) for (let i = a; i < b; i++) into[i] += g[i]!;
  }
  return spanSumOfSquares(into, spans);
}

/**
 * Sampling: draw y<t> from P(· | y<1..t-1>) token after token, feeding each
 * draw back in, until <EOS> or a length cap. Optionally primed with a prefix
 * (the state after reading it is where sampling starts). <UNK> is never
 * emitted unless allowed: a drawn <UNK> is drawn again (up to a bound), then
 * the distribution is renormalised without it.
 */
import { forward, type Model } from './model.js';
import { softmaxRow } from './loss.js';
import type { Rng } from './rng.js';
import { EOS, UNK } from './vocab.js';
import { carryState, createWorkspace, resetState, type Workspace } from './workspace.js';

export interface SampleOptions {
  /** Token ids of the prefix (may be empty). */
  prime: Int32Array;
  /** Most tokens generated after the prime (EOS not counted). */
  maxLength: number;
  /** Softmax temperature > 0: below 1 sharper, above 1 flatter. */
  temperature: number;
  /** Keep only the K most likely tokens (0 = all). */
  topK: number;
  /** Always take the most likely token (no randomness). */
  greedy: boolean;
  /** Allow <UNK> in the output. */
  allowUnk: boolean;
}

export const defaultSampleOptions: SampleOptions = {
  prime: new Int32Array(0), maxLength: 200, temperature: 1, topK: 0, greedy: false, allowUnk: false,
};

/** How many times a drawn <UNK> is drawn again before it is removed from the distribution. */
export const UNK_REDRAWS = 10;

/** The token at which the cumulative probability first exceeds coin ∈ [0, 1) (inverse CDF). */
export function pickToken(probs: ArrayLike<number>, V: number, coin: number): number {
  let cdf = 0;
  let last = -1;
  for (let v = 0; v < V; v++) {
    const p = probs[v]!;
    if (p <= 0) continue;
    cdf += p;
    last = v;
    if (coin < cdf) return v;
  }
  return last; // rounding left the total just under 1
}

/** Keep the k largest probabilities (ties to the lower id), renormalised. */
export function topK(probs: Float64Array, V: number, k: number): void {
  if (k <= 0 || k >= V) return;
  const order = Array.from({ length: V }, (_, i) => i).sort((a, b) => probs[b]! - probs[a]! || a - b);
  let kept = 0;
  for (let i = 0; i < V; i++) {
    if (i < k) kept += probs[order[i]!]!;
    else probs[order[i]!] = 0;
  }
  for (let v = 0; v < V; v++) probs[v] = probs[v]! / kept;
}

function argmax(probs: Float64Array, V: number, skip: number): number {
  let best = -1;
  for (let v = 0; v < V; v++) if (v !== skip && (best < 0 || probs[v]! > probs[best]!)) best = v;
  return best;
}

/** Choose the next token from probs (modified in place by the UNK policy). */
export function chooseToken(probs: Float64Array, V: number, opts: SampleOptions, rng: Rng): number {
  if (opts.greedy) return argmax(probs, V, opts.allowUnk ? -1 : UNK);
  let tok = pickToken(probs, V, rng.uniform());
  if (opts.allowUnk) return tok;
  for (let i = 0; i < UNK_REDRAWS && tok === UNK; i++) tok = pickToken(probs, V, rng.uniform());
  if (tok !== UNK) return tok;
  const rest = 1 - probs[UNK]!;
  if (!(rest > 0)) return EOS; // the model puts all its mass on <UNK>: end the sentence
  probs[UNK] = 0;
  for (let v = 0; v < V; v++) probs[v] = probs[v]! / rest;
  return pickToken(probs, V, rng.uniform());
}

export interface Sampler {
  /**
   * Generate one sentence: yields the ids generated after the prime, one at a
   * time (EOS not yielded), and returns why it stopped.
   */
  sample(rng: Rng): Generator<number, 'eos' | 'length', undefined>;
}

/** Longest window in which a prime is read (longer primes are read in several, the state carried). */
export const PRIME_WINDOW = 256;

/**
 * A sampler for one model and options, its buffers allocated once and reused
 * for every sample. `ws`: a workspace to use instead of a new one (batch 1,
 * at least PRIME_WINDOW steps, or the prime's length + 1), e.g. one kept per
 * model by a program that makes many samplers; one sampler at a time on it.
 */
export function createSampler(model: Model, opts: SampleOptions, given?: Workspace): Sampler {
  const V = model.config.vocabSize;
  // the zero input of step 1, then the prime: y<t-1> for t = 1 .. prime + 1
  const inputs = new Int32Array(opts.prime.length + 1);
  inputs[0] = -1;
  inputs.set(opts.prime, 1);
  const W = Math.min(inputs.length, PRIME_WINDOW);
  const ws = given !== undefined && given.B === 1 && given.T >= W ? given : createWorkspace(model, W, 1);
  const probs = new Float64Array(V);
  const one = new Int32Array(1);
  function* sample(rng: Rng): Generator<number, 'eos' | 'length', undefined> {
    // read the prime in windows; the last row of the last one predicts the next token
    resetState(ws);
    let row = 0;
    for (let start = 0; start < inputs.length; start += W) {
      const T = Math.min(W, inputs.length - start);
      forward(model, ws, inputs.subarray(start, start + T), T, null);
      carryState(ws, T);
      row = T - 1;
    }
    for (let n = 0; n < opts.maxLength; n++) {
      softmaxRow(model.backend.elementwise, ws.logits, row * V, V, opts.temperature, probs);
      topK(probs, V, opts.topK);
      const tok = chooseToken(probs, V, opts, rng);
      if (tok === EOS) return 'eos';
      yield tok;
      one[0] = tok;
      forward(model, ws, one, 1, null);
      carryState(ws, 1);
      row = 0;
    }
    return 'length';
  }
  return { sample };
}

/** One sample (see Sampler.sample); for many, create one sampler and reuse it. */
export function sampleTokens(model: Model, opts: SampleOptions, rng: Rng): Generator<number, 'eos' | 'length', undefined> {
  return createSampler(model, opts).sample(rng);
}

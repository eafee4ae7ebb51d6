/**
 * Sampling: draw y<t> from P(· | y<1..t-1>) token after token, feeding each
 * draw back in, until <EOS> or a length cap. Optionally primed with a prefix
 * (the state after reading it is where sampling starts). <UNK> is never
 * emitted unless allowed: a drawn <UNK> is drawn again (up to a bound), then
 * the distribution is renormalised without it.
 *
 * The distribution a token is drawn from, in this order: softmax at the
 * temperature; <EOS> removed (renormalised) before `minLength` tokens; the
 * top k kept; the nucleus (top p) kept; then the <UNK> policy. The sampler
 * also keeps the log-probability of what it drew under the model's own
 * distribution (temperature 1, nothing removed), for reporting.
 *
 * Beam search (beamSearch) is deterministic: the K best hypotheses by the
 * model's own log P, finished ones competing for the K places with the live
 * ones, until all K are finished.
 */
import { forward, type Model } from './model.js';
import type { Vec } from './kernels.js';
import type { Elementwise } from './elementwise.js';
import { logSumExp, softmaxRow } from './loss.js';
import type { Rng } from './rng.js';
import { EOS, UNK } from './vocab.js';
import { carryState, createWorkspace, resetState, type Workspace } from './workspace.js';
import { workspaceLanes, type Lanes } from './lanes.js';

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
  /** Nucleus: keep the fewest most likely tokens whose probability sums to at least p, 0 < p ≤ 1 (1 or absent = all). */
  topP?: number;
  /** <EOS> cannot be drawn before this many tokens after the prime (0 or absent = any time). */
  minLength?: number;
}

export const defaultSampleOptions: SampleOptions = {
  prime: new Int32Array(0), maxLength: 200, temperature: 1, topK: 0, greedy: false, allowUnk: false, topP: 1, minLength: 0,
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

/**
 * Nucleus sampling: keep the smallest set of most likely tokens (ties to the
 * lower id) whose probabilities sum to at least p, renormalised. p ≥ 1 keeps
 * everything, untouched. `scratch` (V ids or more): kept by a caller that
 * draws many tokens, so that none is allocated per token.
 */
export function topP(probs: Float64Array, V: number, p: number, scratch?: Int32Array): void {
  if (!(p < 1)) return;
  const order = (scratch && scratch.length >= V ? scratch.subarray(0, V) : new Int32Array(V));
  for (let v = 0; v < V; v++) order[v] = v;
  order.sort((a, b) => probs[b]! - probs[a]! || a - b);
  let kept = 0;
  let i = 0;
  for (; i < V && kept < p; i++) kept += probs[order[i]!]!;
  if (!(kept > 0)) return; // nothing to keep (an all-zero row): leave it
  for (; i < V; i++) probs[order[i]!] = 0;
  for (let v = 0; v < V; v++) probs[v] = probs[v]! / kept;
}

/**
 * Remove one token (its probability set to 0, the rest renormalised), unless
 * nothing else has any probability: then the row is left as it is.
 */
export function withoutToken(probs: Float64Array, V: number, tok: number): void {
  const rest = 1 - probs[tok]!;
  if (!(rest > 0) || probs[tok] === 0) return;
  let s = 0;
  for (let v = 0; v < V; v++) if (v !== tok) s += probs[v]!;
  if (!(s > 0)) return;
  probs[tok] = 0;
  for (let v = 0; v < V; v++) probs[v] = probs[v]! / s;
}

/**
 * log P(tok) under the softmax of logits[off .. off+V) at temperature 1. The
 * log-sum-exp is float64 Math by default; with `E`, that backend's (the
 * WebAssembly one: float32 exponentials summed in float64, within a float32
 * rounding of the float64 one, many times faster over a word vocabulary).
 */
export function logSoftmaxAt(logits: Vec, off: number, V: number, tok: number, E?: Elementwise): number {
  return logits[off + tok]! - (E ? E.softmaxLse(logits, off, V, null) : logSumExp(logits, off, V));
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
  /**
   * log P of what the current (or last) sample drew so far, given the prime,
   * under the model's own distribution (temperature 1, nothing removed):
   * every token yielded, and <EOS> once it is drawn. Natural log.
   */
  readonly logProb: number;
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
  const minLength = opts.minLength ?? 0;
  const p = opts.topP ?? 1;
  const order = p < 1 ? new Int32Array(V) : undefined;
  let logProb = 0;
  function* sample(rng: Rng): Generator<number, 'eos' | 'length', undefined> {
    logProb = 0;
    const row = readPrime(model, ws, inputs, W);
    for (let n = 0; n < opts.maxLength; n++) {
      const off = (n === 0 ? row : 0) * V;
      softmaxRow(model.backend.elementwise, ws.logits, off, V, opts.temperature, probs);
      if (n < minLength) withoutToken(probs, V, EOS);
      topK(probs, V, opts.topK);
      topP(probs, V, p, order);
      const tok = chooseToken(probs, V, opts, rng);
      logProb += logSoftmaxAt(ws.logits, off, V, tok, model.backend.elementwise);
      if (tok === EOS) return 'eos';
      yield tok;
      one[0] = tok;
      forward(model, ws, one, 1, null);
      carryState(ws, 1);
    }
    return 'length';
  }
  return { sample, get logProb() { return logProb; } };
}

/**
 * Read [zero input, ...prime] (`inputs`) from a zero state in windows of at
 * most W steps, the state carried; returns the row of ws.logits that predicts
 * the first token after the prime.
 */
function readPrime(model: Model, ws: Workspace, inputs: Int32Array, W: number): number {
  resetState(ws);
  let row = 0;
  for (let start = 0; start < inputs.length; start += W) {
    const T = Math.min(W, inputs.length - start);
    forward(model, ws, inputs.subarray(start, start + T), T, null);
    carryState(ws, T);
    row = T - 1;
  }
  return row;
}

/**
 * The state after reading [zero input, ...prime] from a zero state, in a
 * workspace of batch 1 (`given` when it is one, of T ≥ the window), and the
 * row of its logits that predicts the first token after the prime.
 */
function primed(model: Model, prime: Int32Array, given?: Workspace): { ws: Workspace; row: number } {
  const inputs = new Int32Array(prime.length + 1);
  inputs[0] = -1;
  inputs.set(prime, 1);
  const W = Math.min(inputs.length, PRIME_WINDOW);
  const ws = given !== undefined && given.B === 1 && given.T >= W ? given : createWorkspace(model, W, 1);
  return { ws, row: readPrime(model, ws, inputs, W) };
}

/** One sample (see Sampler.sample); for many, create one sampler and reuse it. */
export function sampleTokens(model: Model, opts: SampleOptions, rng: Rng): Generator<number, 'eos' | 'length', undefined> {
  return createSampler(model, opts).sample(rng);
}

/** One finished sample of `sampleLanes`. */
export interface LaneSample {
  /** Its number: 0, 1, 2, … in the order they are yielded. */
  index: number;
  /** Token ids after the prime (<EOS> not included). */
  ids: number[];
  end: 'eos' | 'length' | 'stop';
  /** log P of what was drawn (every token, and <EOS> when it ended so) under the model at temperature 1, given the prime. */
  logProb: number;
}

export interface LaneOptions extends SampleOptions {
  /** Whether a sample is finished without <EOS> (e.g. its text ends with a stop string): called after each token drawn. */
  stopAt?: (ids: readonly number[]) => boolean;
}

/** Default number of lanes: samples drawn side by side as the rows of one batch. */
export const SAMPLE_LANES = 8;

/**
 * Draw samples 0 … count−1 side by side: up to `lanes` at a time, as the
 * rows of one batch that steps one token for all of them; a lane whose sample
 * ends takes the next one, starting from the state after the prime (read once).
 * Sample i draws its coins from `rngFor(i)` alone and is yielded in order of
 * i, so what sample i is does not depend on how many are asked for, nor on
 * the lane it runs in: the batch is `lanes` rows wide even for fewer samples
 * (another width may change the logits in their last bits, since the matrix
 * kernels group rows by the batch's width). The consumer may stop early; at
 * most 2 × lanes finished samples wait for it. `lanes`: a width (a workspace of that
 * many rows is made), or the Lanes to use (lanes.ts: a caller's kept
 * workspace, WebAssembly memory being never freed, or lanes on several
 * threads). `given`: a prime workspace as for createSampler.
 */
export function* sampleLanes(model: Model, opts: LaneOptions, count: number, rngFor: (i: number) => Rng, lanes: number | Lanes = SAMPLE_LANES,
  given?: Workspace): Generator<LaneSample, void, undefined> {
  if (count <= 0) return;
  if (opts.maxLength <= 0) {
    for (let i = 0; i < count; i++) yield { index: i, ids: [], end: 'length', logProb: 0 };
    return;
  }
  const V = model.config.vocabSize;
  const rows = typeof lanes === 'number' ? workspaceLanes(model, createWorkspace(model, 1, Math.max(1, lanes))) : lanes;
  const B = rows.count;
  const L = Math.max(1, Math.min(B, count));
  const { ws: ws1, row } = primed(model, opts.prime, given);
  const H = ws1.H;
  // what every sample starts from: the distribution after the prime and the state that produced it
  const E = model.backend.elementwise;
  const first = new Float64Array(V);
  for (let v = 0; v < V; v++) first[v] = ws1.logits[row * V + v]!;
  const firstLse = E.softmaxLse(ws1.logits, row * V, V, null);
  const startH = ws1.layers.map((lb) => Float64Array.from(lb.hs.subarray(0, H)));
  const startC = ws1.layers.map((lb) => (lb.cs ? Float64Array.from(lb.cs.subarray(0, H)) : null));
  const probs = new Float64Array(V);
  const p = opts.topP ?? 1;
  const order = p < 1 ? new Int32Array(V) : undefined;
  const minLength = opts.minLength ?? 0;
  // every sample's first distribution, cut as its first draw cuts it: made once, copied for each
  const firstProbs = new Float64Array(V);
  softmaxRow(E, first, 0, V, opts.temperature, firstProbs);
  if (minLength > 0) withoutToken(firstProbs, V, EOS);
  topK(firstProbs, V, opts.topK);
  topP(firstProbs, V, p, order);
  const step = new Int32Array(B).fill(-1);
  interface Lane { index: number; ids: number[]; logProb: number; rng: Rng; fresh: boolean }
  const lane: (Lane | null)[] = new Array<Lane | null>(B).fill(null);
  const done = new Map<number, LaneSample>();
  let next = 0; // the next sample to start
  let emit = 0; // the next sample to yield
  const begin = (b: number): void => {
    if (next >= count) { lane[b] = null; return; }
    lane[b] = { index: next, ids: [], logProb: 0, rng: rngFor(next), fresh: true };
    next++;
    rows.setState(b, startH, startC);
  };
  for (let b = 0; b < L; b++) begin(b);
  // finished samples held for the consumer are at most AHEAD: a lane whose samples end at their first
  // token (maxLength 1, an early <EOS>) would otherwise draw every one of them before the first is yielded
  const AHEAD = 2 * L;
  const parked = new Uint8Array(L);
  while (emit < count) {
    for (let b = 0; b < L; b++) {
      step[b] = -1;
      if (parked[b] && next - emit < AHEAD) {
        parked[b] = 0;
        begin(b);
      }
      for (let s = lane[b]; s !== null; s = lane[b]) {
        let tok: number;
        if (s.fresh) {
          s.fresh = false;
          probs.set(firstProbs);
          tok = chooseToken(probs, V, opts, s.rng);
          s.logProb += first[tok]! - firstLse;
        } else {
          const z = rows.logits(b);
          softmaxRow(E, z, 0, V, opts.temperature, probs);
          if (s.ids.length < minLength) withoutToken(probs, V, EOS);
          topK(probs, V, opts.topK);
          topP(probs, V, p, order);
          tok = chooseToken(probs, V, opts, s.rng);
          s.logProb += logSoftmaxAt(z, 0, V, tok, E);
        }
        let end: LaneSample['end'] | null = null;
        if (tok === EOS) end = 'eos';
        else {
          s.ids.push(tok);
          if (opts.stopAt?.(s.ids)) end = 'stop';
          else if (s.ids.length >= opts.maxLength) end = 'length';
        }
        if (end === null) { step[b] = tok; break; }
        done.set(s.index, { index: s.index, ids: s.ids, end, logProb: s.logProb });
        if (next < count && next - emit >= AHEAD) {
          // the consumer is behind: this lane waits (its state is set again when it begins)
          lane[b] = null;
          parked[b] = 1;
          break;
        }
        begin(b); // and draw its first token from the prime's distribution now
      }
    }
    while (done.has(emit)) {
      const out = done.get(emit)!;
      done.delete(emit++);
      yield out;
    }
    if (emit >= count) return;
    // a round in which every lane waits or has just begun has nothing to step
    if (step.some((id) => id >= 0)) rows.step(step);
  }
}

export interface BeamOptions {
  /** Token ids of the prefix (may be empty). */
  prime: Int32Array;
  /** Most tokens after the prime: a hypothesis that reaches it is finished (without <EOS>). */
  maxLength: number;
  /** How many hypotheses are kept (and returned, at most). */
  beam: number;
  /** Allow <UNK> in the output. */
  allowUnk: boolean;
  /** <EOS> cannot end a hypothesis before this many tokens after the prime (default 0). */
  minLength?: number;
  /** Whether a hypothesis is finished without <EOS> (e.g. its text ends with a stop string): called on each new live one. */
  stopAt?: (ids: readonly number[]) => boolean;
}

export interface BeamResult {
  /** Token ids after the prime (<EOS> not included). */
  ids: number[];
  /** log P(ids, and <EOS> when end is 'eos' | prime) under the model: natural log. */
  logProb: number;
  end: 'eos' | 'length' | 'stop';
}

interface Hyp { ids: number[]; logProb: number; end: BeamResult['end'] | null; row: number; order: number }

/** A candidate before it is kept: the parent (index into live), the token, its score (ids made only when kept). */
interface Cand { parent: number; tok: number; logProb: number; order: number; done: Hyp | null }

/**
 * Beam search: at each step every live hypothesis is extended by every
 * allowed token (<EOS> finishes it, as does reaching maxLength or `stopAt`),
 * and the K best of these and of the hypotheses already finished are kept;
 * it ends when all K kept are finished (or none is live). Returns them best
 * first (ties: the one found first). Beam 1 is greedy decoding. The ranking
 * is the model's own log P (temperature 1). The K live hypotheses run as the
 * K rows of one batch; their states are reordered after each step. `given`:
 * an optional workspace for the prime (batch 1, T ≥ PRIME_WINDOW or the
 * prime's length + 1); `givenBeam`: one for the beam (T ≥ 1, batch ≥ K).
 * Kept by a caller that searches again and again (WebAssembly memory is
 * never freed).
 */
export function beamSearch(model: Model, opts: BeamOptions, given?: Workspace, givenBeam?: Workspace): BeamResult[] {
  const V = model.config.vocabSize;
  const K = opts.beam;
  const minLength = opts.minLength ?? 0;
  const { ws: ws1, row } = primed(model, opts.prime, given);
  const H = ws1.H;
  // the beam's workspace (batch B ≥ K, one row per live hypothesis): row 0 starts in the state after the prime
  const wsK = givenBeam !== undefined && givenBeam.B >= K && givenBeam.T >= 1 ? givenBeam : createWorkspace(model, 1, K);
  const B = wsK.B;
  for (let l = 0; l < wsK.layers.length; l++) {
    const src = ws1.layers[l]!, dst = wsK.layers[l]!;
    dst.hs.set(src.hs.subarray(0, H), 0);
    if (dst.cs && src.cs) dst.cs.set(src.cs.subarray(0, H), 0);
  }
  // each live hypothesis's K best extensions (ties: the lower id): only these can be among the K best overall
  const bestTok = new Int32Array(K);
  const bestLp = new Float64Array(K);
  const bestOf = (logits: Vec, off: number, n: number): number => {
    const lse = logSumExp(logits, off, V);
    let m = 0;
    for (let v = 0; v < V; v++) {
      if ((v === UNK && !opts.allowUnk) || (v === EOS && n < minLength)) continue;
      const x = logits[off + v]! - lse;
      if (m === K && !(x > bestLp[K - 1]!)) continue;
      let j = m < K ? m++ : K - 1;
      for (; j > 0 && bestLp[j - 1]! < x; j--) {
        bestLp[j] = bestLp[j - 1]!;
        bestTok[j] = bestTok[j - 1]!;
      }
      bestLp[j] = x;
      bestTok[j] = v;
    }
    return m;
  };
  let order = 0;
  let live: Hyp[] = [{ ids: [], logProb: 0, end: null, row: 0, order: order++ }];
  let finished: Hyp[] = [];
  const scratch = new Float64Array(K * H);
  const step = new Int32Array(B).fill(-1);
  for (let n = 0; live.length > 0; n++) {
    const candidates: Cand[] = finished.map((h) => ({ parent: -1, tok: -1, logProb: h.logProb, order: h.order, done: h }));
    live.forEach((h, i) => {
      const m = n === 0 ? bestOf(ws1.logits, row * V, n) : bestOf(wsK.logits, h.row * V, n);
      for (let j = 0; j < m; j++) candidates.push({ parent: i, tok: bestTok[j]!, logProb: h.logProb + bestLp[j]!, order: order++, done: null });
    });
    candidates.sort((a, b) => b.logProb - a.logProb || a.order - b.order);
    const kept: Hyp[] = candidates.slice(0, K).map((c) => {
      if (c.done) return c.done;
      const parent = live[c.parent]!;
      if (c.tok === EOS) return { ids: parent.ids, logProb: c.logProb, end: 'eos', row: parent.row, order: c.order };
      const ids = [...parent.ids, c.tok];
      const end = opts.stopAt?.(ids) ? 'stop' : ids.length >= opts.maxLength ? 'length' : null;
      return { ids, logProb: c.logProb, end, row: parent.row, order: c.order };
    });
    finished = kept.filter((h) => h.end !== null);
    const next = kept.filter((h) => h.end === null);
    if (next.length === 0) break;
    // reorder: live hypothesis j takes row j, in the state its parent's row reached
    for (const lb of wsK.layers) {
      for (const buf of lb.cs ? [lb.hs, lb.cs] : [lb.hs]) {
        for (let j = 0; j < next.length; j++) {
          // step 0: every row holds the state after the prime; later, hs[1] holds the state after the last step
          const from = n === 0 ? 0 : B * H + next[j]!.row * H;
          scratch.set(buf.subarray(from, from + H), j * H);
        }
        for (let j = 0; j < next.length; j++) buf.set(scratch.subarray(j * H, j * H + H), j * H);
      }
    }
    step.fill(-1);
    next.forEach((h, j) => { step[j] = h.ids[h.ids.length - 1]!; h.row = j; });
    forward(model, wsK, step, 1, null);
    live = next;
  }
  return finished.map((h) => ({ ids: h.ids, logProb: h.logProb, end: h.end! }));
}

/**
 * Scoring: the probability the model gives a sentence,
 *
 *   log P(y<1..n>, <EOS>) = Σ_t log P(y<t> | y<1..t-1>)     (natural log, EOS included)
 *
 * and perplexity exp(−Σ log P / N) over N tokens. Sentences are scored in
 * batches, in windows of T steps with the state carried, as in training but
 * without dropout.
 */
import { batchOrder, planWindow, sentencePlan, type Window } from './batches.js';
import type { StepEngine } from './engine.js';
import { softmaxCrossEntropy } from './loss.js';
import { forward, type Model } from './model.js';
import type { EncodedCorpus } from './tokenize.js';
import { EOS, UNK } from './vocab.js';
import { carryState, createWorkspace, resetState, type Workspace } from './workspace.js';

export interface SentenceScore {
  /** The scored ids, the closing EOS included. */
  ids: Int32Array;
  /** log P(y<t> | y<1..t-1>) of each id above, natural log. */
  tokenLogProbs: Float64Array;
  /** Σ tokenLogProbs. */
  logProb: number;
  /** Tokens scored, EOS included. */
  tokens: number;
  /** How many of them are <UNK>. */
  unk: number;
}

export interface ScoreOptions {
  /** Sentences per batch. */
  batch?: number;
  /** Time steps per window. */
  bptt?: number;
  /**
   * The results' tokenLogProbs are views of one buffer the scorer keeps and
   * the next call overwrites (read them before scoring again). A caller that
   * scores a long input chunk by chunk then allocates no buffer per chunk for
   * them. Default false: every call's results are its own.
   */
  reuseBuffers?: boolean;
}

/** The scores of an encoded corpus's sentences in two arrays, no object per sentence (see Scorer.scoreFlat). */
export interface FlatScores {
  /** log P of each id of corpus.ids (laid out as they are), natural log. */
  tokenLogProbs: Float64Array;
  /** Per sentence, Σ of its tokenLogProbs (summed in token order, as SentenceScore.logProb is). */
  logProbs: Float64Array;
}

/** Sentence s's SentenceScore from a corpus and its flat scores (views of both). */
export function sentenceScoreAt(corpus: EncodedCorpus, flat: FlatScores, s: number): SentenceScore {
  const s0 = corpus.starts[s]!, s1 = corpus.starts[s + 1]!;
  const ids = corpus.ids.subarray(s0, s1);
  let unk = 0;
  for (let t = 0; t < ids.length; t++) if (ids[t] === UNK) unk++;
  return { ids, tokenLogProbs: flat.tokenLogProbs.subarray(s0, s1), logProb: flat.logProbs[s]!, tokens: s1 - s0, unk };
}

export interface Scorer {
  /** Score sentences given as token ids (without EOS; it is appended). */
  score(sentences: readonly Int32Array[]): SentenceScore[];
  /** Score the sentences of an encoded corpus, each closed by its EOS; the results' ids are views of corpus.ids. */
  scoreCorpus(corpus: EncodedCorpus): SentenceScore[];
  /**
   * scoreCorpus's numbers without an object per sentence: with reuseBuffers,
   * views of two buffers the scorer keeps and the next call overwrites (a
   * filter scoring a stream chunk by chunk then keeps nothing per sentence
   * alive while a chunk is scored).
   */
  scoreFlat(corpus: EncodedCorpus): FlatScores;
}

/**
 * A scorer for one model: its buffers are allocated once and reused by every
 * call, so scoring a long input chunk by chunk, or calling it again and
 * again, takes constant memory. Not for two calls at once (they would share
 * the buffers). `engine`: made for (bptt, batch) of these options, it scores
 * the calls that fill a whole batch (e.g. on several threads).
 */
export function createScorer(model: Model, opts: ScoreOptions = {}, engine?: StepEngine): Scorer {
  const batch = Math.max(1, opts.batch ?? 32);
  const T = Math.max(1, opts.bptt ?? 64);
  const V = model.config.vocabSize;
  // per lane count, made when first needed: the full batch, and for calls with fewer sentences
  // powers of two below it (lanes beyond the sentences stay empty), so all of them together
  // take at most twice the full batch's memory whatever sizes the calls come in
  const spaces = new Map<number, Workspace>();
  const lanesFor = (S: number): number => {
    if (S >= batch) return batch;
    let B = 1;
    while (B < S) B *= 2;
    return Math.min(B, batch);
  };
  const workspace = (B: number): Workspace => {
    let ws = spaces.get(B);
    if (!ws) spaces.set(B, (ws = createWorkspace(model, T, B)));
    return ws;
  };
  const logp = new Float64Array(T * batch);
  // the plans' arrays, kept from call to call: the batches' order, and a window per lane count
  let order = new Int32Array(0);
  const windows = new Map<number, Window>();
  const windowFor = (B: number): Window => {
    let w = windows.get(B);
    if (!w) windows.set(B, (w = planWindow(B, T)));
    return w;
  };
  // with reuseBuffers: the results' log-probabilities and sums, grown as needed and kept
  let kept = new Float64Array(0);
  let keptSums = new Float64Array(0);
  const scoreFlat = (corpus: EncodedCorpus): FlatScores => {
    const { starts } = corpus;
    const S = Math.max(0, starts.length - 1);
    const N = S > 0 ? starts[S]! : 0;
    if (opts.reuseBuffers && kept.length < N) kept = new Float64Array(Math.max(N, 2 * kept.length));
    if (opts.reuseBuffers && keptSums.length < S) keptSums = new Float64Array(Math.max(S, 2 * keptSums.length));
    const tokenLogProbs = opts.reuseBuffers ? kept.subarray(0, N) : new Float64Array(N);
    const logProbs = opts.reuseBuffers ? keptSums.subarray(0, S) : new Float64Array(S);
    if (S === 0) return { tokenLogProbs, logProbs };
    const B = lanesFor(S);
    if (order.length < S) order = new Int32Array(Math.max(S, 2 * order.length));
    const plan = sentencePlan(corpus, batchOrder(corpus, B, null, order), B, T, windowFor(B));
    const onEngine = engine !== undefined && engine.B === B && engine.T === T;
    const ws = onEngine ? null : workspace(B);
    for (const w of plan.iterate()) {
      if (ws) {
        if (w.reset) resetState(ws);
        forward(model, ws, w.inputs, w.T, null);
        softmaxCrossEntropy(model.backend.elementwise, ws.logits, w.T * B, V, w.targets, false, 1, logp);
        carryState(ws, w.T);
      } else {
        if (w.reset) engine!.reset();
        engine!.logProbs(w, logp);
        engine!.carry(w.T);
      }
      for (let b = 0; b < w.batch.length; b++) {
        const s = w.batch[b]!;
        const s0 = starts[s]!, tokens = starts[s + 1]! - s0;
        for (let t = 0; t < w.T; t++) {
          const pos = w.start + t;
          if (pos < tokens) tokenLogProbs[s0 + pos] = logp[t * B + b]!;
        }
      }
    }
    for (let s = 0; s < S; s++) {
      let sum = 0;
      for (let i = starts[s]!; i < starts[s + 1]!; i++) sum += tokenLogProbs[i]!;
      logProbs[s] = sum;
    }
    return { tokenLogProbs, logProbs };
  };
  const scoreCorpus = (corpus: EncodedCorpus): SentenceScore[] => {
    const S = corpus.starts.length - 1;
    if (S <= 0) return [];
    const flat = scoreFlat(corpus);
    const out: SentenceScore[] = [];
    for (let s = 0; s < S; s++) out.push(sentenceScoreAt(corpus, flat, s));
    return out;
  };
  return {
    score(sentences) {
      // one encoded corpus, each sentence followed by EOS
      const S = sentences.length;
      const starts = new Int32Array(S + 1);
      for (let s = 0; s < S; s++) starts[s + 1] = starts[s]! + sentences[s]!.length + 1;
      const ids = new Int32Array(starts[S]!);
      for (let s = 0; s < S; s++) {
        ids.set(sentences[s]!, starts[s]!);
        ids[starts[s + 1]! - 1] = EOS;
      }
      return scoreCorpus({ ids, starts, unkCount: 0 });
    },
    scoreCorpus,
    scoreFlat,
  };
}

/**
 * Score sentences given as token ids (without EOS; it is appended). Allocates
 * its buffers on every call: to score many times, make one `createScorer`.
 */
export function scoreSentences(model: Model, sentences: readonly Int32Array[], opts: ScoreOptions = {}): SentenceScore[] {
  return createScorer(model, opts).score(sentences);
}

/** exp(−logProb / tokens): the perplexity of `tokens` tokens with total log-probability `logProb` (nats). */
export function perplexity(logProb: number, tokens: number): number {
  return Math.exp(-logProb / tokens);
}

/**
 * Scoring: the probability the model gives a sentence,
 *
 *   log P(y<1..n>, <EOS>) = Σ_t log P(y<t> | y<1..t-1>)     (natural log, EOS included)
 *
 * and perplexity exp(−Σ log P / N) over N tokens. Sentences are scored in
 * batches, in windows of T steps with the state carried, as in training but
 * without dropout.
 */
import { batchOrder, sentencePlan } from './batches.js';
import { softmaxCrossEntropy } from './loss.js';
import { forward, type Model } from './model.js';
import { alloc32, type Alloc } from './params.js';
import { EOS, UNK } from './vocab.js';
import { carryState, createWorkspace, resetState } from './workspace.js';

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
}

/** Score sentences given as token ids (without EOS; it is appended). */
export function scoreSentences(model: Model, sentences: readonly Int32Array[], opts: ScoreOptions = {}, alloc: Alloc = alloc32): SentenceScore[] {
  const S = sentences.length;
  if (S === 0) return [];
  const B = Math.max(1, Math.min(opts.batch ?? 32, S));
  const T = Math.max(1, opts.bptt ?? 64);
  const V = model.config.vocabSize;
  // one encoded corpus, each sentence followed by EOS
  const starts = new Int32Array(S + 1);
  for (let s = 0; s < S; s++) starts[s + 1] = starts[s]! + sentences[s]!.length + 1;
  const ids = new Int32Array(starts[S]!);
  const out: SentenceScore[] = [];
  for (let s = 0; s < S; s++) {
    ids.set(sentences[s]!, starts[s]!);
    ids[starts[s + 1]! - 1] = EOS;
    const own = ids.subarray(starts[s]!, starts[s + 1]!);
    let unk = 0;
    for (const id of own) if (id === UNK) unk++;
    out.push({ ids: own, tokenLogProbs: new Float64Array(own.length), logProb: 0, tokens: own.length, unk });
  }
  const corpus = { ids, starts, unkCount: 0 };
  const ws = createWorkspace(model, T, B, alloc);
  const logp = new Float64Array(T * B);
  const plan = sentencePlan(corpus, batchOrder(corpus, B, null), B, T);
  for (const w of plan.iterate()) {
    if (w.reset) resetState(ws);
    forward(model, ws, w.inputs, w.T, null);
    softmaxCrossEntropy(ws.logits, w.T * B, V, w.targets, false, 1, logp);
    carryState(ws, w.T);
    for (let b = 0; b < w.batch.length; b++) {
      const sc = out[w.batch[b]!]!;
      for (let t = 0; t < w.T; t++) {
        const pos = w.start + t;
        if (pos < sc.tokens) sc.tokenLogProbs[pos] = logp[t * B + b]!;
      }
    }
  }
  for (const sc of out) {
    let sum = 0;
    for (const lp of sc.tokenLogProbs) sum += lp;
    sc.logProb = sum;
  }
  return out;
}

/** exp(−logProb / tokens): the perplexity of `tokens` tokens with total log-probability `logProb` (nats). */
export function perplexity(logProb: number, tokens: number): number {
  return Math.exp(-logProb / tokens);
}

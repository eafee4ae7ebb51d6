/**
 * Evaluating a model on a whole text, for `rnnlm eval` and the library's
 * evaluate(): cross-entropy (nats per token, <EOS> included), perplexity,
 * bits per token (per character at char level) and the <UNK> rate. The text
 * is split into sentences exactly as the model's training corpus was, encoded
 * with the model's vocabulary, and read the way training reads its
 * validation data (core evaluate), so the number is comparable with the
 * validation loss.
 */
import { z } from 'zod';
import type { Checkpoint } from '../checkpoint/codec.js';
import { epochPlan, type ReadMode } from '../core/batches.js';
import { localEngine, singleThreadEngine, type Engine } from '../core/engine.js';
import { DataError, OptionError } from '../core/errors.js';
import { memoryNeed, refuseIfTooLarge } from '../core/memory.js';
import { createModel } from '../core/model.js';
import { createOptimizerState } from '../core/optimizer.js';
import { allocParams } from '../core/params.js';
import { CorpusBuilder, encode, encodeCorpus, readModeOf, splitSentences, tokenize, type EncodedCorpus } from '../core/tokenize.js';
import { evaluationSums, type EvaluationSums, type TargetLogProb } from '../core/train.js';
import { isNgramModel, mixLogProb, ngramSentenceLogProbs, ngramWord, type NgramModel } from './arpa.js';
import { DEFAULT_LAMBDA, lambdaOption } from './score.js';
import { callerItems, checkCheckpoint, checkPlatform, checkText, isObject } from './checks.js';
import { callerFailure, describeValue, int, parseWith, readFailure, real } from './options.js';
import type { Platform } from './platform.js';
import { sentencesOfText } from './text.js';
import type { Spelling } from './train.js';

/** The options of evaluate() and `rnnlm eval` (its --batch, --bptt and --threads). */
export const evaluateOptionsShape = {
  /** Sentences (or stream lanes) evaluated at once: speed only, in line/paragraph mode. */
  batch: int(1, 4096).default(32),
  /** Time steps per window. */
  bptt: int(1, 100_000).default(64),
  /** Threads (default: the platform's, all cores). */
  threads: int(1, 256).optional(),
  /**
   * Dynamic evaluation (Mikolov's RNNLM -dynamic; Krause et al. 2018): after
   * each window is scored, one SGD step on it at this learning rate, so the
   * model adapts to the text as it reads it (a copy: the model given, and its
   * file, are not changed). 0 = off. One thread.
   */
  dynamicLr: real(0, 100).default(0),
};
const evaluateOptionsSchema = z.strictObject({
  ...evaluateOptionsShape,
  /** An n-gram model from parseArpa() to interpolate with (not with dynamic evaluation). */
  ngram: z.custom<NgramModel>(isNgramModel, { error: 'must be an n-gram model from parseArpa()' }).optional(),
  /** The RNN's weight λ: P = λ·P_rnn + (1−λ)·P_ngram per token (default 0.75); only with ngram. */
  lambda: lambdaOption.optional(),
}).refine((o) => o.lambda === undefined || o.ngram !== undefined, { error: 'needs an n-gram model to interpolate with (--ngram model.arpa)', path: ['lambda'] })
  .refine((o) => o.ngram === undefined || o.dynamicLr === 0, { error: 'cannot go with an n-gram model: dynamic evaluation does not keep the per-token probabilities the interpolation needs; choose one', path: ['dynamicLr'] });
export type EvaluateOptionsInput = z.input<typeof evaluateOptionsSchema>;

/** The text: a string, UTF-8 bytes (checked as the command line checks a file), or a function that reads it. */
export type TextSource = string | Uint8Array | (() => Promise<string | Uint8Array>);

/** How options and the text are named in messages: `batch` and "evaluate()'s text" in code, `--batch` and the file name on the command line. */
export interface EvaluateSpelling extends Spelling {
  /** The text, in messages: a file name, "standard input". */
  text: string;
}

const LIBRARY: EvaluateSpelling = {
  name: (k) => k, hint: "evaluate() takes { batch, bptt, threads }, the options of 'rnnlm eval --help'", what: 'the options of evaluate()',
  text: "evaluate()'s text",
};
const STREAM_LIBRARY: EvaluateSpelling = {
  name: (k) => k, hint: "evaluateStream() takes { batch, bptt, threads }, the options of 'rnnlm eval --help'", what: 'the options of evaluateStream()',
  text: "evaluateStream()'s sentences",
};

/** Up to this many distinct forms outside the vocabulary are listed. */
export const UNKNOWN_LISTED = 10;

export interface Evaluation {
  level: 'char' | 'word';
  sentenceMode: 'line' | 'paragraph' | 'file' | 'stream';
  sentences: number;
  /** N: tokens scored, one <EOS> per sentence included. */
  tokens: number;
  unk: number;
  unkRate: number;
  /** Mean −log P per token, nats. */
  crossEntropy: number;
  perplexity: number;
  /** As KenLM prints it: the perplexity over the tokens that are not <UNK> (null when every token is). */
  perplexityExcludingUnk: number | null;
  bitsPerToken: number;
  /** bitsPerToken at char level, else null. */
  bitsPerChar: number | null;
  /** Up to 10 distinct surface forms of the text outside the vocabulary (scored as <UNK>), in order of first appearance. */
  unknown: string[];
  /** The learning rate of dynamic evaluation, or 0 (static: the model as saved). */
  dynamicLr: number;
  /** Threads the windows ran on, and why fewer than asked for (null when all of them did). */
  threads: number;
  fallback: string | null;
  /**
   * With an n-gram model: crossEntropy, perplexity, perplexityExcludingUnk
   * and bits above are the mix's (λ·P_rnn + (1−λ)·P_ngram per token); here
   * each model alone on the same tokens. Null without one.
   */
  interpolation: {
    lambda: number;
    ngramOrder: number;
    rnnPerplexity: number;
    ngramPerplexity: number;
    /** Tokens the n-gram did not know (read as its <unk>, or at its floor of 10⁻⁷). */
    ngramOov: number;
  } | null;
}

/**
 * Evaluate the checkpoint's model on `text` with (batch, bptt) windows on
 * `threads` threads (default: the platform's). Checked before any work, in
 * this order: the model, the options (one OptionError), whether the windows
 * fit in memory (an OptionError naming what to lower) — and only then is a
 * text given as a function read. A text with no sentence is a DataError.
 */
export async function evaluate(
  platform: Platform, ck: Checkpoint, text: TextSource, options: EvaluateOptionsInput = {}, spelling: EvaluateSpelling = LIBRARY,
): Promise<Evaluation> {
  checkPlatform(platform, "evaluate()'s platform");
  checkCheckpoint(ck, "evaluate()'s model");
  if (typeof text !== 'function') checkText(text, spelling.text, "pass the text itself, e.g. await readFile('test.txt', 'utf8'), or a function that reads it");
  // from code a number is given as a number (batch: '2' is a slip), as sample() and train() insist; the command line passes text
  const opts = parseWith(evaluateOptionsSchema, options, spelling.name, spelling.hint, { what: spelling.what, numbersAsNumbers: spelling === LIBRARY || spelling === STREAM_LIBRARY });
  const threads = opts.threads ?? platform.threads;
  const given = typeof text === 'function' ? await readText(text, spelling.text) : text;
  const sentences = sentencesOfText(given, ck.tokenizer.sentence, spelling.text, 'evaluate');
  const corpus = encodeCorpus(sentences, ck.vocab, ck.tokenizer);
  const mode: ReadMode = readModeOf(ck.tokenizer.sentence);
  // --batch and --bptt are speed only: windows no larger than the corpus needs (the same windows, so the same numbers)
  const { batch, bptt } = fitWindows(corpus, mode, opts.batch, opts.bptt);
  refuseIfTooLarge(memoryNeed(ck.model.config, bptt, batch, threads, null), spelling.name);
  const ngram = opts.ngram ? ngramLogProbs(opts.ngram, ck, sentences, corpus) : null;
  const lambda = opts.lambda ?? DEFAULT_LAMBDA;
  const mix: Mix | null = ngram ? { lambda, ngram: ngram.logProbs, rnnSum: 0, ngramSum: 0 } : null;
  const { sum, count, knownSum, knownCount, engine } = opts.dynamicLr > 0
    ? dynamicCrossEntropySum(ck, corpus, mode, batch, bptt, opts.dynamicLr)
    : await crossEntropySum(platform, ck, corpus, mode, batch, bptt, threads, mix);
  return {
    ...summary(ck, { sentences: sentences.length, sum, count, knownSum, knownCount, unk: corpus.unkCount }),
    unknown: corpus.unkCount > 0 ? unknownForms(sentences, ck, UNKNOWN_LISTED) : [],
    dynamicLr: opts.dynamicLr, threads: engine.threads, fallback: engine.fallback,
    interpolation: mix && ngram ? {
      lambda, ngramOrder: opts.ngram!.order, rnnPerplexity: Math.exp(mix.rnnSum / count), ngramPerplexity: Math.exp(mix.ngramSum / count), ngramOov: ngram.oov,
    } : null,
  };
}

/** What a text given as a function returns, checked as the text itself is (the function is the caller's: it may return anything). */
async function readText(read: () => unknown, what: string): Promise<string | Uint8Array> {
  let text: unknown;
  try {
    text = await read();
  } catch (e) {
    throw callerFailure(e, `${what} (a function)`, 'threw', 'the error it threw is this error\'s cause (err.cause)');
  }
  checkText(text, `${what} (what its function returned)`, "a text given as a function must return (or resolve to) a string or bytes, e.g. () => readFile('test.txt', 'utf8')");
  return text;
}

/** The numbers of an Evaluation from the sums: cross-entropy, perplexity (also without <UNK>), bits, the <UNK> rate. */
function summary(ck: Checkpoint, s: { sentences: number; sum: number; count: number; knownSum: number; knownCount: number; unk: number }) {
  const ce = s.sum / s.count;
  return {
    level: ck.tokenizer.level, sentenceMode: ck.tokenizer.sentence,
    sentences: s.sentences, tokens: s.count, unk: s.unk, unkRate: s.unk / s.count,
    crossEntropy: ce, perplexity: Math.exp(ce), perplexityExcludingUnk: s.knownCount > 0 ? Math.exp(s.knownSum / s.knownCount) : null,
    bitsPerToken: ce / Math.LN2, bitsPerChar: ck.tokenizer.level === 'char' ? ce / Math.LN2 : null,
  };
}

/** Tokens in the longest sentence of a corpus, its <EOS> included (at least 1). */
function longestSentence(corpus: EncodedCorpus): number {
  let longest = 1;
  for (let s = 0; s + 1 < corpus.starts.length; s++) longest = Math.max(longest, corpus.starts[s + 1]! - corpus.starts[s]!);
  return longest;
}

/** Sentences evaluated at a time by evaluateStream: a whole number of batches, so the batches are the whole text's. */
export const STREAM_CHUNK_BATCHES = 64;

/** What evaluateStream reports after each chunk. */
export interface EvaluationProgress { sentences: number; tokens: number; crossEntropy: number }

/**
 * evaluate() over sentences that arrive one at a time (a file or a pipe read
 * as it comes), for a model that reads sentences (line or paragraph mode):
 * they are encoded and scored a chunk at a time (64 batches), so memory is
 * bounded by the chunk whatever the length of the input, and `progress` is
 * told after each chunk. The batches are those of the whole text, in its
 * order, so the numbers are evaluate()'s (up to rounding: a chunk's windows
 * are no longer than its longest sentence). Blank sentences are skipped as
 * training skips them. Not for stream-mode models (their lanes need the
 * whole text), dynamic evaluation or interpolation: evaluate() does those.
 */
export async function evaluateStream(
  platform: Platform, ck: Checkpoint, sentences: AsyncIterable<string>, options: EvaluateOptionsInput = {}, spelling: EvaluateSpelling = STREAM_LIBRARY,
  progress?: (p: EvaluationProgress) => void,
): Promise<Evaluation> {
  checkPlatform(platform, "evaluateStream()'s platform");
  checkCheckpoint(ck, "evaluateStream()'s model");
  let iterate: unknown;
  try {
    iterate = isObject(sentences) ? (sentences as Partial<AsyncIterable<string>>)[Symbol.asyncIterator] : undefined;
  } catch (e) {
    throw readFailure(e, spelling.text, 'pass an async generator or a readline interface');
  }
  if (typeof iterate !== 'function') {
    throw new OptionError(`${spelling.text} must be an async iterable of strings, such as an async generator or a readline interface (got ${typeof sentences === 'string' ? `the string ${describeValue(sentences)}` : describeValue(sentences)})`,
      'for a whole text (a string, bytes, or an array of lines joined) use evaluate()');
  }
  return evaluateChunks(platform, ck, oneByOne(callerItems(sentences, spelling.text)), options, spelling, progress);
}

/** Each item of an iterable as a chunk of one. */
async function* oneByOne<T>(items: AsyncIterable<T>): AsyncGenerator<readonly T[]> {
  for await (const item of items) yield [item];
}

/**
 * evaluateStream() over chunks of sentences (arrays, each any length): what
 * the command line calls with the lines of each piece of input it reads, so
 * that no promise is made per line. The same checks, numbers and progress.
 */
export async function evaluateChunks(
  platform: Platform, ck: Checkpoint, chunks: AsyncIterable<readonly unknown[]>, options: EvaluateOptionsInput = {}, spelling: EvaluateSpelling = STREAM_LIBRARY,
  progress?: (p: EvaluationProgress) => void,
): Promise<Evaluation> {
  checkPlatform(platform, "evaluateStream()'s platform");
  checkCheckpoint(ck, "evaluateStream()'s model");
  if (progress !== undefined && typeof progress !== 'function') throw new OptionError(`evaluateStream()'s progress must be a function (got ${describeValue(progress)})`, 'e.g. (p) => console.error(p.sentences)');
  // from code a number is given as a number (batch: '2' is a slip), as sample() and train() insist; the command line passes text
  const opts = parseWith(evaluateOptionsSchema, options, spelling.name, spelling.hint, { what: spelling.what, numbersAsNumbers: spelling === LIBRARY || spelling === STREAM_LIBRARY });
  const mode = readModeOf(ck.tokenizer.sentence);
  if (mode !== 'sentences' || opts.dynamicLr > 0 || opts.ngram) {
    throw new OptionError('evaluateStream() reads the sentences of a line- or paragraph-mode model, without dynamic evaluation or an n-gram model', 'use evaluate(), which reads the whole text');
  }
  const threads = opts.threads ?? platform.threads;
  let engine: Engine | null = null;
  let S = 0, sum = 0, count = 0, knownSum = 0, knownCount = 0, unk = 0;
  const unknown = new Set<string>();
  // a chunk's sentences, encoded as they come into arrays kept from chunk to chunk; the text is kept only of those
  // with an <UNK> while the list of unknown forms is short (no string per sentence outlives its encoding)
  const builder = new CorpusBuilder(ck.vocab, ck.tokenizer);
  const withUnk: string[] = [];
  const flush = async (ended: boolean): Promise<void> => {
    const pending = builder.size;
    if (pending === 0) return;
    const corpus = builder.corpus();
    const longest = longestSentence(corpus);
    if (engine === null) {
      // made for the first chunk: a text that ends within it gets windows no larger than it needs, as evaluate() fits them
      const fit = fitWindows(corpus, 'sentences', ended ? opts.batch : Math.max(opts.batch, pending), opts.bptt);
      const B = ended ? fit.batch : opts.batch;
      refuseIfTooLarge(memoryNeed(ck.model.config, fit.bptt, B, threads, null), spelling.name);
      engine = await platform.engine(ck.model, fit.bptt, B, threads);
    }
    const r = evaluationSums(engine, corpus, 'sentences', undefined, Math.min(engine.T, longest));
    sum += r.sum; count += r.count; knownSum += r.knownSum; knownCount += r.knownCount;
    unk += corpus.unkCount;
    if (withUnk.length > 0) unknownForms(withUnk, ck, UNKNOWN_LISTED, unknown);
    S += pending;
    withUnk.length = 0;
    builder.clear();
    progress?.({ sentences: S, tokens: count, crossEntropy: sum / count });
  };
  const full = STREAM_CHUNK_BATCHES * opts.batch;
  let info = { threads: 1, fallback: null as string | null };
  try {
    let n = 0;
    for await (const items of chunks) {
      for (const text of items) {
        n++;
        if (typeof text !== 'string') throw new OptionError(`${spelling.text} must give strings (its item ${n} is ${describeValue(text)})`, 'yield each sentence (or line) as a string');
        // cleaned and skipped as training cleans and skips its sentences
        for (const sentence of splitSentences(text, ck.tokenizer.sentence)) {
          const unkBefore = builder.unknown;
          builder.add(sentence);
          if (builder.unknown > unkBefore && unknown.size < UNKNOWN_LISTED) withUnk.push(sentence);
        }
        if (builder.size >= full) await flush(false);
      }
    }
    await flush(true);
  } finally {
    const e = engine as Engine | null;
    if (e) {
      info = { threads: e.threads, fallback: e.fallback };
      await e.close();
    }
  }
  if (S === 0) throw new DataError(`${spelling.text} has no text to evaluate (empty or only blank lines)`, 'give a UTF-8 text file with at least one non-blank line');
  return {
    ...summary(ck, { sentences: S, sum, count, knownSum, knownCount, unk }),
    unknown: [...unknown].slice(0, UNKNOWN_LISTED), dynamicLr: 0, threads: info.threads, fallback: info.fallback, interpolation: null,
  };
}

/**
 * Σ −log P and the number of tokens, read as training reads validation data.
 * Sentences: batches of up to B sentences in corpus order, state reset per
 * batch. Stream: B contiguous lanes with the state carried; the few tokens
 * that do not fill the last row of lanes (fewer than B) are read as one
 * short lane after, so every token is scored.
 */
/**
 * The batch and window length the corpus can use: in sentences, no more lanes
 * than sentences and no longer a window than the longest sentence (with its
 * <EOS>); in a stream, no longer a window than the stream. Each window is then
 * what it would have been, so the numbers do not change.
 */
function fitWindows(corpus: EncodedCorpus, mode: ReadMode, batch: number, bptt: number): { batch: number; bptt: number } {
  if (mode === 'stream') return { batch, bptt: Math.max(1, Math.min(bptt, corpus.ids.length)) };
  return { batch: Math.max(1, Math.min(batch, corpus.starts.length - 1)), bptt: Math.min(bptt, longestSentence(corpus)) };
}

/**
 * Dynamic evaluation: the windows in corpus order on one thread, each scored
 * (Σ −log P with the parameters as they are) and then learned from: one SGD
 * step of rate `lr` on its mean loss, clipped at norm 5 as training clips. On
 * a copy of the model. The per-token log-probabilities are not kept, so the
 * perplexity excluding <UNK> is not given.
 */
const SGD = { kind: 'sgd', beta1: 0.9, beta2: 0.999, eps: 1e-8 } as const;

function dynamicCrossEntropySum(ck: Checkpoint, corpus: EncodedCorpus, mode: ReadMode, batch: number, T: number, lr: number) {
  const src = ck.model;
  const model = createModel(src.config, src.backend);
  model.params.data.set(src.params.data);
  // one lane, in the text's order: each sentence (or window of the stream) is learned from before the next is read
  const B = 1;
  void batch;
  const engine = localEngine(model, T, B);
  const grads = allocParams(model.layout, model.backend.alloc);
  const opt = createOptimizerState(SGD, model.layout.total, model.backend.alloc);
  let sum = 0, count = 0;
  engine.reset();
  for (const w of epochPlan(corpus, mode, B, T, null).iterate()) {
    if (w.reset) engine.reset();
    if (w.tokens > 0) {
      sum += engine.gradients(w, grads, 1 / w.tokens, null);
      count += w.tokens;
      engine.update(model.params, grads, opt, SGD, lr, 5);
    }
    engine.carry(w.T);
  }
  return { sum, count, knownSum: 0, knownCount: 0, engine: { threads: 1, fallback: null } };
}

/**
 * The interpolation's state during the walk: the n-gram's natural-log P of
 * each corpus token (by position), λ, and Σ −log P of each model alone.
 */
interface Mix {
  lambda: number;
  ngram: Float64Array;
  rnnSum: number;
  ngramSum: number;
}

/** The n-gram's log P of every token of the corpus, by position: each sentence's own tokens (ngramWord), <EOS> as </s>. */
function ngramLogProbs(model: NgramModel, ck: Checkpoint, sentences: readonly string[], corpus: EncodedCorpus): { logProbs: Float64Array; oov: number } {
  const out = new Float64Array(corpus.ids.length);
  let oov = 0;
  for (let s = 0; s < sentences.length; s++) {
    const words = tokenize(sentences[s]!, ck.tokenizer).map((t) => ngramWord(t, ck.tokenizer.level));
    const r = ngramSentenceLogProbs(model, words);
    if (r.logProbs.length !== corpus.starts[s + 1]! - corpus.starts[s]!) throw new Error(`interpolation: sentence ${s + 1} has ${r.logProbs.length} n-gram tokens and ${corpus.starts[s + 1]! - corpus.starts[s]!} RNN tokens`);
    out.set(r.logProbs, corpus.starts[s]!);
    oov += r.oov;
  }
  return { logProbs: out, oov };
}

/**
 * With `mix`, each target's log P mixed with the n-gram's at its corpus
 * position (`offset` + its position in `corpus`), each model's sum kept.
 */
function mixing(mix: Mix | null, corpus: EncodedCorpus, mode: ReadMode, B: number, offset: number): TargetLogProb | undefined {
  if (!mix) return undefined;
  const lane = Math.floor(corpus.ids.length / B);
  return (lp, w, t, b) => {
    const pos = offset + (mode === 'stream' ? b * lane + w.start + t : corpus.starts[w.batch[b]!]! + w.start + t);
    const g = mix.ngram[pos]!;
    mix.rnnSum -= lp;
    mix.ngramSum -= g;
    return mixLogProb(lp, g, mix.lambda);
  };
}

async function crossEntropySum(
  platform: Platform, ck: Checkpoint, corpus: EncodedCorpus, mode: ReadMode, batch: number, T: number, threads: number, mix: Mix | null,
): Promise<{ sum: number; count: number; knownSum: number; knownCount: number; engine: { threads: number; fallback: string | null } }> {
  const N = corpus.ids.length;
  /** The corpus on an engine: `threads` threads (the slots split among them), or this one for the short tail. */
  const on = async (c: EncodedCorpus, B: number, local: boolean, offset = 0) => {
    const engine = local ? singleThreadEngine(ck.model, T, B) : await platform.engine(ck.model, T, B, threads);
    try {
      return { ...evaluationSums(engine, c, mode, mixing(mix, c, mode, B, offset)), engine: { threads: engine.threads, fallback: engine.fallback } };
    } finally {
      await engine.close();
    }
  };
  const totals = (r: EvaluationSums) => ({ sum: r.sum, count: r.count, knownSum: r.knownSum, knownCount: r.knownCount });
  if (mode === 'sentences') {
    const S = corpus.starts.length - 1;
    const r = await on(corpus, Math.min(batch, S), false);
    return { ...totals(r), engine: r.engine };
  }
  const B = Math.max(1, Math.min(batch, Math.floor(N / T)));
  const lanes = Math.floor(N / B) * B;
  const main = await on(corpus, B, false);
  const t = totals(main);
  if (lanes < N) {
    const tail = corpus.ids.slice(lanes);
    const r = totals(await on({ ids: tail, starts: Int32Array.of(0, tail.length), unkCount: 0 }, 1, true, lanes));
    t.sum += r.sum;
    t.count += r.count;
    t.knownSum += r.knownSum;
    t.knownCount += r.knownCount;
  }
  return { ...t, engine: main.engine };
}

/**
 * Up to `max` distinct surface forms of the text outside the vocabulary, in
 * order of first appearance, added to `seen` (those listed from earlier text:
 * a form listed already does not take a place of the `max`).
 */
function unknownForms(sentences: readonly string[], ck: Checkpoint, max: number, seen = new Set<string>()): string[] {
  if (seen.size >= max) return [...seen];
  for (const s of sentences) {
    for (const u of encode(s, ck.vocab, ck.tokenizer).unknown) {
      seen.add(u);
      if (seen.size >= max) return [...seen];
    }
  }
  return [...seen];
}

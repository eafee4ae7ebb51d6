/**
 * Scoring sentences, for `rnnlm score` and the library's score(): log P of
 * each sentence under the model (natural log, <EOS> included), its token and
 * <UNK> counts, perplexity and the log-probability of every token.
 *
 * One scorer for both. Its buffers are reused from call to call (kept per
 * model when no engine is involved, so that a program scoring again and again
 * takes no more memory); a call that fills whole batches of 32 sentences runs
 * them on the platform's engine (all its threads), the rest on this thread.
 * A few sentences are not worth starting threads for: the engine is made only
 * when at least one full batch is coming.
 */
import { z } from 'zod';
import type { Checkpoint } from '../checkpoint/codec.js';
import { OptionError } from '../core/errors.js';
import type { Model } from '../core/model.js';
import { createScorer, perplexity, sentenceScoreAt, type FlatScores, type Scorer, type SentenceScore } from '../core/score.js';
import { CorpusBuilder, encodeCorpus, normalizeText, splitSentences, tokenize, type EncodedCorpus } from '../core/tokenize.js';
import { isNgramModel, mixLogProb, ngramSentenceLogProbs, ngramWord, type NgramModel } from './arpa.js';
import { checkCheckpoint, checkPlatform, checkString, isObject } from './checks.js';
import { describeValue, int, isPlainObject, parseWith, real } from './options.js';
import type { Engine, Platform } from './platform.js';
import { cleanSentence } from './text.js';

/** One sentence's score. `rnnlm score --json` prints these fields by these names (adding `unit`, and each token's `prob`). */
export interface ScoredSentence {
  /** The sentence as given. */
  sentence: string;
  /** log P(sentence), natural log, <EOS> included. */
  logProb: number;
  /** Tokens scored, <EOS> included. */
  tokens: number;
  unk: number;
  perplexity: number;
  perToken: { token: string; logProb: number; rnnLogProb?: number; ngramLogProb?: number }[];
  /**
   * With an n-gram model (interpolation): logProb, perplexity and each
   * token's logProb are the mix's, λ·P_rnn + (1−λ)·P_ngram per token; these
   * are the two models' own log P of the sentence, and the words the n-gram
   * did not know (read as its <unk>, or at its floor).
   */
  rnnLogProb?: number;
  ngramLogProb?: number;
  ngramOov?: number;
}

/** An n-gram model to interpolate with, and the RNN's weight λ in [0, 1]. */
export interface Interpolation {
  model: NgramModel;
  lambda: number;
}

/**
 * The sentence's score interpolated with an n-gram model, token by token:
 * log(λ·P_rnn + (1−λ)·P_ngram). The n-gram reads the sentence's own tokens
 * (the RNN's tokenization, lowercased if the model lowercases; a word outside
 * the RNN's vocabulary is the word itself for the n-gram, which reads it as
 * its <unk> if it does not know it either) through ngramWord, its history
 * starting with <s> and ending with </s> for <EOS>.
 */
export function interpolated(s: ScoredSentence, ck: Checkpoint, sentence: string, ngram: Interpolation): ScoredSentence {
  const hint = 'pass a score of scoreNow() or score(), the model, the sentence and { model, lambda }';
  if (!isObject(s) || !Array.isArray(s.perToken) || typeof s.tokens !== 'number') throw new OptionError(`interpolated()'s score must be a sentence's score as scoreNow() returns it (got ${describeValue(s)})`, hint);
  checkCheckpoint(ck, "interpolated()'s model");
  checkString(sentence, "interpolated()'s sentence", hint);
  const interpolation = checkInterpolation(ngram, "interpolated()'s ngram");
  if (interpolation === undefined) throw new OptionError("interpolated()'s ngram must be an interpolation { model, lambda } (got undefined)", hint);
  return mixed(s, ck, sentence, interpolation);
}

function mixed(s: ScoredSentence, ck: Checkpoint, sentence: string, ngram: Interpolation): ScoredSentence {
  const words = tokenize(sentence, ck.tokenizer).map((t) => ngramWord(t, ck.tokenizer.level));
  const { logProbs, oov } = ngramSentenceLogProbs(ngram.model, words);
  if (logProbs.length !== s.perToken.length) {
    throw new OptionError(`interpolated()'s sentence is ${logProbs.length} tokens (its end included) but its score is of ${s.perToken.length}`, 'pass the sentence the score is of, as it was scored');
  }
  let sum = 0, rnn = 0, ng = 0;
  const perToken = s.perToken.map(({ token, logProb }, t) => {
    const b = logProbs[t]!;
    const mixed = mixLogProb(logProb, b, ngram.lambda);
    sum += mixed;
    rnn += logProb;
    ng += b;
    return { token, logProb: mixed, rnnLogProb: logProb, ngramLogProb: b };
  });
  return { ...s, logProb: sum, perplexity: perplexity(sum, s.tokens), perToken, rnnLogProb: rnn, ngramLogProb: ng, ngramOov: oov };
}

export { perplexity } from '../core/score.js';
export type { FlatScores } from '../core/score.js';
export type { CorpusBuilder, EncodedCorpus } from '../core/tokenize.js';

/** Sentences per batch and time steps per window: a call with a full batch of sentences runs it on the engine. */
export const SCORE_BATCH = 32;
export const SCORE_BPTT = 64;

export interface SentenceScorer {
  /**
   * Score sentences as the model reads them (no cleaning: see cleanSentence
   * and sentencesToScore): one entry per sentence, in order. Not for two
   * calls at once (they share the buffers).
   */
  score(sentences: readonly string[]): ScoredSentence[];
  /**
   * For a filter scoring a long stream chunk by chunk, with nothing per
   * sentence alive while a chunk waits or is scored: `encoder()` gathers
   * sentences (as score() takes them, no cleaning) as ids in reused arrays;
   * `scoreEncoded(encoder.corpus())` scores them with the numbers score()
   * gives, the RNN's alone, in two arrays (views the next call overwrites);
   * `scoredAt` makes one sentence's ScoredSentence from them, as score()
   * returns it (interpolated with the n-gram model, if any).
   */
  encoder(): CorpusBuilder;
  scoreEncoded(corpus: EncodedCorpus): FlatScores;
  scoredAt(corpus: EncodedCorpus, scores: FlatScores, i: number, sentence: string): ScoredSentence;
  /** Threads the full batches run on (1: this thread only). */
  readonly threads: number;
  /** Why fewer threads run than were asked for (null when all of them do, or when no engine was needed). */
  readonly fallback: string | null;
  /** Stop the engine's threads, if any (a second call does nothing; scoring after it throws). */
  close(): Promise<void>;
  /** The n-gram model the scores are interpolated with, or null. */
  readonly ngram: Interpolation | null;
}

export interface SentenceScorerOptions {
  /** Threads for full batches (default: the platform's, all cores). */
  threads?: number;
  /** How many sentences will be scored in all: threads are started only for at least a full batch. Default: many. */
  sentences?: number;
  /** Interpolate with this n-gram model (see interpolated()). */
  ngram?: Interpolation;
}

/** Scorers without an engine, kept per model: calling score() again and again allocates nothing more. */
const localScorers = new WeakMap<Model, Scorer>();

function localScorer(model: Model): Scorer {
  let scorer = localScorers.get(model);
  if (!scorer) localScorers.set(model, (scorer = createScorer(model, { batch: SCORE_BATCH, bptt: SCORE_BPTT, reuseBuffers: true })));
  return scorer;
}

/**
 * A scorer for the checkpoint's model on `platform`: with an engine from
 * `platform.engine` (on `threads` threads) when at least a full batch of
 * sentences is coming, else on this thread with buffers kept per model.
 * Close it when done.
 */
export async function createSentenceScorer(platform: Platform, ck: Checkpoint, options: SentenceScorerOptions = {}): Promise<SentenceScorer> {
  checkPlatform(platform, "createSentenceScorer()'s platform");
  checkCheckpoint(ck, "createSentenceScorer()'s model");
  const o = parseWith(scorerOptionsSchema, options, (k) => k, 'createSentenceScorer() takes { threads, sentences, ngram }', { what: "createSentenceScorer()'s options", numbersAsNumbers: true });
  const ngram = checkInterpolation(o.ngram, "createSentenceScorer()'s ngram");
  const threads = o.threads ?? platform.threads;
  const engine: Engine | null = (o.sentences ?? Infinity) >= SCORE_BATCH ? await platform.engine(ck.model, SCORE_BPTT, SCORE_BATCH, threads) : null;
  const scorer = engine ? createScorer(ck.model, { batch: SCORE_BATCH, bptt: SCORE_BPTT, reuseBuffers: true }, engine) : localScorer(ck.model);
  let closed = false;
  return {
    score(sentences) {
      if (closed) throw new Error('this scorer is closed');
      return scoreWith(scorer, ck, sentences, ngram);
    },
    encoder: () => new CorpusBuilder(ck.vocab, ck.tokenizer),
    scoreEncoded(corpus) {
      if (closed) throw new Error('this scorer is closed');
      return scorer.scoreFlat(corpus);
    },
    scoredAt(corpus, scores, i, sentence) {
      const sc = scored(sentence, sentenceScoreAt(corpus, scores, i), ck);
      return ngram ? mixed(sc, ck, sentence, ngram) : sc;
    },
    threads: engine?.threads ?? 1,
    fallback: engine?.fallback ?? null,
    ngram: ngram ?? null,
    // once: an engine's threads are stopped once
    async close() {
      if (closed) return;
      closed = true;
      await engine?.close();
    },
  };
}

function scoreWith(scorer: Scorer, ck: Checkpoint, sentences: readonly string[], ngram?: Interpolation): ScoredSentence[] {
  const scores = scorer.scoreCorpus(encodeCorpus(sentences, ck.vocab, ck.tokenizer));
  return scores.map((sc, i) => (ngram ? mixed(scored(sentences[i]!, sc, ck), ck, sentences[i]!, ngram) : scored(sentences[i]!, sc, ck)));
}

function scored(sentence: string, sc: SentenceScore, ck: Checkpoint): ScoredSentence {
  // a plain loop: Array.from over a typed array makes an iterator result per token
  const perToken: ScoredSentence['perToken'] = new Array(sc.ids.length);
  for (let t = 0; t < sc.ids.length; t++) perToken[t] = { token: ck.vocab.tokens[sc.ids[t]!]!, logProb: sc.tokenLogProbs[t]! };
  return { sentence, logProb: sc.logProb, tokens: sc.tokens, unk: sc.unk, perplexity: perplexity(sc.logProb, sc.tokens), perToken };
}

/**
 * The sentences of a text to score, one per line (one per paragraph for a
 * model trained on paragraphs), split and cleaned as training split its corpus.
 */
export function sentencesToScore(ck: Checkpoint, text: string): string[] {
  return splitSentences(normalizeText(text), ck.tokenizer.sentence === 'file' ? 'line' : ck.tokenizer.sentence);
}

/** The options of score() (the command line's --threads). */
export const scoreOptionsShape = {
  threads: int(1, 256).optional(),
};
/** The RNN's weight in the interpolation with an n-gram model (RNNLM's -lambda; its default). */
export const DEFAULT_LAMBDA = 0.75;
export const lambdaOption = real(0, 1);
const ngramModel = z.custom<NgramModel>(isNgramModel, { error: 'must be an n-gram model from parseArpa()' });
const scoreOptionsSchema = z.strictObject({
  ...scoreOptionsShape,
  /** An n-gram model from parseArpa() to interpolate with. */
  ngram: ngramModel.optional(),
  /** The RNN's weight λ: P = λ·P_rnn + (1−λ)·P_ngram per token (default 0.75); only with ngram. */
  lambda: lambdaOption.optional(),
}).refine((o) => o.lambda === undefined || o.ngram !== undefined, { error: 'needs ngram: the n-gram model to interpolate with', path: ['lambda'] });
export type ScoreOptionsInput = z.input<typeof scoreOptionsSchema>;

/** createSentenceScorer()'s options (its ngram is checked by checkInterpolation, naming each field). */
const scorerOptionsSchema = z.strictObject({
  ...scoreOptionsShape,
  // Infinity (the command line's "many, unknown"), which z.number() refuses
  sentences: z.custom<number>((n) => typeof n === 'number' && n >= 0 && (Number.isInteger(n) || n === Infinity), { error: 'must be a whole number of at least 0, or Infinity' }).optional(),
  ngram: z.unknown().optional(),
});

const interpolationSchema = z.strictObject({ model: ngramModel, lambda: lambdaOption });

/** `ngram` as given to scoreNow() or createSentenceScorer(): nothing, or an Interpolation { model, lambda }; else one OptionError naming `what`. */
function checkInterpolation(ngram: unknown, what: string): Interpolation | undefined {
  if (ngram === undefined) return undefined;
  const hint = `pass { model: parseArpa(text), lambda: ${DEFAULT_LAMBDA} } (lambda: the RNN's weight, 0 to 1), or nothing`;
  if (!isPlainObject(ngram)) throw new OptionError(`${what} must be an interpolation { model, lambda } (got ${describeValue(ngram)})`, hint);
  return parseWith(interpolationSchema, ngram, (k) => `${what}.${k}`, hint, { what, numbersAsNumbers: true });
}

/**
 * log P of each sentence under the model (natural log, <EOS> included): each
 * sentence cleaned as training cleaned its lines (a BOM, CR and trailing
 * whitespace do not count), the empty sentence scored as P(<EOS>) at the
 * first step. Full batches of 32 run on the platform's threads (each such
 * call starts them and allocates their buffers: to score many times, make
 * one createSentenceScorer and close it at the end).
 *
 * `sentences` must be an array of strings; a single string is refused (wrap
 * it: `[s]`), so that the result is always one entry per element. `ck` must
 * be a model as loadModel() or train() return it.
 */
export async function score(platform: Platform, ck: Checkpoint, sentences: readonly string[], options: ScoreOptionsInput = {}): Promise<ScoredSentence[]> {
  checkPlatform(platform, "score()'s platform");
  checkScoreArguments(ck, sentences);
  const { threads, ngram, lambda } = parseWith(scoreOptionsSchema, options, (k) => k, "score() takes { threads, ngram, lambda }", { what: 'the options of score()', numbersAsNumbers: true });
  const scorer = await createSentenceScorer(platform, ck, { threads, sentences: sentences.length, ngram: ngram ? { model: ngram, lambda: lambda ?? DEFAULT_LAMBDA } : undefined });
  try {
    return asGiven(scorer.score(sentences.map(cleanSentence)), sentences);
  } finally {
    await scorer.close();
  }
}

/** score() at once, on this thread (what a synchronous caller can have): the same numbers as score() to rounding. */
export function scoreNow(ck: Checkpoint, sentences: readonly string[], ngram?: Interpolation): ScoredSentence[] {
  checkScoreArguments(ck, sentences);
  const interpolation = checkInterpolation(ngram, "scoreNow()'s ngram");
  return asGiven(scoreWith(localScorer(ck.model), ck, sentences.map(cleanSentence), interpolation), sentences);
}

/** Each entry names the sentence as the caller gave it, not as it was cleaned. */
function asGiven(scores: ScoredSentence[], sentences: readonly string[]): ScoredSentence[] {
  scores.forEach((s, i) => { s.sentence = sentences[i]!; });
  return scores;
}

function checkScoreArguments(ck: unknown, sentences: unknown): asserts ck is Checkpoint {
  checkCheckpoint(ck, "score()'s model");
  if (typeof sentences === 'string') {
    throw new OptionError("score()'s sentences must be an array of strings (got a string)", `wrap one sentence in an array: score(model, [${describeValue(sentences)}])`);
  }
  if (!Array.isArray(sentences)) throw new OptionError(`score()'s sentences must be an array of strings (got ${describeValue(sentences)})`, "e.g. score(model, ['emma', 'xqzt'])");
  for (let i = 0; i < sentences.length; i++) {
    if (typeof sentences[i] !== 'string') throw new OptionError(`score()'s sentences[${i}] must be a string (got ${describeValue(sentences[i])})`, 'give each sentence as a string');
  }
}

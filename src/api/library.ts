/**
 * The library in five functions, with the command line's options and
 * behaviour:
 *
 *   import { train, score, sample, loadModel, saveModel } from 'rnnlm';
 *   const { checkpoint } = await train(text, { hidden: 64, maxTime: '30s' });
 *   await saveModel(checkpoint, 'model.json');
 *   score(checkpoint, ['emma'])[0].logProb;   sample(checkpoint, { n: 3, seed: 1 });
 *
 * Progress comes through callbacks, cancellation through an AbortSignal.
 */
import { CheckpointError, parseCheckpointBytes, serializeCheckpointChunks, type Checkpoint } from '../checkpoint/codec.js';
import { checkOutputPath, readFileBytes, writeFileAtomic } from '../node/files.js';
import { nodeBackend } from '../node/backend.js';
import { nodePlatform } from '../node/platform.js';
import { createRng } from '../core/rng.js';
import { PRIME_WINDOW, createSampler, defaultSampleOptions } from '../core/sample.js';
import { createScorer, perplexity, type Scorer } from '../core/score.js';
import { createWorkspace, type Workspace } from '../core/workspace.js';
import type { Model } from '../core/model.js';
import { encode, type TokenizerConfig } from '../core/tokenize.js';
import { OptionError } from '../core/errors.js';
import { describeValue, parseWith, sampleOptionsSchema, type TrainOptionsInput } from './options.js';
import { cleanSentence, primeOf } from './text.js';
import { checkCheckpoint } from './checks.js';
import { train as runTraining, type TrainOutcome, type TrainRun } from './train.js';

export type { TrainOutcome } from './train.js';

/** The callbacks of train(): progress, cancellation, and a checkpoint to resume. */
export type TrainCallbacks = TrainRun;

function tokConfig(ck: Checkpoint): TokenizerConfig {
  return { level: ck.tokenizer.level, lowercase: ck.tokenizer.lowercase, unkToken: ck.tokenizer.unkToken };
}

const SAMPLE_HINT = "sample() takes the options of 'rnnlm sample --help', in camelCase (n for --number)";
const self = (k: string): string => k;

/**
 * Train on `text` with the options of `rnnlm train` (camelCase), validated by
 * the same schema (ranges, cross-field checks, and a misspelt name refused
 * with a suggestion). `text` is the corpus: a string, or UTF-8 bytes (a
 * Uint8Array or Buffer) refused exactly as the command line refuses a file
 * (a NUL byte: binary; invalid UTF-8). Anything wrong is one OptionError (or
 * DataError for the text itself) with a one-line message, before any work.
 * The run is api/train.ts's, on Node's platform (all cores, WebAssembly).
 */
export async function train(text: string | Uint8Array, options: TrainOptionsInput = {}, callbacks: TrainCallbacks = {}): Promise<TrainOutcome> {
  return runTraining(nodePlatform(), text, options, callbacks);
}

export interface ScoredSentence {
  /** The sentence as given. */
  sentence: string;
  /** log P(sentence), natural log, <EOS> included. */
  logProb: number;
  /** Tokens scored, <EOS> included. */
  tokens: number;
  unk: number;
  perplexity: number;
  perToken: { token: string; logProb: number }[];
}

/**
 * Buffers kept per model, so that calling score() or sample() again and again
 * takes no more memory (buffers in the WebAssembly memory are never freed).
 */
const scorers = new WeakMap<Model, Scorer>();
const sampleSpaces = new WeakMap<Model, Workspace>();

/**
 * log P of each sentence under the model (natural log, <EOS> included), as
 * `rnnlm score` computes it: each sentence cleaned as training cleaned its
 * lines (a BOM, CR and trailing whitespace do not count), the empty sentence
 * scored as P(<EOS>) at the first step.
 *
 * `sentences` must be an array of strings; a single string is refused (wrap
 * it: `score(model, [s])`), so that the result is always one entry per
 * element. `ck` must be a model as loadModel() or train() return it.
 */
export function score(ck: Checkpoint, sentences: readonly string[]): ScoredSentence[] {
  checkCheckpoint(ck, "score()'s model");
  const list: unknown = sentences;
  if (typeof list === 'string') {
    throw new OptionError("score()'s sentences must be an array of strings (got a string)", `wrap one sentence in an array: score(model, [${describeValue(list)}])`);
  }
  if (!Array.isArray(list)) throw new OptionError(`score()'s sentences must be an array of strings (got ${describeValue(list)})`, "e.g. score(model, ['emma', 'xqzt'])");
  for (let i = 0; i < list.length; i++) {
    if (typeof list[i] !== 'string') throw new OptionError(`score()'s sentences[${i}] must be a string (got ${describeValue(list[i])})`, 'give each sentence as a string');
  }
  const tok = tokConfig(ck);
  let scorer = scorers.get(ck.model);
  if (!scorer) scorers.set(ck.model, (scorer = createScorer(ck.model)));
  const scores = scorer.score(sentences.map((s) => encode(cleanSentence(s), ck.vocab, tok).ids));
  return scores.map((sc, i) => ({
    sentence: sentences[i]!, logProb: sc.logProb, tokens: sc.tokens, unk: sc.unk, perplexity: perplexity(sc.logProb, sc.tokens),
    perToken: Array.from(sc.ids, (id, t) => ({ token: ck.vocab.tokens[id]!, logProb: sc.tokenLogProbs[t]! })),
  }));
}

/** sample()'s options: those of `rnnlm sample`, in camelCase, `n` for -n/--number (see sampleOptionsShape for the ranges). */
export interface SampleOptionsInput {
  /** How many samples, 1 to 10^9 (default 1). */
  n?: number;
  /** Greater than 0, at most 100 (default 1). */
  temperature?: number;
  /** 0 = all tokens (default). */
  topK?: number;
  /** Every sample starts with this text, shown as given even where the model does not know it. */
  prime?: string;
  /** Most tokens after the prime (default 200 characters / 50 words). */
  maxLength?: number;
  /** Default 1: the same seed and model give the same samples. */
  seed?: number;
  greedy?: boolean;
  allowUnk?: boolean;
}

/**
 * Draw sentences, as `rnnlm sample` prints them: each starts with the prime
 * as given (a character or word the model does not know is read as <UNK>
 * but shown as written), then the tokens drawn until <EOS> or maxLength.
 */
export function sample(ck: Checkpoint, options: SampleOptionsInput = {}): string[] {
  checkCheckpoint(ck, "sample()'s model");
  const opts = parseWith(sampleOptionsSchema, options, self, SAMPLE_HINT, { what: 'the options of sample()', aliases: { number: 'n' } });
  const tok = tokConfig(ck);
  const prime = primeOf(opts.prime, ck.vocab, tok);
  let ws = sampleSpaces.get(ck.model);
  if (!ws) sampleSpaces.set(ck.model, (ws = createWorkspace(ck.model, PRIME_WINDOW, 1)));
  const sampler = createSampler(ck.model, {
    ...defaultSampleOptions, prime: prime.ids,
    maxLength: opts.maxLength ?? (tok.level === 'char' ? 200 : 50),
    temperature: opts.temperature, topK: opts.topK, greedy: opts.greedy, allowUnk: opts.allowUnk,
  }, ws);
  const rng = createRng(opts.seed ?? 1);
  const out: string[] = [];
  for (let i = 0; i < (opts.n ?? 1); i++) out.push(prime.text([...sampler.sample(rng)]));
  return out;
}

/**
 * Read and validate a checkpoint of any size (throws CheckpointError, or
 * FileError when the file cannot be read, with a one-line message naming it).
 */
export async function loadModel(path: string): Promise<Checkpoint> {
  if (typeof path !== 'string' || path === '') throw new OptionError(`loadModel()'s path must be a non-empty string (got ${describeValue(path)})`, 'pass the path of a checkpoint written by rnnlm train or saveModel()');
  const bytes = readFileBytes(path);
  try {
    return parseCheckpointBytes(bytes, nodeBackend());
  } catch (err) {
    if (err instanceof CheckpointError) throw new CheckpointError(`${path}: ${err.message}`, err.hint);
    throw err;
  }
}

/**
 * Write a checkpoint atomically, through the command line's writer
 * (src/node/files.ts): a unique temporary, every byte checked, fsync, rename;
 * the tensors are streamed, so models of any size that fit in memory can be
 * saved. Throws FileError (with what to do) when `path` cannot be written.
 */
export async function saveModel(ck: Checkpoint, path: string): Promise<void> {
  checkCheckpoint(ck, "saveModel()'s model");
  if (typeof path !== 'string') throw new OptionError(`saveModel()'s path must be a string (got ${describeValue(path)})`, 'pass the path of the file to write, e.g. model.json');
  checkOutputPath(path);
  await writeFileAtomic(path, serializeCheckpointChunks(ck));
}

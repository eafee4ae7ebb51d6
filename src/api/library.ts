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
import { availableParallelism } from 'node:os';
import { CheckpointError, parseCheckpointBytes, serializeCheckpointChunks, type Checkpoint } from '../checkpoint/codec.js';
import { checkOutputPath, readFileBytes, writeFileAtomic } from '../node/files.js';
import { nodeBackend } from '../node/backend.js';
import { createRng } from '../core/rng.js';
import { PRIME_WINDOW, createSampler, defaultSampleOptions } from '../core/sample.js';
import { createScorer, perplexity, type Scorer } from '../core/score.js';
import { createWorkspace, type Workspace } from '../core/workspace.js';
import type { Model } from '../core/model.js';
import { encode, type TokenizerConfig } from '../core/tokenize.js';
import { OptionError } from '../core/errors.js';
import { train as trainLoop, type EvalReport, type StepReport, type StopReason } from '../core/train.js';
import { createParallelEngine } from '../parallel/engine.js';
import { describeValue, parseWith, sampleOptionsSchema, trainOptionsSchema, unknownOption, type TrainOptionsInput } from './options.js';
import { cleanSentence, primeOf, textFromBytes } from './text.js';
import { checkCheckpoint, isObject } from './checks.js';
import { checkpointOf, prepareTraining } from './setup.js';

export interface TrainCallbacks {
  onStep?(r: StepReport): void | Promise<void>;
  /** After each evaluation; `r.state` is the live state (see checkpointOf to save it). */
  onEval?(r: EvalReport): void | Promise<void>;
  /** Abort to stop after the current step; the result then holds the state reached. Anything with a boolean `aborted`. */
  signal?: AbortSignal | { readonly aborted: boolean };
  /** Continue this checkpoint's training exactly (same text, same options). */
  resume?: Checkpoint;
}

export interface TrainOutcome {
  /** The final model with its training state (resumable). */
  checkpoint: Checkpoint;
  reason: StopReason;
  /** Best validation loss per token (nats), null without validation data. */
  bestValLoss: number | null;
  /** What the command line would print as notes (validation skipped, vocabulary capped, batch reduced). */
  notes: string[];
}

function tokConfig(ck: Checkpoint): TokenizerConfig {
  return { level: ck.tokenizer.level, lowercase: ck.tokenizer.lowercase, unkToken: ck.tokenizer.unkToken };
}

// ── the door: every argument checked before any work, one OptionError (one line) each ──

const TRAIN_HINT = "train() takes the options of 'rnnlm train --help', in camelCase";
const SAMPLE_HINT = "sample() takes the options of 'rnnlm sample --help', in camelCase (n for --number)";
const CALLBACK_KEYS = ['onStep', 'onEval', 'signal', 'resume'] as const;
const CALLBACKS_HINT = `train()'s third argument takes ${CALLBACK_KEYS.join(', ')}`;
const self = (k: string): string => k;

/** The text to train on: a string, or UTF-8 bytes checked exactly as the command line checks a file. */
function corpusText(text: unknown): string | Uint8Array {
  if (typeof text === 'string' || text instanceof Uint8Array) return text;
  throw new OptionError(`train()'s text must be a string, or a Uint8Array (or Buffer) of UTF-8 bytes (got ${describeValue(text)})`,
    "pass the corpus itself, e.g. await readFile('corpus.txt', 'utf8')");
}

function checkCallbacks(cb: unknown): TrainCallbacks {
  if (cb === undefined) return {};
  if (!isObject(cb) || Array.isArray(cb) || typeof (cb as { then?: unknown }).then === 'function') {
    throw new OptionError(`the callbacks of train() must be an object such as { onStep, signal } (got ${describeValue(cb)})`, CALLBACKS_HINT);
  }
  const unknown = Object.keys(cb).find((k) => !(CALLBACK_KEYS as readonly string[]).includes(k));
  if (unknown !== undefined) {
    // a training option among the callbacks is a common slip
    const asOption = Object.hasOwn(trainOptionsSchema.shape, unknown) ? `${unknown} is an option: it goes in train()'s second argument` : null;
    const err = unknownOption(unknown, CALLBACK_KEYS, (k) => `callbacks.${k}`, CALLBACKS_HINT, {}, false);
    throw asOption ? new OptionError(err.message, asOption) : err;
  }
  for (const k of ['onStep', 'onEval'] as const) {
    if (cb[k] !== undefined && typeof cb[k] !== 'function') throw new OptionError(`callbacks.${k} must be a function (got ${describeValue(cb[k])})`, `e.g. ${k}: (r) => console.error(r.step)`);
  }
  const s = cb['signal'];
  if (s !== undefined && (typeof s !== 'object' || s === null || typeof (s as { aborted?: unknown }).aborted !== 'boolean')) {
    throw new OptionError(`callbacks.signal must be an AbortSignal (got ${describeValue(s)})`, 'pass the signal of an AbortController: const c = new AbortController(); train(text, options, { signal: c.signal })');
  }
  if (cb['resume'] !== undefined) checkCheckpoint(cb['resume'], 'callbacks.resume');
  return cb as TrainCallbacks;
}

/**
 * Train on `text` with the options of `rnnlm train` (camelCase), validated by
 * the same schema (ranges, cross-field checks, and a misspelt name refused
 * with a suggestion). `text` is the corpus: a string, or UTF-8 bytes (a
 * Uint8Array or Buffer) refused exactly as the command line refuses a file
 * (a NUL byte: binary; invalid UTF-8). Anything wrong is one OptionError (or
 * DataError for the text itself) with a one-line message, before any work.
 */
export async function train(text: string | Uint8Array, options: TrainOptionsInput = {}, callbacks: TrainCallbacks = {}): Promise<TrainOutcome> {
  const corpus = corpusText(text);
  const opts = parseWith(trainOptionsSchema, options, self, TRAIN_HINT, { what: 'the options of train()' });
  const cb = checkCallbacks(callbacks);
  const given = new Set(Object.keys(options).filter((k) => (options as Record<string, unknown>)[k] !== undefined));
  const textIn = typeof corpus === 'string' ? corpus : textFromBytes(corpus, "train()'s text");
  const setup = prepareTraining(textIn, opts, given, cb.resume ?? null, (k) => k, nodeBackend());
  const engine = await createParallelEngine(setup.model, setup.cfg.bptt, setup.cfg.batch, opts.threads ?? availableParallelism());
  try {
    const result = await trainLoop(setup.model, { train: setup.train, val: setup.val }, setup.cfg, setup.state, {
      now: () => performance.now(),
      onStep: async (r) => {
        await cb.onStep?.(r);
        // let timers and signals (an AbortController's) run between steps
        await new Promise<void>((done) => setImmediate(done));
      },
      onEval: cb.onEval,
    }, { signal: cb.signal, engine });
    return {
      checkpoint: checkpointOf(setup, result.state, { createdBy: 'rnnlm' }),
      reason: result.reason, bestValLoss: result.state.bestValLoss, notes: setup.notes,
    };
  } finally {
    await engine.close();
  }
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

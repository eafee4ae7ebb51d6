/**
 * The library in six functions, with the command line's options and
 * behaviour, each the api's own function (src/api/) on Node's platform:
 *
 *   import { train, score, sample, evaluate, loadModel, saveModel } from 'rnnlm';
 *   const { checkpoint } = await train(text, { hidden: 64, maxTime: '30s' });
 *   await saveModel(checkpoint, 'model.json');
 *   score(checkpoint, ['emma'])[0].logProb;   sample(checkpoint, { n: 3, seed: 1 });
 *   (await evaluate(checkpoint, heldOut)).perplexity;
 *
 * Progress comes through callbacks, cancellation through an AbortSignal.
 */
import { CheckpointError, parseCheckpointBytes, serializeCheckpointChunks, type Checkpoint } from '../checkpoint/codec.js';
import { checkOutputPath, readFileBytesAsync, writeFileAtomic } from './files.js';
import { nodeBackend } from './backend.js';
import { nodePlatform } from './platform.js';
import { OptionError } from '../core/errors.js';
import { describeValue, readPlain, type TrainOptionsInput } from '../api/options.js';
import { checkCheckpoint, checkTagger } from '../api/checks.js';
import { evaluate as evaluateOn, evaluateStream as evaluateStreamOn, type EvaluateOptionsInput, type Evaluation, type TextSource } from '../api/evaluate.js';
import { sample as sampleOn, type SampleOptionsInput } from '../api/sample.js';
import { scoreNow, type ScoredSentence } from '../api/score.js';
import { train as runTraining, type TrainOutcome, type TrainRun } from '../api/train.js';
import { createStepper as stepperOn, type Stepper, type StepperOptions } from '../api/step.js';
import { tagTrain as tagTrainOn, type TagTrainData, type TagTrainOutcome, type TagTrainRun } from '../api/tag-train.js';
import { tagEvaluate as tagEvaluateOn, tagPredict as tagPredictOn, type TagEvaluation, type TagPrediction } from '../api/tag-predict.js';
import type { TagReadOptionsInput, TagTrainOptionsInput } from '../api/tag-options.js';
import { parseTaggerBytes, serializeTaggerChunks, type TaggerCheckpoint } from '../checkpoint/tagger-codec.js';

export type { TrainOutcome } from '../api/train.js';
export type { ScoredSentence } from '../api/score.js';
export type { SampleOptionsInput } from '../api/sample.js';
export type { EvaluateOptionsInput, Evaluation, TextSource } from '../api/evaluate.js';
export type { Stepper, StepperOptions, DrawOptions, TokenProbability } from '../api/step.js';
export type { TagTrainData, TagTrainOutcome, TagTrainRun as TagTrainCallbacks } from '../api/tag-train.js';
export type { TagPrediction, TagEvaluation } from '../api/tag-predict.js';
export type { TaggerCheckpoint } from '../checkpoint/tagger-codec.js';

/** The callbacks of train(): progress, cancellation, and a checkpoint to resume. */
export type TrainCallbacks = TrainRun;

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

/**
 * log P of each sentence under the model (natural log, <EOS> included), as
 * `rnnlm score` computes it: each sentence cleaned as training cleaned its
 * lines (a BOM, CR and trailing whitespace do not count), the empty sentence
 * scored as P(<EOS>) at the first step.
 *
 * `sentences` must be an array of strings; a single string is refused (wrap
 * it: `score(model, [s])`), so that the result is always one entry per
 * element. `ck` must be a model as loadModel() or train() return it.
 *
 * Synchronous, so on this thread: api/score.ts's scoreNow, with the buffers
 * kept per model (calling it again and again takes no more memory). The
 * command line's scoring is the same scorer, with full batches on every core.
 */
export function score(ck: Checkpoint, sentences: readonly string[]): ScoredSentence[] {
  return scoreNow(ck, sentences);
}

/**
 * Draw sentences, as `rnnlm sample` prints them: each starts with the prime
 * as given (a character or word the model does not know is read as <UNK>
 * but shown as written), then the tokens drawn until <EOS> or maxLength.
 * api/sample.ts's sample on Node's platform.
 */
export function sample(ck: Checkpoint, options: SampleOptionsInput = {}): string[] {
  return sampleOn(nodePlatform(), ck, options);
}

/**
 * Cross-entropy, perplexity, bits per token (per character at char level)
 * and the <UNK> rate of the model on `text`, as `rnnlm eval` computes them:
 * the text split into sentences as the model's training corpus was, read as
 * training reads validation data, on every core. `text` is a string, UTF-8
 * bytes, or a function that reads it (called once the options are checked
 * and the windows are known to fit in memory). Options: `batch` (32),
 * `bptt` (64), `threads` (all cores). api/evaluate.ts's evaluate on Node's platform.
 */
export async function evaluate(ck: Checkpoint, text: TextSource, options: EvaluateOptionsInput = {}): Promise<Evaluation> {
  return evaluateOn(nodePlatform(), ck, text, options);
}

/**
 * evaluate() over sentences as they come (an async iterable of strings, each
 * a sentence of a line- or paragraph-mode model): memory stays flat whatever
 * the length. api/evaluate.ts's evaluateStream on Node's platform.
 */
export async function evaluateStream(ck: Checkpoint, sentences: AsyncIterable<string>, options: EvaluateOptionsInput = {}): Promise<Evaluation> {
  return evaluateStreamOn(nodePlatform(), ck, sentences, options);
}

/**
 * The model one token at a time (api/step.ts): feed text or ids, read the
 * next token's distribution or its top k, draw with a seeded generator,
 * clone the state. Stepping through a sentence and its <EOS> sums to the
 * log P score() gives it.
 */
export function createStepper(ck: Checkpoint, options: StepperOptions = {}): Stepper {
  return stepperOn(nodePlatform(), ck, options);
}

/**
 * Read and validate a checkpoint of any size (throws CheckpointError, or
 * FileError when the file cannot be read, with a one-line message naming it).
 */
export async function loadModel(path: string): Promise<Checkpoint> {
  if (typeof path !== 'string' || path === '') throw new OptionError(`loadModel()'s path must be a non-empty string (got ${describeValue(path)})`, 'pass the path of a checkpoint written by rnnlm train or saveModel()');
  const bytes = await readFileBytesAsync(path);
  try {
    return parseCheckpointBytes(bytes, nodeBackend());
  } catch (err) {
    if (err instanceof CheckpointError) throw new CheckpointError(`${path}: ${err.message}`, err.hint);
    throw err;
  }
}

export interface SaveOptions {
  /**
   * Leave the training state out ("training": null, as `rnnlm strip` does):
   * about a quarter of the size; the file scores, samples and fine-tunes,
   * but cannot be resumed. Default false: the file keeps what train() gave.
   */
  modelOnly?: boolean;
}

/**
 * Write a checkpoint atomically, through the command line's writer
 * (src/node/files.ts): a unique temporary, every byte checked, fsync, rename;
 * the tensors are streamed, so models of any size that fit in memory can be
 * saved. Throws FileError (with what to do) when `path` cannot be written.
 * `{ modelOnly: true }` writes the model without its training state.
 */
export async function saveModel(ck: Checkpoint, path: string, options: SaveOptions = {}): Promise<void> {
  checkCheckpoint(ck, "saveModel()'s model");
  if (typeof path !== 'string') throw new OptionError(`saveModel()'s path must be a string (got ${describeValue(path)})`, 'pass the path of the file to write, e.g. model.json');
  const { modelOnly } = saveOptions(options, 'saveModel');
  checkOutputPath(path);
  await writeFileAtomic(path, serializeCheckpointChunks(modelOnly ? { ...ck, training: null } : ck));
}

/** The options of saveModel() and saveTagger(): an object whose one option, modelOnly, is true or false. */
function saveOptions(given: unknown, fn: 'saveModel' | 'saveTagger'): SaveOptions {
  const options = readPlain(given, `${fn}()'s options`, 'pass { modelOnly: true } to leave out the training state, or nothing');
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new OptionError(`${fn}()'s options must be an object such as { modelOnly: true } (got ${describeValue(options)})`, 'pass { modelOnly: true } to leave out the training state, or nothing');
  const unknown = Object.keys(options).find((k) => k !== 'modelOnly');
  if (unknown !== undefined) throw new OptionError(`${fn}() has no option ${JSON.stringify(unknown)}`, 'its one option is modelOnly: true (leave out the training state)');
  const modelOnly = (options as SaveOptions).modelOnly;
  if (modelOnly !== undefined && typeof modelOnly !== 'boolean') throw new OptionError(`${fn}()'s modelOnly must be true or false (got ${describeValue(modelOnly)})`, `e.g. ${fn}(${fn === 'saveModel' ? 'ck' : 'tagger'}, path, { modelOnly: true })`);
  return { modelOnly: modelOnly === true };
}

// ── the tagger (rnnlm tag) ──────────────────────────────────────────────────

/**
 * Train a sequence tagger (a bidirectional RNN over words and their
 * characters) on labelled text, as `rnnlm tag train` does: `data` is the
 * training text (CoNLL-U, or one "word TAB label" line per word and a blank
 * line between sentences), or { train, dev } to choose the best state by dev
 * accuracy; the options are the command's in camelCase. Callbacks: onStep,
 * onEval, signal, resume (a tagger from loadTagger, to continue exactly).
 * The result's `checkpoint` is the final state; saveTagger writes it.
 */
export async function tagTrain(data: TagTrainData, options: TagTrainOptionsInput = {}, callbacks: TagTrainRun = {}): Promise<TagTrainOutcome> {
  return tagTrainOn(nodePlatform(), data, options, callbacks);
}

/** The labels of sentences (arrays of words), each word's chosen label, its probability and every label's. */
export function tagPredict(tagger: TaggerCheckpoint, sentences: readonly (readonly string[])[], options: { batch?: number } = {}): TagPrediction[] {
  return tagPredictOn(nodePlatform(), tagger, sentences, options);
}

/** Token accuracy, the confusion table and (for BIO/BIOES labels) conlleval's entity scores on gold-labelled text, as `rnnlm tag eval`. */
export function tagEvaluate(tagger: TaggerCheckpoint, gold: string | Uint8Array, options: TagReadOptionsInput & { name?: string } = {}): TagEvaluation {
  return tagEvaluateOn(nodePlatform(), tagger, gold, options);
}

/** Read and validate a tagger written by saveTagger or `rnnlm tag train` (CheckpointError or FileError, one line naming the file). */
export async function loadTagger(path: string): Promise<TaggerCheckpoint> {
  if (typeof path !== 'string' || path === '') throw new OptionError(`loadTagger()'s path must be a non-empty string (got ${describeValue(path)})`, 'pass the path of a tagger written by rnnlm tag train or saveTagger()');
  const bytes = await readFileBytesAsync(path);
  try {
    return parseTaggerBytes(bytes, nodeBackend());
  } catch (err) {
    if (err instanceof CheckpointError) throw new CheckpointError(`${path}: ${err.message}`, err.hint);
    throw err;
  }
}

/** Write a tagger atomically (the command line's writer); `{ modelOnly: true }` leaves out the training state. */
export async function saveTagger(tagger: TaggerCheckpoint, path: string, options: SaveOptions = {}): Promise<void> {
  checkTagger(tagger, "saveTagger()'s tagger");
  if (typeof path !== 'string') throw new OptionError(`saveTagger()'s path must be a string (got ${describeValue(path)})`, 'pass the path of the file to write, e.g. tagger.json');
  const { modelOnly } = saveOptions(options, 'saveTagger');
  checkOutputPath(path);
  await writeFileAtomic(path, serializeTaggerChunks(modelOnly ? { ...tagger, training: null } : tagger));
}

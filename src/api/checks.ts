/**
 * Cheap checks of the values callers hand the api, shared by every function
 * that takes them: one OptionError (one line) each, before any work.
 */
import { CheckpointError, serializeCheckpointChunks, type Checkpoint } from '../checkpoint/codec.js';
import { isTaggerCheckpoint, taggerProblem, type TaggerCheckpoint } from '../checkpoint/tagger-codec.js';
import { OptionError, ShapeError } from '../core/errors.js';
import { callerFailure, describeValue, readFailure } from './options.js';
import type { Platform } from './platform.js';
import { modelLayout, validateConfig, type Model } from '../core/model.js';
import type { ParamLayout, ParamSet, TensorSlot } from '../core/params.js';
import type { SentenceMode } from '../core/tokenize.js';
import { taggerLayout, validateTaggerConfig, type Tagger } from '../core/tagger.js';

/**
 * A cheap check that `ck` is what loadModel() and train() return: an object
 * with a model (config, layout, parameters), a vocabulary (tokens and their
 * index, as many as the model's outputs) and tokenizer settings. The deep
 * checks (every tensor) are parseCheckpoint's, when the file is read.
 */
export function checkCheckpoint(ck: unknown, what: string): asserts ck is Checkpoint {
  const hint = 'pass the model loadModel(path) returns, or the checkpoint of what train() returns';
  const refuse = (why: string): never => { throw new OptionError(`${what} must be a model as loadModel() or train() return it (${why})`, hint); };
  try {
    checkCheckpointShape(ck, refuse);
  } catch (e) {
    throw readFailure(e, what, hint);
  }
}

function checkCheckpointShape(ck: unknown, refuse: (why: string) => never): void {
  if (typeof ck === 'string') refuse(`got the string ${describeValue(ck)}; load the file first: await loadModel(path)`);
  if (typeof ck !== 'object' || ck === null) refuse(`got ${describeValue(ck)}`);
  const c = ck as Record<string, unknown>;
  if (typeof (c as { then?: unknown }).then === 'function') refuse('got a Promise; await loadModel(path) first');
  if (isObject(c['checkpoint']) && 'reason' in c) refuse("got the result of train(); pass its .checkpoint");
  const model = c['model'], vocab = c['vocab'], tok = c['tokenizer'];
  if (!isObject(model) || !isObject(model['config']) || !isObject(model['layout']) || !isObject(model['params'])) refuse('its model is missing or is not a model');
  const backend = (model as { backend?: unknown }).backend;
  if (!isObject(backend) || typeof backend['alloc'] !== 'function' || !isObject(backend['kernels'])) {
    refuse('its model has no backend: a copy made by JSON or structuredClone loses it; copy a model with parseCheckpoint(serializeCheckpoint(model))');
  }
  if (!isObject(vocab) || !Array.isArray(vocab['tokens']) || !(vocab['index'] instanceof Map)) refuse('its vocab is missing or is not a vocabulary');
  if (!isObject(tok) || (tok['level'] !== 'char' && tok['level'] !== 'word') || typeof tok['lowercase'] !== 'boolean' || (tok['unkToken'] !== null && typeof tok['unkToken'] !== 'string')
    || !SENTENCE_MODES.includes(tok['sentence'] as never)) {
    refuse('its tokenizer settings are missing or damaged');
  }
  const V = (vocab as { tokens: unknown[] }).tokens.length, modelV = (model as { config: { vocabSize?: unknown } }).config.vocabSize;
  if (V !== modelV) refuse(`its vocabulary has ${V} tokens but its model ${describeValue(modelV)} outputs`);
  if ((vocab as { index: Map<unknown, unknown> }).index.size !== V) refuse(`its vocabulary's index holds ${(vocab as { index: Map<unknown, unknown> }).index.size} tokens, not its ${V}`);
  const m = model as unknown as Model;
  const problem = paramsProblem(m.config, m.layout, m.params, validateConfig, modelLayout);
  if (problem !== null) refuse(problem);
}

const SENTENCE_MODES: readonly SentenceMode[] = ['line', 'paragraph', 'file', 'stream'];

/**
 * The first way a model's parameters do not fit its config, or null: a model
 * object edited after it was made (its config changed, its parameter arena
 * or a tensor's view replaced), which the kernels would otherwise read out
 * of shape, or silently ignore. The same layout the model was made with is
 * rebuilt from the config and compared, tensor by tensor: O(tensors), no
 * weight is read.
 */
function paramsProblem<C>(config: C, layout: unknown, params: unknown, validate: (c: C) => void, layoutOf: (c: C) => ParamLayout): string | null {
  try {
    validate(config);
  } catch (e) {
    if (e instanceof ShapeError) return `its config is damaged: ${e.message}`;
    throw e;
  }
  const want = layoutOf(config);
  const have = layout as Partial<ParamLayout>;
  if (!Array.isArray(have.tensors)) return 'its layout is damaged';
  const shape = (t: { shape: readonly number[] }) => `[${t.shape.join(', ')}]`;
  for (let i = 0; i < want.tensors.length; i++) {
    const w = want.tensors[i]!, h = have.tensors[i] as Partial<TensorSlot> | undefined;
    if (h === undefined || h.name !== w.name) return `its config needs tensor ${w.name} ${shape(w)}, which its weights do not hold there (was its config changed?)`;
    if (!Array.isArray(h.shape) || shape(h as TensorSlot) !== shape(w) || h.offset !== w.offset || h.size !== w.size) {
      return `its tensor ${w.name} has shape ${Array.isArray(h.shape) ? shape(h as TensorSlot) : '?'}; its config needs ${shape(w)} (was its config changed?)`;
    }
  }
  if (have.tensors.length !== want.tensors.length || have.total !== want.total) return `its weights hold ${have.tensors.length} tensors; its config needs ${want.tensors.length} (was its config changed?)`;
  const { data, views } = params as Partial<ParamSet>;
  if (!(data instanceof Float32Array || data instanceof Float64Array)) return `its parameters are ${describeValue(data)}, not the array of numbers it was made with`;
  if (data.length !== want.total) return `its parameters hold ${data.length} numbers; its config needs ${want.total} (was the array replaced?)`;
  for (const t of want.tensors) {
    const v = isObject(views) ? views[t.name] : undefined;
    if (!(v instanceof data.constructor) || (v as Float32Array).buffer !== data.buffer || (v as Float32Array).length !== t.size
      || (v as Float32Array).byteOffset !== data.byteOffset + t.offset * data.BYTES_PER_ELEMENT) {
      return `its tensor ${t.name} is no longer the part of its parameters the layout says (was the parameter array or a tensor replaced?)`;
    }
  }
  return null;
}

/**
 * A checkpoint whose training goes on (train()'s resume): checkCheckpoint's
 * model, then its training state as the writer checks it before a save (the
 * optimizer's moments fit the parameters, the settings are in range — a
 * learning rate of NaN, a negative step, a broken history refused), so that
 * an object edited since it was made is refused as a file edited by hand is.
 * Nothing is written: serializeCheckpointChunks checks everything when it is
 * called and formats only as its chunks are taken.
 */
export function checkResumable(ck: unknown, what: string): asserts ck is Checkpoint {
  checkCheckpoint(ck, what);
  try {
    serializeCheckpointChunks(ck);
  } catch (e) {
    if (!(e instanceof CheckpointError)) throw e;
    throw new OptionError(`${what} is not a whole checkpoint: ${e.message.replace(/^cannot write the checkpoint: /, '')}`,
      'pass a checkpoint as loadModel() or train() return it, unchanged');
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/**
 * A text the api reads: a string, or UTF-8 bytes (a Uint8Array or Buffer,
 * checked later as the command line checks a file). `what` names it ("train()'s
 * text"), `hint` says what to pass.
 */
export function checkText(text: unknown, what: string, hint: string): asserts text is string | Uint8Array {
  if (typeof text !== 'string' && !(text instanceof Uint8Array)) {
    throw new OptionError(`${what} must be a string, or a Uint8Array (or Buffer) of UTF-8 bytes (got ${describeValue(text)})`, hint);
  }
}

/** A string argument: `what` names it ("parseArpa()'s text"), `hint` says what to pass. */
export function checkString(v: unknown, what: string, hint: string): asserts v is string {
  if (typeof v !== 'string') throw new OptionError(`${what} must be a string (got ${describeValue(v)})`, hint);
}

/**
 * A cheap check that `x` is a tagger as loadTagger() and tagTrain() return
 * it, then that it is a whole one (its vocabularies, labels and tensors fit
 * its config, as a file written from it would be checked; once per object).
 */
export function checkTagger(x: unknown, what: string): asserts x is TaggerCheckpoint {
  const hint = 'pass a tagger as loadTagger() or tagTrain() return it, unchanged';
  try {
    checkTaggerShape(x, what, hint);
  } catch (e) {
    throw readFailure(e, what, hint);
  }
}

function checkTaggerShape(x: unknown, what: string, hint: string): void {
  if (!isTaggerCheckpoint(x)) {
    const lm = typeof x === 'object' && x !== null && 'model' in x && 'vocab' in x;
    throw new OptionError(`${what} must be a tagger as loadTagger() or tagTrain() return it (got ${lm ? 'a language model' : describeValue(x)})`,
      lm ? 'a language model scores and samples; train a tagger with tagTrain() or rnnlm tag train' : 'pass await loadTagger(path), or the checkpoint of what tagTrain() returns');
  }
  // the deep check (every tensor, as a file written from it would be) is made once per object; what the
  // kernels and the label names read is checked again at every call, for an object edited since
  let problem = taggerProblem(x);
  const t = x.tagger as Partial<Tagger>;
  problem ??= isObject(t.config) ? paramsProblem(t.config, t.layout, t.params, validateTaggerConfig, taggerLayout) : 'its tagger has no config';
  if (problem === null) {
    const c = t.config!;
    const vocabSize = (v: unknown) => (isObject(v) && Array.isArray(v['tokens']) && v['index'] instanceof Map && v['index'].size === v['tokens'].length ? v['tokens'].length : -1);
    if (x.labels.length !== c.labels || !x.labels.every((l) => typeof l === 'string' && l !== '')) problem = `its labels are not the ${c.labels} names of its outputs (were they changed?)`;
    else if (vocabSize(x.words) !== c.vocabSize) problem = `its word vocabulary is not the ${c.vocabSize} words of its embedding (was it changed?)`;
    else if (!c.chars !== !x.chars || (c.chars && vocabSize(x.chars) !== c.chars.vocabSize)) problem = 'its character vocabulary does not fit its config (was it changed?)';
  }
  if (problem !== null) throw new OptionError(`${what} is not a whole tagger: ${problem}`, hint);
}

/**
 * A cheap check that `p` is a Platform (basicPlatform(), or one of the same
 * shape): a backend, the engine and timing functions, and a whole number of
 * threads, so that a wrong value is one OptionError rather than a TypeError
 * (or a memory estimate of NaN) from inside.
 */
export function checkPlatform(p: unknown, what: string): asserts p is Platform {
  const hint = "pass basicPlatform() (from 'rnnlm/api'), or the platform of your host";
  if (!isObject(p)) throw new OptionError(`${what} must be a Platform such as basicPlatform() returns (got ${describeValue(p)})`, hint);
  const missing = (['engine', 'taggerEngine', 'now', 'pause'] as const).find((k) => typeof p[k] !== 'function');
  if (missing !== undefined) throw new OptionError(`${what} must be a Platform such as basicPlatform() returns (its ${missing} is ${describeValue(p[missing])}, not a function)`, hint);
  if (!isObject(p['backend'])) throw new OptionError(`${what} must be a Platform such as basicPlatform() returns (its backend is ${describeValue(p['backend'])})`, hint);
  const threads = p['threads'];
  if (typeof threads !== 'number' || !Number.isInteger(threads) || threads < 1) {
    throw new OptionError(`${what}'s threads must be a whole number of at least 1 (got ${describeValue(threads)})`, hint);
  }
}

/** An array of strings (a sentence's words, its labels): `what` names it, `hint` says what to pass. */
export function checkStrings(v: unknown, what: string, hint: string): asserts v is readonly string[] {
  if (!Array.isArray(v)) throw new OptionError(`${what} must be an array of strings (got ${describeValue(v)})`, hint);
  const i = v.findIndex((x) => typeof x !== 'string');
  if (i >= 0) throw new OptionError(`${what}[${i}] must be a string (got ${describeValue(v[i])})`, hint);
}

/** Sentences of strings (each sentence's labels): an array of arrays of strings. */
export function checkSentences(v: unknown, what: string, hint: string): asserts v is readonly (readonly string[])[] {
  if (!Array.isArray(v)) throw new OptionError(`${what} must be an array of sentences, each an array of strings (got ${describeValue(v)})`, hint);
  v.forEach((s, i) => checkStrings(s, `${what}[${i}]`, hint));
}

/** A number (not NaN; ±Infinity allowed unless `finite`): `what` names it, `hint` says what to pass. */
export function checkNumber(v: unknown, what: string, hint: string, finite = false): asserts v is number {
  if (typeof v !== 'number' || Number.isNaN(v) || (finite && !Number.isFinite(v))) {
    throw new OptionError(`${what} must be a ${finite ? 'finite ' : ''}number (got ${describeValue(v)})`, hint);
  }
}

/** A whole number from `min` to `max`: `what` names it, `hint` says what to pass. */
export function checkWhole(v: unknown, what: string, hint: string, min = 0, max = Number.MAX_SAFE_INTEGER): asserts v is number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new OptionError(`${what} must be a whole number ${range} (got ${describeValue(v)})`, hint);
  }
}

/**
 * A caller's callback (onStep, onEval), called and awaited. What it throws
 * (or rejects with) ends the run as one OptionError naming the callback and
 * the step, the thrown error as its cause: never the caller's raw error with
 * the run's frames under it. An RnnlmError it throws is passed on as it is.
 */
export async function callBack<R extends { step: number }>(fn: ((r: R) => unknown) | undefined, r: R, what: string): Promise<void> {
  if (fn === undefined) return;
  try {
    await fn(r);
  } catch (e) {
    throw callerFailure(e, what, `threw at step ${r.step} (the run stopped there):`,
      "the error it threw is this error's cause (err.cause); a callback that must not stop training catches its own errors");
  }
}

/** A caller's AbortSignal as the loop reads it: aborted read afresh each time, a getter that throws one OptionError. */
export function callerSignal(s: { readonly aborted: boolean } | undefined, what: string): { readonly aborted: boolean } | undefined {
  if (s === undefined) return undefined;
  return {
    get aborted() {
      try {
        return s.aborted === true;
      } catch (e) {
        throw readFailure(e, what, 'pass the signal of an AbortController', "aborted");
      }
    },
  };
}

/** An AbortSignal-like value, or undefined: an object whose aborted is a boolean (read once, a getter that throws refused). */
export function checkSignal(s: unknown, what: string, hint: string): void {
  if (s === undefined) return;
  let aborted: unknown;
  try {
    aborted = typeof s === 'object' && s !== null ? (s as { aborted?: unknown }).aborted : undefined;
  } catch (e) {
    throw readFailure(e, what, hint, "aborted");
  }
  if (typeof aborted !== 'boolean') throw new OptionError(`${what} must be an AbortSignal (got ${describeValue(s)})`, hint);
}

/** The items of a caller's async iterable; what its iterator throws becomes callerFailure's error (the loop's own errors pass through). */
export async function* callerItems<T>(items: AsyncIterable<T>, what: string): AsyncGenerator<T, void, undefined> {
  try {
    for await (const x of items) yield x;
  } catch (e) {
    throw callerFailure(e, what, 'threw while being read:', "the error it threw is this error's cause (err.cause); what was read before it is not evaluated");
  }
}

/**
 * Cheap checks of the values callers hand the api, shared by every function
 * that takes them: one OptionError (one line) each, before any work.
 */
import type { Checkpoint } from '../checkpoint/codec.js';
import { isTaggerCheckpoint, taggerProblem, type TaggerCheckpoint } from '../checkpoint/tagger-codec.js';
import { OptionError } from '../core/errors.js';
import { describeValue } from './options.js';
import type { Platform } from './platform.js';

/**
 * A cheap check that `ck` is what loadModel() and train() return: an object
 * with a model (config, layout, parameters), a vocabulary (tokens and their
 * index, as many as the model's outputs) and tokenizer settings. The deep
 * checks (every tensor) are parseCheckpoint's, when the file is read.
 */
export function checkCheckpoint(ck: unknown, what: string): asserts ck is Checkpoint {
  const hint = 'pass the model loadModel(path) returns, or the checkpoint of what train() returns';
  const refuse = (why: string): never => { throw new OptionError(`${what} must be a model as loadModel() or train() return it (${why})`, hint); };
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
  if (!isObject(tok) || (tok['level'] !== 'char' && tok['level'] !== 'word') || typeof tok['lowercase'] !== 'boolean' || (tok['unkToken'] !== null && typeof tok['unkToken'] !== 'string')) {
    refuse('its tokenizer settings are missing or damaged');
  }
  const V = (vocab as { tokens: unknown[] }).tokens.length, modelV = (model as { config: { vocabSize?: unknown } }).config.vocabSize;
  if (V !== modelV) refuse(`its vocabulary has ${V} tokens but its model ${describeValue(modelV)} outputs`);
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
  if (!isTaggerCheckpoint(x)) {
    const lm = typeof x === 'object' && x !== null && 'model' in x && 'vocab' in x;
    throw new OptionError(`${what} must be a tagger as loadTagger() or tagTrain() return it (got ${lm ? 'a language model' : describeValue(x)})`,
      lm ? 'a language model scores and samples; train a tagger with tagTrain() or rnnlm tag train' : 'pass await loadTagger(path), or the checkpoint of what tagTrain() returns');
  }
  const problem = taggerProblem(x);
  if (problem !== null) throw new OptionError(`${what} is not a whole tagger: ${problem}`, 'pass a tagger as loadTagger() or tagTrain() return it, unchanged');
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

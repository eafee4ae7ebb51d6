/**
 * The model one token at a time, for interactive and browser uses: feed text
 * or token ids, read the distribution of the next token (all of it, or the k
 * most likely with their tokens), draw from it with a seeded generator, read
 * log P of everything fed so far, clone the state to explore two
 * continuations.
 *
 *   const s = createStepper(platform, ck, { seed: 1 });
 *   s.feedText('em');
 *   s.top(3);            // [{ id, token: 'm', prob: 0.41, logProb: -0.89 }, …]
 *   const t = s.clone(); t.feedText('ma'); s.draw();
 *   s.logProb;           // Σ log P of every token fed or drawn, natural log
 *
 * A sentence starts from the zero state and a zero input, as in training and
 * scoring. Feeding <EOS> (id 0) adds log P(<EOS>) and starts the next
 * sentence, so stepping through a sentence and its <EOS> gives the log P that
 * `score` gives it (to rounding: one step at a time, not in windows).
 *
 * Each stepper keeps only its own state (per layer a, and c for the LSTM,
 * and the log-probabilities of the next token), in plain arrays: a clone
 * costs that much. The forward pass runs in one workspace per model, shared
 * by every stepper of the model (JavaScript runs one step at a time). Pure:
 * no platform API.
 */
import type { Checkpoint } from '../checkpoint/codec.js';
import { OptionError } from '../core/errors.js';
import { forward, type Model } from '../core/model.js';
import { referenceElementwise } from '../core/elementwise.js';
import { softmaxRow } from '../core/loss.js';
import { createRng, type Rng } from '../core/rng.js';
import { pickToken, topK, topP, withoutToken } from '../core/sample.js';
import { decode, encode } from '../core/tokenize.js';
import { EOS, UNK } from '../core/vocab.js';
import { createWorkspace, type Workspace } from '../core/workspace.js';
import { checkCheckpoint, checkPlatform } from './checks.js';
import { describeValue, isPlainObject, readFailure, readPlain } from './options.js';
import type { Platform } from './platform.js';

export interface StepperOptions {
  /** Seed of the generator draw() uses (default 1): the same seed, the same draws. */
  seed?: number;
}

export interface DrawOptions {
  /** Divide the logits by this before the softmax (default 1; below 1 sharper, above flatter). */
  temperature?: number;
  /** Draw among the k most likely tokens only (default 0: all). */
  topK?: number;
  /** Draw among the fewest most likely tokens whose probabilities add up to p (default 1: all). */
  topP?: number;
  /** Whether <UNK> may be drawn (default false, as `sample` does). */
  unk?: boolean;
}

export interface TokenProbability {
  id: number;
  token: string;
  /** P(token | what was fed), at temperature 1. */
  prob: number;
  /** Its natural log. */
  logProb: number;
}

export interface Stepper {
  /** Feed token ids (one or several), each read in turn; <EOS> (0) ends the sentence and starts the next. */
  feed(ids: number | ArrayLike<number>): void;
  /**
   * Feed text, tokenized as the model's tokenizer does (lowercased if it
   * was trained so; a character or word outside the vocabulary read as
   * <UNK>), without an <EOS>: a piece of the current sentence. Returns the ids fed.
   */
  feedText(text: string): number[];
  /** P(next token) over the whole vocabulary (by id), summing to 1; a new array each call. */
  distribution(temperature?: number): Float64Array;
  /** The k most likely next tokens, most likely first (ties: lower id first). */
  top(k: number): TokenProbability[];
  /** log P(next token = id), natural log. */
  logProbOf(id: number): number;
  /** Draw the next token with this stepper's generator, feed it, and return it (<EOS> included, which starts the next sentence). */
  draw(options?: DrawOptions): TokenProbability;
  /** Σ log P of every token fed or drawn so far, each given those before it in its sentence (natural log). */
  readonly logProb: number;
  /** Every id fed or drawn so far, in order. */
  readonly ids: readonly number[];
  /** The ids since the last <EOS> as text (the model's decode: <UNK> shown as such). */
  text(): string;
  /** An independent copy: the same state, log P, ids and generator; stepping one leaves the other unchanged. */
  clone(): Stepper;
  /**
   * The recurrent state after what was fed, copies: per layer (bottom first)
   * a, and c for the LSTM (null for the other cells). After an <EOS> it is the
   * next sentence's first state (the zero input read from the zero state).
   */
  state(): { a: Float64Array[]; c: (Float64Array | null)[] };
  /** Back to the start: an empty sentence, log P 0, no ids (the generator goes on). */
  reset(): void;
}

/** One workspace (one step, one lane) per model, shared by its steppers. */
const spaces = new WeakMap<Model, Workspace>();

interface State {
  /** per layer: a, then c (memory cells), H values each */
  a: Float64Array[];
  c: (Float64Array | null)[];
  /** log P of each next token */
  logp: Float64Array;
  logProb: number;
  ids: number[];
  /** where the current sentence starts in ids */
  sentenceStart: number;
  rng: Rng;
}

/**
 * A stepper over `ck`'s model (as loadModel() or train() return it), at the
 * start of a sentence. `platform` is the api's first argument everywhere;
 * the model computes on the backend its checkpoint was read with.
 */
export function createStepper(platform: Platform, ck: Checkpoint, options: StepperOptions = {}): Stepper {
  checkPlatform(platform, "createStepper()'s platform");
  checkCheckpoint(ck, "createStepper()'s model");
  options = readPlain(options, "createStepper()'s options", 'pass { seed } or nothing');
  if (!isPlainObject(options)) throw new OptionError(`createStepper()'s options must be an object such as { seed: 1 } (got ${describeValue(options)})`, 'pass { seed } or nothing');
  const unknown = Object.keys(options).find((k) => k !== 'seed');
  if (unknown !== undefined) throw new OptionError(`createStepper() has no option ${JSON.stringify(unknown)}`, 'its one option is seed (a whole number)');
  const seed = options.seed ?? 1;
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) throw new OptionError(`createStepper()'s seed must be a whole number from 0 to 2^53 − 1 (got ${describeValue(seed)})`, 'e.g. { seed: 1 }');
  const model = ck.model;
  const { layers, hidden: H } = model.config;
  const state: State = {
    a: Array.from({ length: layers }, () => new Float64Array(H)),
    c: Array.from({ length: layers }, (_, l) => (workspace(model).layers[l]!.cs ? new Float64Array(H) : null)),
    logp: new Float64Array(model.config.vocabSize),
    logProb: 0, ids: [], sentenceStart: 0, rng: createRng(seed),
  };
  step(model, state, -1);
  return stepper(ck, state);
}

function workspace(model: Model): Workspace {
  let ws = spaces.get(model);
  if (!ws) spaces.set(model, (ws = createWorkspace(model, 1, 1)));
  return ws;
}

/**
 * One step: `input` (a token id, or −1 for the zero input of a sentence's
 * first step; −1 also starts from the zero state) read from the state, the
 * new state and the next token's log-probabilities kept.
 */
function step(model: Model, s: State, input: number): void {
  const ws = workspace(model);
  const H = ws.H;
  for (let l = 0; l < s.a.length; l++) {
    const lb = ws.layers[l]!;
    if (input < 0) {
      lb.hs.fill(0, 0, H);
      lb.cs?.fill(0, 0, H);
    } else {
      lb.hs.set(s.a[l]!, 0);
      if (lb.cs) lb.cs.set(s.c[l]!, 0);
    }
  }
  forward(model, ws, Int32Array.of(input), 1, null);
  for (let l = 0; l < s.a.length; l++) {
    const lb = ws.layers[l]!;
    for (let i = 0; i < H; i++) s.a[l]![i] = lb.hs[H + i]!;
    if (lb.cs) for (let i = 0; i < H; i++) s.c[l]![i] = lb.cs[H + i]!;
  }
  logSoftmax(ws.logits, s.logp);
}

/** out = log softmax(z), in float64. */
function logSoftmax(z: ArrayLike<number>, out: Float64Array): void {
  const V = out.length;
  let max = -Infinity;
  for (let v = 0; v < V; v++) if (z[v]! > max) max = z[v]!;
  let sum = 0;
  for (let v = 0; v < V; v++) sum += Math.exp(z[v]! - max);
  const lse = max + Math.log(sum);
  for (let v = 0; v < V; v++) out[v] = z[v]! - lse;
}

function stepper(ck: Checkpoint, s: State): Stepper {
  const model = ck.model;
  const V = model.config.vocabSize;
  const scratch = new Int32Array(V); // top-p's order, kept across draws
  const tok = ck.tokenizer; // its split too: a whitespace-split model reads "u.s." as one word
  const checkId = (id: unknown, what: string): number => {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= V) {
      throw new OptionError(`${what} must be a token id, a whole number from 0 to ${V - 1} (got ${describeValue(id)})`, 'ids index the vocabulary: ck.vocab.tokens[id]; feedText() takes text');
    }
    return id;
  };
  const feedOne = (id: number): void => {
    s.logProb += s.logp[id]!;
    s.ids.push(id);
    if (id === EOS) {
      s.sentenceStart = s.ids.length;
      step(model, s, -1);
    } else {
      step(model, s, id);
    }
  };
  const entry = (id: number): TokenProbability => ({ id, token: ck.vocab.tokens[id]!, prob: Math.exp(s.logp[id]!), logProb: s.logp[id]! });
  const self: Stepper = {
    feed(ids) {
      // all read once and checked before any is fed
      const list = idList(typeof ids === 'number' ? [ids] : ids, (id, i) => checkId(id, `feed()'s id at ${i}`));
      for (let i = 0; i < list.length; i++) feedOne(list[i]!);
    },
    feedText(text) {
      if (typeof text !== 'string') throw new OptionError(`feedText() takes a string (got ${describeValue(text)})`, 'feed() takes token ids');
      const ids = [...encode(text, ck.vocab, tok).ids];
      for (const id of ids) feedOne(id);
      return ids;
    },
    distribution(temperature = 1) {
      checkTemperature(temperature);
      return probabilities(s.logp, temperature);
    },
    top(k) {
      if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) throw new OptionError(`top()'s k must be a whole number of at least 1 (got ${describeValue(k)})`, 'e.g. top(5)');
      const order = [...Array(V).keys()].sort((x, y) => s.logp[y]! - s.logp[x]! || x - y);
      return order.slice(0, Math.min(k, V)).map(entry);
    },
    logProbOf(id) {
      return s.logp[checkId(id, "logProbOf()'s id")]!;
    },
    draw(options = {}) {
      const o = checkDraw(options);
      const probs = probabilities(s.logp, o.temperature);
      if (!o.unk) withoutToken(probs, V, UNK);
      topK(probs, V, o.topK);
      topP(probs, V, o.topP, scratch);
      const id = pickToken(probs, V, s.rng.uniform());
      const out = entry(id);
      feedOne(id);
      return out;
    },
    get logProb() { return s.logProb; },
    get ids() { return s.ids.slice(); },
    text() {
      return decode(s.ids.slice(s.sentenceStart), ck.vocab, tok);
    },
    clone() {
      return stepper(ck, {
        a: s.a.map((x) => x.slice()), c: s.c.map((x) => (x ? x.slice() : null)), logp: s.logp.slice(),
        logProb: s.logProb, ids: s.ids.slice(), sentenceStart: s.sentenceStart, rng: createRng(0, s.rng.state()),
      });
    },
    state() {
      return { a: s.a.map((x) => x.slice()), c: s.c.map((x) => (x ? x.slice() : null)) };
    },
    reset() {
      s.logProb = 0;
      s.ids = [];
      s.sentenceStart = 0;
      step(model, s, -1);
    },
  };
  return self;
}

/** feed()'s ids, each read once (a getter or a Proxy is not asked twice: what is checked is what is fed). */
function idList(ids: unknown, check: (id: unknown, i: number) => void): number[] {
  const hint = 'e.g. feed([5, 7]); feedText() takes text';
  try {
    const n = typeof ids === 'object' && ids !== null ? (ids as ArrayLike<unknown>).length : undefined;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new OptionError(`feed() takes a token id or an array of them (got ${describeValue(ids)})`, hint);
    const list: number[] = [];
    for (let i = 0; i < n; i++) {
      const id = (ids as ArrayLike<unknown>)[i];
      check(id, i);
      list.push(id as number);
    }
    return list;
  } catch (e) {
    throw readFailure(e, "feed()'s ids", hint);
  }
}

function checkTemperature(t: unknown): asserts t is number {
  if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0) throw new OptionError(`the temperature must be a number above 0 (got ${describeValue(t)})`, 'e.g. 0.8 for safer choices, 1 for the model as it is');
}

function checkDraw(given: unknown): Required<DrawOptions> {
  const options = readPlain(given, "draw()'s options", 'pass { temperature, topK, topP, unk } or nothing');
  if (typeof options !== 'object' || options === null) throw new OptionError(`draw()'s options must be an object such as { temperature: 0.8 } (got ${describeValue(options)})`, 'or nothing');
  const o = options as Record<string, unknown>;
  const unknown = Object.keys(o).find((k) => !['temperature', 'topK', 'topP', 'unk'].includes(k));
  if (unknown !== undefined) throw new OptionError(`draw() has no option ${JSON.stringify(unknown)}`, 'its options are temperature, topK, topP and unk');
  const temperature = o['temperature'] ?? 1;
  checkTemperature(temperature);
  const topK = o['topK'] ?? 0;
  if (typeof topK !== 'number' || !Number.isInteger(topK) || topK < 0) throw new OptionError(`draw()'s topK must be a whole number, 0 for all (got ${describeValue(topK)})`, 'e.g. { topK: 10 }');
  const topP = o['topP'] ?? 1;
  if (typeof topP !== 'number' || !(topP > 0 && topP <= 1)) throw new OptionError(`draw()'s topP must be a number above 0 and at most 1 (got ${describeValue(topP)})`, 'e.g. { topP: 0.9 }');
  const unk = o['unk'] ?? false;
  if (typeof unk !== 'boolean') throw new OptionError(`draw()'s unk must be true or false (got ${describeValue(unk)})`, 'true lets <UNK> be drawn');
  return { temperature, topK, topP, unk };
}

/** softmax(logp / t) of the current row, in a fresh array (exact at t = 1: the exp of the log-probabilities, renormalized). */
function probabilities(logp: Float64Array, t: number): Float64Array {
  const out = new Float64Array(logp.length);
  softmaxRow(referenceElementwise, logp, 0, logp.length, t, out);
  return out;
}

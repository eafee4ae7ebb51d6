/**
 * The on-disk checkpoint: its zod schema (field names and types, one path per
 * problem) and the checks across fields that zod cannot see (vocabulary vs
 * config, tensor list vs modelLayout(config), optimizer moments vs the
 * optimizer). docs/checkpoint.md describes every field.
 *
 *   { format: "rnnlm-checkpoint", version: 1, meta, config, tokenizer,
 *     vocab: { tokens, counts }, tensors: [{ name, shape, dtype, data }],
 *     training: null | { options, config, state },
 *     trainSentences?: null | { hash: "fnv1a64", count, data } }
 *
 * Floats that may legitimately be NaN or infinite (losses, learning-rate
 * settings, timings in the training section) are JSON numbers when finite
 * and the strings "NaN", "Infinity", "-Infinity" otherwise, since JSON has no
 * such numbers. Tensor data is base64 of little-endian float32 (binary.ts).
 *
 * The base64 fields are validated without their text: a file being read holds
 * them as ByteStrings (byte ranges of the file, json-bytes.ts), a checkpoint
 * being written as Float32Base64 (the values still to encode); their lengths
 * are all the checks here need.
 */
import { z } from 'zod';
import { CELL_KINDS, cells, type CellKind } from '../core/cells/index.js';
import { RnnlmError } from '../core/errors.js';
import { modelLayout, validateConfig, type ModelConfig } from '../core/model.js';
import type { ParamLayout } from '../core/params.js';
import { vocabFromTokens, type Vocab } from '../core/vocab.js';
import { Float32Base64, Uint32Base64 } from './binary.js';
import { CheckpointError, DAMAGED_HINT, NOT_A_CHECKPOINT_HINT } from './errors.js';
import { ByteString } from './json-bytes.js';

export const CHECKPOINT_FORMAT = 'rnnlm-checkpoint';
export const CHECKPOINT_VERSION = 1;
/** The format tag of a tagger's checkpoint (tagger-schema.ts): a file of the family that is not a language model. */
export const TAGGER_FORMAT = 'rnnlm-tagger';

// ── pieces ──────────────────────────────────────────────────────────────────

const NON_FINITE = ['NaN', 'Infinity', '-Infinity'] as const;

/** A double that may be non-finite: a JSON number, or "NaN" / "Infinity" / "-Infinity". */
const real = z
  .union([z.number(), z.enum(NON_FINITE)], { error: 'should be a number, or "NaN", "Infinity" or "-Infinity"' })
  .transform((v) => (typeof v === 'number' ? v : Number(v)));

/** A finite number on disk that may be non-finite in memory: the inverse of `real`. */
export function realToJson(x: number): number | (typeof NON_FINITE)[number] {
  if (Number.isFinite(x)) return x;
  return Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
}

const count = z.number().int().min(0);
const uint32 = (x: unknown): boolean => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 0xffffffff;

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * base64 text, checked for its alphabet and length when decoded (binary.ts), where the tensor can be named.
 * A string, or the same text without a JS string: a ByteString (read) or a Float32Base64 (being written).
 */
const base64 = z.custom<string | ByteString | Float32Base64 | Uint32Base64>(
  (x) => typeof x === 'string' || x instanceof ByteString || x instanceof Float32Base64 || x instanceof Uint32Base64,
  { error: 'should be a string' },
);

// ── sections ────────────────────────────────────────────────────────────────

/** ModelConfig. Only types here: validateConfig (the core's own check) judges the values. */
export const configSchema = z.object({
  cell: z.string(),
  peephole: z.boolean(),
  layers: z.number(),
  hidden: z.number(),
  vocabSize: z.number(),
  embedding: z.number(),
  dropout: z.number(),
  /** Tied input/output embeddings (absent: false, as every checkpoint written before they existed). */
  tied: z.boolean().optional(),
  /** Input, word and locked dropout (absent: 0, 0, false). Only types here: validateConfig judges the values. */
  inputDropout: z.number().optional(),
  wordDropout: z.number().optional(),
  lockedDropout: z.boolean().optional(),
  /** Adaptive softmax (absent: a full softmax). Only types here: validateConfig judges the values. */
  cutoffs: z.array(z.number()).max(1000).optional(),
  adaptiveDiv: z.number().optional(),
});

export const tokenizerSchema = z.object({
  level: z.enum(['char', 'word']),
  lowercase: z.boolean(),
  unkToken: z.string().nullable(),
  sentence: z.enum(['line', 'paragraph', 'file', 'stream']),
  /** Word level: 'whitespace' for pre-tokenized text (absent: the default, 'punctuation'). */
  split: z.enum(['punctuation', 'whitespace']).optional(),
});

export const vocabSchema = z.object({
  tokens: z.array(z.string()),
  counts: z.array(count).nullable(),
});

export const tensorSchema = z.object({
  name: z.string(),
  shape: z.array(count),
  dtype: z.literal('float32'),
  data: base64,
});

/** A finite number in [lo, hi] (open at an end with `open`), for settings training runs with. */
function within(lo: number, hi: number, open: { lo?: boolean; hi?: boolean } = {}) {
  const msg = `should be a ${hi >= Number.MAX_VALUE ? 'finite ' : ''}number ${open.lo ? 'above' : hi >= Number.MAX_VALUE ? 'of at least' : 'from'} ${lo}${hi >= Number.MAX_VALUE ? '' : ` ${open.hi ? 'and below' : 'to'} ${hi}`}`;
  return z.number({ error: msg }).refine((x) => Number.isFinite(x) && (open.lo ? x > lo : x >= lo) && (open.hi ? x < hi : x <= hi), { error: msg });
}
const intWithin = (lo: number, hi: number) => z.number().int().min(lo).max(hi);

/**
 * TrainConfig (core/train.ts), with the ranges the training options allow
 * (api/options.ts): a resumed run uses these as they are.
 */
export const trainConfigSchema = z.object({
  mode: z.enum(['sentences', 'stream']),
  batch: intWithin(1, 4096),
  bptt: intWithin(1, 10_000),
  lr: within(0, Number.MAX_VALUE, { lo: true }),
  lrDecay: within(0, 1, { lo: true }),
  lrDecayAfter: count,
  /** Absent in files from before the plateau cut and warm-up: off. */
  lrPlateau: within(0, 1, { lo: true }).optional(),
  lrPlateauPatience: count.optional(),
  lrWarmup: count.optional(),
  optimizer: z.object({
    kind: z.enum(['adam', 'sgd']),
    beta1: within(0, 1, { hi: true }),
    beta2: within(0, 1, { hi: true }),
    eps: within(0, 1, { lo: true }),
  }),
  clip: within(0, Number.MAX_VALUE),
  epochs: intWithin(1, Number.MAX_SAFE_INTEGER),
  maxSteps: count,
  maxTimeMs: within(0, Number.MAX_VALUE),
  evalEvery: count,
  patience: count,
});

/** EvalRecord (core/train.ts). */
export const evalRecordSchema = z.object({
  step: count,
  epoch: count,
  tokensSeen: count,
  trainLoss: real,
  valLoss: real.nullable(),
  lr: real,
  elapsedMs: real,
});

/** TrainState (core/train.ts), arrays as base64 float32. */
export const trainStateSchema = z.object({
  step: count,
  epoch: count,
  windowInEpoch: count,
  epochSeed: z.number().int().min(-1).max(0xffffffff),
  rng: z.custom<[number, number, number, number]>(
    (x) => Array.isArray(x) && x.length === 4 && x.every(uint32),
    { error: 'should be the RNG state: 4 unsigned 32-bit integers' },
  ).refine(
    // the generator never leaves the all-zero state: it would draw 0 for ever
    (x) => x.some((w) => w !== 0), { error: 'should be the RNG state, which is never all zero' },
  ),
  optimizer: z.object({
    step: count,
    m: base64.nullable(),
    v: base64.nullable(),
  }),
  carry: base64.nullable(),
  history: z.array(evalRecordSchema).superRefine((h, ctx) => {
    // evaluations in the order they were made
    for (let i = 1; i < h.length; i++) {
      if (h[i]!.step < h[i - 1]!.step) {
        ctx.addIssue({ code: 'custom', path: [i, 'step'], message: `should not be before the previous evaluation's step ${h[i - 1]!.step}` });
        return;
      }
    }
  }),
  // the best of losses that were compared: a number (a non-finite validation loss is never a best)
  bestValLoss: within(0, Number.MAX_VALUE).nullable(),
  bestStep: count,
  evalsSinceBest: count,
  /** Absent in files from before the plateau cut: 1. */
  lrScale: within(0, 1, { lo: true }).optional(),
  tokensSeen: count,
  elapsedMs: within(0, Number.MAX_VALUE),
  /** The schedule's own best where a closing evaluation did better (see TrainState.scheduled); absent otherwise. */
  scheduled: z.strictObject({
    bestValLoss: within(0, Number.MAX_VALUE).nullable(),
    bestStep: count,
  }).optional(),
});

export const trainingSchema = z.object({
  /** Taken as is (any JSON object): not rebuilt by zod, so no key is lost or reordered. */
  options: z.custom<Record<string, unknown>>(isPlainObject, { error: 'should be an object (the training options)' }),
  config: trainConfigSchema,
  state: trainStateSchema,
}).superRefine((t, ctx) => {
  stepsWithinState(t.state, ctx);
  const sched = t.state.scheduled?.bestValLoss ?? null;
  // the best of every evaluation is at least as good as the best of the scheduled ones (present only when a closing
  // evaluation did better): one below it would steer the resumed run's patience and plateau cuts from a loss never seen
  if (sched !== null && (t.state.bestValLoss === null || sched < t.state.bestValLoss)) {
    ctx.addIssue({ code: 'custom', path: ['state', 'scheduled', 'bestValLoss'], message: `should not be below the best of every evaluation, bestValLoss ${t.state.bestValLoss}` });
  }
});

/**
 * The evaluations a state records were made at steps it has reached: none
 * after its own step (a record of step 10⁹ in a state at step 2 was read,
 * and the resumed run's next record then failed to be written as "a bug"),
 * nor its best step (nor the schedule's own best, `scheduled`).
 */
export function stepsWithinState(state: { step: number; bestStep: number; history: readonly { step: number }[]; scheduled?: { bestStep: number } | undefined }, ctx: z.RefinementCtx): void {
  const h = state.history;
  const last = h.length - 1;
  if (last >= 0 && h[last]!.step > state.step) {
    ctx.addIssue({ code: 'custom', path: ['state', 'history', last, 'step'], message: `should not be after the state's own step ${state.step}` });
  } else if (state.bestStep > state.step) {
    ctx.addIssue({ code: 'custom', path: ['state', 'bestStep'], message: `should not be after the state's own step ${state.step}` });
  } else if (state.scheduled !== undefined && state.scheduled.bestStep > state.step) {
    ctx.addIssue({ code: 'custom', path: ['state', 'scheduled', 'bestStep'], message: `should not be after the state's own step ${state.step}` });
  }
}

export const metaSchema = z.custom<Record<string, string | number>>(
  (x) => isPlainObject(x) && Object.values(x).every((v) => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))),
  { error: 'should be an object whose values are strings or numbers' },
)
  // the two fields rnnlm itself reads back (--resume's corpus check): the rest is free-form provenance; each named with its value
  .refine((m) => m['corpusUnkRate'] === undefined || (typeof m['corpusUnkRate'] === 'number' && m['corpusUnkRate'] >= 0 && m['corpusUnkRate'] <= 1),
    { error: 'should be a fraction from 0 to 1 (the corpus\'s <UNK> rate)', path: ['corpusUnkRate'] })
  .refine((m) => m['corpusFingerprint'] === undefined || typeof m['corpusFingerprint'] === 'string',
    { error: 'should be text (the corpus fingerprint)', path: ['corpusFingerprint'] });

/**
 * The training-sentence set (api/novelty.ts): `count` sorted, distinct 64-bit
 * FNV-1a hashes of the training and validation sentences' token ids, as
 * base64 of the little-endian uint32 (high, low) pairs. Absent or null: no
 * set (file mode, too many sentences, or a file from before it existed).
 */
export const TRAIN_SENTENCES_HASH = 'fnv1a64';
export const trainSentencesSchema = z.object({
  hash: z.literal(TRAIN_SENTENCES_HASH),
  count,
  data: base64,
});

/** The whole file. `format` and `version` are checked before this (see checkHeader). */
export const checkpointFileSchema = z.object({
  format: z.literal(CHECKPOINT_FORMAT),
  version: z.literal(CHECKPOINT_VERSION),
  meta: metaSchema,
  config: configSchema,
  tokenizer: tokenizerSchema,
  vocab: vocabSchema,
  tensors: z.array(tensorSchema),
  training: trainingSchema.nullable(),
  trainSentences: trainSentencesSchema.nullable().optional(),
});

/** The file as JSON.stringify takes it (non-finite reals as strings). */
export type CheckpointFileJson = z.input<typeof checkpointFileSchema>;
/** The file after validation (non-finite reals as numbers). */
export type CheckpointFile = z.output<typeof checkpointFileSchema>;
export type TensorEntry = z.output<typeof tensorSchema>;

// ── reading the structure ───────────────────────────────────────────────────

/**
 * The format tag and version, checked first and on their own: a file that is
 * not a checkpoint at all, or one from another rnnlm, deserves that message
 * rather than a list of missing fields.
 */
export function checkHeader(raw: unknown): void {
  if (isPlainObject(raw) && raw['format'] === TAGGER_FORMAT) {
    throw new CheckpointError(
      `this is a tagger (format "${TAGGER_FORMAT}", written by rnnlm tag train), not a language model`,
      'use it with rnnlm tag predict or rnnlm tag eval; score, sample, eval and info take a language model written by rnnlm train',
    );
  }
  if (!isPlainObject(raw) || raw['format'] !== CHECKPOINT_FORMAT) {
    const what = !isPlainObject(raw)
      ? `a JSON ${describe(raw)}`
      : 'format' in raw ? `"format": ${preview(raw['format'])}` : 'no "format" field';
    throw new CheckpointError(
      `not an rnnlm checkpoint (expected "format": "${CHECKPOINT_FORMAT}", found ${what})`,
      NOT_A_CHECKPOINT_HINT,
    );
  }
  const version = raw['version'];
  if (version !== CHECKPOINT_VERSION) {
    if (typeof version === 'number' && Number.isInteger(version)) {
      throw new CheckpointError(
        `checkpoint has format version ${version}; this rnnlm reads version ${CHECKPOINT_VERSION}`,
        version > CHECKPOINT_VERSION ? 'upgrade rnnlm or retrain' : 'retrain with this rnnlm',
      );
    }
    throw new CheckpointError(
      `checkpoint has no valid format version (found ${'version' in raw ? preview(version) : 'none'}; this rnnlm reads version ${CHECKPOINT_VERSION})`,
      DAMAGED_HINT,
    );
  }
}

/** Validates the structure with zod; the first problem becomes a CheckpointError naming its path. */
export function parseFile(raw: unknown): CheckpointFile {
  checkHeader(raw);
  const r = checkpointFileSchema.safeParse(raw);
  if (r.success) return r.data;
  const issues = r.error.issues;
  const first = issues[0]!;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  throw new CheckpointError(`checkpoint field ${issueText(first, raw)}${more}`, DAMAGED_HINT);
}

/** "config.hidden is missing", "tensors[2].shape[0] should be an integer, got 1.5", … */
export function issueText(issue: z.core.$ZodIssue, raw: unknown): string {
  const path = formatPath(issue.path);
  const found = at(raw, issue.path);
  if (!found.present) return `${path} is missing`;
  const got = `got ${preview(found.value)}`;
  switch (issue.code) {
    case 'invalid_type':
      return `${path} should be ${article(issue.expected === 'int' ? 'integer' : issue.expected)}, ${got}`;
    case 'invalid_value':
      return `${path} should be ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}, ${got}`;
    case 'too_small':
      return `${path} should be at least ${String(issue.minimum)}, ${got}`;
    case 'too_big':
      return `${path} should be at most ${String(issue.maximum)}, ${got}`;
    case 'unrecognized_keys':
      // a strict object's key it does not hold (zod's own words were "Unrecognized key: …, got an object")
      return `${path} should not hold ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}, ${got}`;
    default:
      return `${path} ${issue.message}, ${got}`;
  }
}

export function formatPath(path: readonly PropertyKey[]): string {
  let s = '';
  for (const k of path) s += typeof k === 'number' ? `[${k}]` : s === '' ? String(k) : `.${String(k)}`;
  return s === '' ? '(top level)' : s;
}

function at(raw: unknown, path: readonly PropertyKey[]): { present: boolean; value: unknown } {
  let v: unknown = raw;
  for (const k of path) {
    if (typeof v !== 'object' || v === null || !Object.prototype.hasOwnProperty.call(v, k)) return { present: false, value: undefined };
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return { present: true, value: v };
}

function describe(x: unknown): string {
  return x === null ? 'null' : Array.isArray(x) ? 'array' : typeof x;
}

function article(what: string): string {
  return /^[aeiou]/.test(what) ? `an ${what}` : `a ${what}`;
}

/** JSON.stringify, with the two line separators JSON leaves raw escaped too: a message stays one line. */
function quote(s: string): string {
  return JSON.stringify(s).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** A short rendering of a JSON value for a message: scalars in full (strings cut), containers by kind. */
export function preview(x: unknown): string {
  if (typeof x === 'string') return quote(x.length > 40 ? `${x.slice(0, 40)}…` : x);
  if (x instanceof ByteString) return quote(x.length > 40 ? `${x.head(40)}…` : x.head(40));
  if (x instanceof Float32Base64) return `base64 of ${x.count} float32`;
  if (x instanceof Uint32Base64) return `base64 of ${x.count} uint32`;
  if (typeof x === 'number' || typeof x === 'boolean' || x === null) return String(x);
  if (Array.isArray(x)) return `an array of ${x.length}`;
  if (typeof x === 'object') return 'an object';
  return typeof x;
}

// ── checks across fields ────────────────────────────────────────────────────

export interface Consistent {
  config: ModelConfig;
  vocab: Vocab;
  layout: ParamLayout;
}

/**
 * Everything that ties the sections together, before any tensor data is
 * decoded or any arena allocated: the config is one the core accepts, the
 * vocabulary fits it, the counts fit the vocabulary, the tensor list is
 * modelLayout(config) (names, order, shapes) and Adam has its moments.
 */
export function checkConsistency(file: CheckpointFile): Consistent {
  const config = checkConfig(file.config);
  const vocab = checkVocab(file, config);
  const layout = checkTensors(file.tensors, config);
  if (file.training) {
    const { config: tc, state } = file.training;
    const { m, v } = state.optimizer;
    if ((m === null) !== (v === null)) {
      throw new CheckpointError(
        `checkpoint training.state.optimizer has ${m === null ? 'no m but a v' : 'an m but no v'}: Adam's moments come in pairs`,
        DAMAGED_HINT,
      );
    }
    if (tc.optimizer.kind === 'adam' && m === null) {
      throw new CheckpointError(
        'checkpoint training.state.optimizer.m and .v are null, but training.config.optimizer.kind is "adam"',
        `${DAMAGED_HINT} (or continue without --resume)`,
      );
    }
  }
  return { config, vocab, layout };
}

export function checkConfig(c: CheckpointFile['config']): ModelConfig {
  if (!(CELL_KINDS as readonly string[]).includes(c.cell)) {
    throw new CheckpointError(
      `checkpoint has unknown cell kind ${preview(c.cell)} (this rnnlm knows ${CELL_KINDS.join(', ')})`,
      'upgrade rnnlm if a newer version wrote it; otherwise retrain',
    );
  }
  const config: ModelConfig = {
    cell: c.cell as CellKind, peephole: c.peephole, layers: c.layers, hidden: c.hidden,
    vocabSize: c.vocabSize, embedding: c.embedding, dropout: c.dropout,
    ...(c.tied ? { tied: true } : {}),
    ...(c.inputDropout !== undefined ? { inputDropout: c.inputDropout } : {}),
    ...(c.wordDropout !== undefined ? { wordDropout: c.wordDropout } : {}),
    ...(c.lockedDropout !== undefined ? { lockedDropout: c.lockedDropout } : {}),
    ...(c.cutoffs !== undefined ? { cutoffs: [...c.cutoffs] } : {}),
    ...(c.adaptiveDiv !== undefined ? { adaptiveDiv: c.adaptiveDiv } : {}),
  };
  try {
    validateConfig(config);
  } catch (e) {
    if (!(e instanceof RnnlmError)) throw e;
    throw new CheckpointError(`checkpoint config is invalid: ${e.message}`, DAMAGED_HINT);
  }
  return config;
}

function checkVocab(file: CheckpointFile, config: ModelConfig): Vocab {
  const { tokens, counts } = file.vocab;
  checkUnkToken(file.tokenizer);
  let vocab: Vocab;
  try {
    vocab = vocabFromTokens(tokens);
  } catch (e) {
    if (!(e instanceof RnnlmError)) throw e;
    throw new CheckpointError(`checkpoint ${e.message}`, e.hint ?? DAMAGED_HINT);
  }
  checkTokens(tokens, file.tokenizer);
  if (tokens.length !== config.vocabSize) {
    throw new CheckpointError(
      `checkpoint vocabulary has ${tokens.length} tokens but config.vocabSize is ${config.vocabSize}`,
      DAMAGED_HINT,
    );
  }
  if (counts && counts.length !== tokens.length) {
    throw new CheckpointError(
      `checkpoint vocab.counts has ${counts.length} entries for ${tokens.length} vocabulary tokens`,
      DAMAGED_HINT,
    );
  }
  return vocab;
}

// ── vocabulary tokens the tokenizer can produce ─────────────────────────────

/** A surrogate without its partner (no UTF-8 text holds one, so no corpus read from a file can). */
export const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** What makes a word-level token impossible: whitespace (any JS \s, what the tokenizer splits on), or a lone surrogate. */
const NOT_A_WORD = /\s|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const LONE = 'a lone surrogate, which no UTF-8 text holds';

/**
 * Every regular token (ids 2…) is one the tokenizer (core/tokenize.ts) can
 * produce. char: exactly one Unicode code point, well-formed, never "\r"
 * (normalizeText turns CR into LF) and never "\n" when a sentence is a line
 * (at paragraph and file level "\n" joins lines and is a token). word:
 * non-empty, no whitespace (the tokenizer splits on it), no lone surrogate.
 */
function checkTokens(tokens: readonly string[], tok: CheckpointFile['tokenizer']): void {
  const char = tok.level === 'char';
  for (let id = 2; id < tokens.length; id++) {
    const t = tokens[id]!;
    const why = char ? charTokenProblem(t, tok.sentence) : wordTokenProblem(t);
    if (why !== null) throw new CheckpointError(`checkpoint vocabulary token ${preview(t)} (id ${id}) ${why}`, DAMAGED_HINT);
  }
}

function charTokenProblem(t: string, sentence: CheckpointFile['tokenizer']['sentence']): string | null {
  const ONE = 'a char-level token is one character (one Unicode code point)';
  if (t.length === 2) {
    const hi = t.charCodeAt(0), lo = t.charCodeAt(1);
    if (hi >= 0xd800 && hi <= 0xdbff && lo >= 0xdc00 && lo <= 0xdfff) return null;
  }
  if (t.length !== 1) {
    if (t.length === 0) return `is empty; ${ONE}`;
    return LONE_SURROGATE.test(t) ? `holds ${LONE}` : `is ${[...t].length} characters; ${ONE}`;
  }
  const c = t.charCodeAt(0);
  if (c >= 0xd800 && c <= 0xdfff) return `is ${LONE}`;
  if (c === 0x0d) return 'can never occur: the tokenizer reads a carriage return as a line break';
  if (c === 0x0a && (sentence === 'line' || sentence === 'stream')) return `can never occur: with tokenizer.sentence "${sentence}" a line break ends the sentence`;
  return null;
}

function wordTokenProblem(t: string): string | null {
  if (t.length === 0) return 'is empty; a word-level token is at least one character';
  const m = NOT_A_WORD.exec(t);
  if (m === null) return null;
  return /\s/.test(m[0]) ? 'holds whitespace, which the word-level tokenizer splits on' : `holds ${LONE}`;
}

/**
 * tokenizer.unkToken is null or a string the tokenizer can match: never empty;
 * at word level (where a whitespace-separated piece equal to it reads as
 * <UNK>) without whitespace or a lone surrogate. At char level it is ignored.
 */
function checkUnkToken(tok: CheckpointFile['tokenizer']): void {
  const u = tok.unkToken;
  if (u === null) return;
  const fix = `${DAMAGED_HINT} (or set it to null)`;
  if (u === '') throw new CheckpointError('checkpoint tokenizer.unkToken is empty; it should be null or the corpus spelling of an unknown word', fix);
  if (tok.level !== 'word') return;
  const m = NOT_A_WORD.exec(u);
  if (m === null) return;
  const why = /\s/.test(m[0]) ? 'holds whitespace: the word-level tokenizer splits on whitespace first, so it could never match' : `holds ${LONE}`;
  throw new CheckpointError(`checkpoint tokenizer.unkToken ${preview(u)} ${why}`, fix);
}

/** Number of tensors modelLayout(config) has, without building it (a damaged `layers` may be huge). */
function tensorCount(config: ModelConfig): number {
  const perLayer = 4 + cells[config.cell].extraParams(1, config.peephole).length;
  const output = config.cutoffs ? 2 + 2 * config.cutoffs.length : config.tied ? 1 : 2;
  return (config.embedding > 0 ? 1 : 0) + config.layers * perLayer + output;
}

function checkTensors(tensors: readonly TensorEntry[], config: ModelConfig): ParamLayout {
  const want = tensorCount(config);
  if (want > tensors.length + 8) {
    throw new CheckpointError(
      `checkpoint has ${tensors.length} tensors; its config (${config.layers} ${config.cell} layers) needs ${want}`,
      DAMAGED_HINT,
    );
  }
  const layout = modelLayout(config);
  const expected = layout.tensors;
  const wantNames = new Set(expected.map((t) => t.name));
  const gotNames = new Set<string>();
  for (const t of tensors) {
    if (gotNames.has(t.name)) throw new CheckpointError(`checkpoint has tensor ${t.name} twice`, DAMAGED_HINT);
    gotNames.add(t.name);
  }
  for (const t of expected) {
    if (!gotNames.has(t.name)) {
      throw new CheckpointError(`checkpoint is missing tensor ${t.name} (shape [${t.shape.join(', ')}])`, DAMAGED_HINT);
    }
  }
  for (const t of tensors) {
    if (!wantNames.has(t.name)) {
      throw new CheckpointError(
        `checkpoint has unexpected tensor ${preview(t.name)}: a ${config.cell} model with this config has no such tensor`,
        DAMAGED_HINT,
      );
    }
  }
  // same names, same count: now order and shapes
  expected.forEach((e, i) => {
    const t = tensors[i]!;
    if (t.name !== e.name) {
      throw new CheckpointError(
        `checkpoint tensors are out of order: position ${i} holds ${t.name}, expected ${e.name}`,
        DAMAGED_HINT,
      );
    }
    if (t.shape.length !== e.shape.length || t.shape.some((d, k) => d !== e.shape[k])) {
      throw new CheckpointError(
        `checkpoint tensor ${t.name} has shape [${t.shape.join(', ')}]; the config needs [${e.shape.join(', ')}]`,
        DAMAGED_HINT,
      );
    }
  });
  return layout;
}

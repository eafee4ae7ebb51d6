/**
 * The tagger's checkpoint on disk (`rnnlm tag train`): its zod schema and
 * the checks across fields. Same family as the language model's file
 * (schema.ts): a JSON object with `format` and `version` first, tensors as
 * base64 of little-endian float32 under PyTorch's names, an optional
 * training section for an exact resume. The format tag is its own,
 * "rnnlm-tagger", so that each kind of file is told from the other by its
 * first field, and a reader of one kind says what the other is
 * (docs/checkpoint.md, "The tagger's file").
 *
 *   { format: "rnnlm-tagger", version: 1, meta, config, data, tokenizer,
 *     words: { tokens, counts }, chars: null | { tokens }, labels,
 *     tensors: [{ name, shape, dtype, data }], training: null | { options, config, state } }
 */
import { z } from 'zod';
import { CELL_KINDS, type CellKind } from '../core/cells/index.js';
import { RnnlmError } from '../core/errors.js';
import type { ParamLayout } from '../core/params.js';
import { taggerLayout, validateTaggerConfig, type TaggerConfig } from '../core/tagger.js';
import { CheckpointError } from './errors.js';
import {
  CHECKPOINT_FORMAT, TAGGER_FORMAT, evalRecordSchema, issueText, metaSchema, preview, stepsWithinState, tensorSchema, trainStateSchema, type TensorEntry,
} from './schema.js';

export { TAGGER_FORMAT } from './schema.js';
export const TAGGER_VERSION = 1;

/** The hint for a tagger file that is damaged, or not one rnnlm wrote. */
export const TAGGER_DAMAGED_HINT = 'the file is damaged or was not written by rnnlm; retrain with rnnlm tag train';
/** The spelling of the unknown word and the unknown character: id 0 of each vocabulary. */
export const TAG_UNK_TOKEN = '<UNK>';

const count = z.number().int().min(0);

/** TaggerConfig (core/tagger.ts). Only types here: validateTaggerConfig judges the values. */
const configSchema = z.object({
  cell: z.string(),
  peephole: z.boolean(),
  layers: z.number(),
  hidden: z.number(),
  vocabSize: z.number(),
  embedding: z.number(),
  labels: z.number(),
  dropout: z.number(),
  chars: z.object({ vocabSize: z.number(), embedding: z.number(), hidden: z.number() }).nullable(),
});

/** What the tagger was trained on: the column format and which column held the labels. */
const dataSchema = z.object({
  format: z.enum(['conllu', 'conll']),
  /** CoNLL-U: a column name (upos, xpos, …) or number 2–10; plain: a column number ≥ 2, or negative from the end. */
  label: z.union([z.string(), z.number().int()]),
});

const tokenizerSchema = z.object({
  /** Words are looked up lowercased (their chars are read as written). */
  lowercase: z.boolean(),
  /** A longer word's chars are its first ⌊n/2⌋ and its last ⌈n/2⌉. */
  maxWordChars: z.number().int().min(1).max(1000),
});

const within = (lo: number, hi: number, open: { lo?: boolean; hi?: boolean } = {}) => {
  const msg = `should be a ${hi >= Number.MAX_VALUE ? 'finite ' : ''}number ${open.lo ? 'above' : hi >= Number.MAX_VALUE ? 'of at least' : 'from'} ${lo}${hi >= Number.MAX_VALUE ? '' : ` ${open.hi ? 'and below' : 'to'} ${hi}`}`;
  return z.number({ error: msg }).refine((x) => Number.isFinite(x) && (open.lo ? x > lo : x >= lo) && (open.hi ? x < hi : x <= hi), { error: msg });
};
const intWithin = (lo: number, hi: number) => z.number().int().min(lo).max(hi);

/** TaggerTrainConfig (core/tagger-train.ts), with the ranges the options allow. */
const trainConfigSchema = z.object({
  batch: intWithin(1, 4096),
  batchWords: intWithin(1, 1 << 24),
  lr: within(0, Number.MAX_VALUE, { lo: true }),
  lrDecay: within(0, 1, { lo: true }),
  lrDecayAfter: z.number().int().min(0).default(0),
  optimizer: z.object({
    kind: z.enum(['adam', 'sgd']),
    beta1: within(0, 1, { hi: true }),
    beta2: within(0, 1, { hi: true }),
    eps: within(0, 1, { lo: true }),
  }),
  clip: within(0, Number.MAX_VALUE),
  wordDropout: within(0, 1, { hi: true }),
  epochs: intWithin(1, Number.MAX_SAFE_INTEGER),
  maxSteps: count,
  maxTimeMs: within(0, Number.MAX_VALUE),
  evalEvery: count,
  patience: count,
});

const fraction = within(0, 1);

/** TaggerEvalRecord: the language model's record with dev accuracy and score in place of the validation loss. */
const taggerEvalRecordSchema = evalRecordSchema.omit({ valLoss: true }).extend({
  devAccuracy: fraction.nullable(),
  devScore: z.number().nullable(),
});

/** TaggerTrainState: the language model's state's pieces, a batch index in place of the window, dev accuracy in place of the loss. */
const taggerTrainStateSchema = trainStateSchema.pick({ step: true, epoch: true, epochSeed: true, rng: true, optimizer: true, bestStep: true, evalsSinceBest: true, tokensSeen: true, elapsedMs: true }).extend({
  batchInEpoch: count,
  history: z.array(taggerEvalRecordSchema),
  bestDevAccuracy: fraction.nullable(),
  /** The schedule's own best where a closing evaluation did better (TaggerTrainState.scheduled); absent otherwise. */
  scheduled: z.strictObject({ bestDevAccuracy: fraction.nullable(), bestStep: count }).optional(),
});

const trainingSchema = z.object({
  options: z.custom<Record<string, unknown>>((x) => typeof x === 'object' && x !== null && !Array.isArray(x), { error: 'should be an object (the training options)' }),
  config: trainConfigSchema,
  state: taggerTrainStateSchema,
}).superRefine((t, ctx) => {
  stepsWithinState(t.state, ctx);
  // the best of every evaluation is at least as good as the schedule's own (as the language model's bestValLoss)
  const sched = t.state.scheduled?.bestDevAccuracy ?? null;
  if (sched !== null && (t.state.bestDevAccuracy === null || sched > t.state.bestDevAccuracy)) {
    ctx.addIssue({ code: 'custom', path: ['state', 'scheduled', 'bestDevAccuracy'], message: `should not be above the best of every evaluation, bestDevAccuracy ${t.state.bestDevAccuracy}` });
  }
});

export const taggerFileSchema = z.object({
  format: z.literal(TAGGER_FORMAT),
  version: z.literal(TAGGER_VERSION),
  meta: metaSchema,
  config: configSchema,
  data: dataSchema,
  tokenizer: tokenizerSchema,
  words: z.object({ tokens: z.array(z.string()), counts: z.array(count).nullable() }),
  chars: z.object({ tokens: z.array(z.string()) }).nullable(),
  labels: z.array(z.string()),
  tensors: z.array(tensorSchema),
  training: trainingSchema.nullable(),
});

export type TaggerFileJson = z.input<typeof taggerFileSchema>;
export type TaggerFile = z.output<typeof taggerFileSchema>;

/** format and version, first and alone: a language model's file, or no rnnlm file at all, is said as such. */
export function checkTaggerHeader(raw: unknown): void {
  const obj = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : null;
  if (obj && obj['format'] === CHECKPOINT_FORMAT) {
    throw new CheckpointError(
      `this is a language model (format "${CHECKPOINT_FORMAT}", written by rnnlm train), not a tagger`,
      'use it with rnnlm score, sample, eval or info; train a tagger with rnnlm tag train data.conllu -o tagger.json',
    );
  }
  if (!obj || obj['format'] !== TAGGER_FORMAT) {
    const what = !obj ? `a JSON ${raw === null ? 'null' : Array.isArray(raw) ? 'array' : typeof raw}` : 'format' in obj ? `"format": ${preview(obj['format'])}` : 'no "format" field';
    throw new CheckpointError(`not an rnnlm tagger (expected "format": "${TAGGER_FORMAT}", found ${what})`, 'pass a tagger written by rnnlm tag train');
  }
  const version = obj['version'];
  if (version !== TAGGER_VERSION) {
    if (typeof version === 'number' && Number.isInteger(version)) {
      throw new CheckpointError(`tagger has format version ${version}; this rnnlm reads version ${TAGGER_VERSION}`, version > TAGGER_VERSION ? 'upgrade rnnlm or retrain' : 'retrain with this rnnlm');
    }
    throw new CheckpointError(`tagger has no valid format version (found ${'version' in obj ? preview(version) : 'none'}; this rnnlm reads version ${TAGGER_VERSION})`, TAGGER_DAMAGED_HINT);
  }
}

/** The structure, checked with zod: the first problem as a CheckpointError naming its path. */
export function parseTaggerFile(raw: unknown): TaggerFile {
  checkTaggerHeader(raw);
  const r = taggerFileSchema.safeParse(raw);
  if (r.success) return r.data;
  const issues = r.error.issues;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  throw new CheckpointError(`tagger field ${issueText(issues[0]!, raw)}${more}`, TAGGER_DAMAGED_HINT);
}

// ── checks across fields ────────────────────────────────────────────────────

const fail = (message: string): never => { throw new CheckpointError(`tagger ${message}`, TAGGER_DAMAGED_HINT); };

export function checkTaggerConfig(c: TaggerFile['config']): TaggerConfig {
  if (!(CELL_KINDS as readonly string[]).includes(c.cell)) {
    throw new CheckpointError(`tagger has unknown cell kind ${preview(c.cell)} (this rnnlm knows ${CELL_KINDS.join(', ')})`, 'upgrade rnnlm if a newer version wrote it; otherwise retrain');
  }
  const config: TaggerConfig = {
    cell: c.cell as CellKind, peephole: c.peephole, layers: c.layers, hidden: c.hidden, vocabSize: c.vocabSize,
    embedding: c.embedding, labels: c.labels, dropout: c.dropout, chars: c.chars ? { ...c.chars } : null,
  };
  try {
    validateTaggerConfig(config);
  } catch (e) {
    if (!(e instanceof RnnlmError)) throw e;
    fail(`config is invalid: ${e.message}`);
  }
  // a damaged size would have the layout allocate without bound: the tensors' data lengths bound it first (checkTensors)
  return config;
}

/** A word, char or label the column formats can hold: not empty, no tab or line break. */
const NOT_A_FIELD = /[\t\n\r]/;

function checkList(tokens: readonly string[], what: string, unkFirst: boolean, one: (t: string) => string | null): void {
  if (unkFirst && tokens[0] !== TAG_UNK_TOKEN) fail(`${what}[0] should be "${TAG_UNK_TOKEN}", got ${tokens.length ? preview(tokens[0]) : 'an empty list'}`);
  const seen = new Set<string>();
  tokens.forEach((t, i) => {
    if (seen.has(t)) fail(`${what} holds ${preview(t)} twice (again at ${i})`);
    seen.add(t);
    if (unkFirst && i === 0) return;
    const why = one(t);
    if (why !== null) fail(`${what}[${i}] ${preview(t)} ${why}`);
  });
}

/** Vocabularies, labels and the label column against the config; the layout of the tensors. */
export function checkTaggerConsistency(file: TaggerFile): { config: TaggerConfig; layout: ParamLayout } {
  const config = checkTaggerConfig(file.config);
  const { words, chars, labels } = file;
  checkList(words.tokens, 'words.tokens', true, (t) => (t === '' ? 'is empty' : NOT_A_FIELD.test(t) ? 'holds a tab or a line break' : null));
  if (words.tokens.length !== config.vocabSize) fail(`words.tokens has ${words.tokens.length} words but config.vocabSize is ${config.vocabSize}`);
  if (words.counts && words.counts.length !== words.tokens.length) fail(`words.counts has ${words.counts.length} entries for ${words.tokens.length} words`);
  if ((chars === null) !== (config.chars === null || config.chars === undefined)) {
    fail(chars === null ? 'has config.chars but no chars vocabulary' : 'has a chars vocabulary but config.chars is null');
  }
  if (chars && config.chars) {
    checkList(chars.tokens, 'chars.tokens', true, (t) => ([...t].length === 1 && !/[\ud800-\udfff]/.test(t.length === 1 ? t : '') ? null : 'is not one character'));
    if (chars.tokens.length !== config.chars.vocabSize) fail(`chars.tokens has ${chars.tokens.length} characters but config.chars.vocabSize is ${config.chars.vocabSize}`);
  }
  checkList(labels, 'labels', false, (t) => (t === '' ? 'is empty' : NOT_A_FIELD.test(t) ? 'holds a tab or a line break' : null));
  if (labels.length !== config.labels) fail(`labels has ${labels.length} entries but config.labels is ${config.labels}`);
  checkLabelColumn(file.data);
  const layout = checkTensors(file.tensors, config);
  if (file.training) {
    const { m, v } = file.training.state.optimizer;
    if ((m === null) !== (v === null)) fail(`training.state.optimizer has ${m === null ? 'no m but a v' : 'an m but no v'}: Adam's moments come in pairs`);
    if (file.training.config.optimizer.kind === 'adam' && m === null) fail('training.state.optimizer.m and .v are null, but training.config.optimizer.kind is "adam"');
  }
  return { config, layout };
}

const CONLLU_NAMES = ['form', 'lemma', 'upos', 'xpos', 'feats', 'head', 'deprel', 'deps', 'misc'];

function checkLabelColumn(d: TaggerFile['data']): void {
  const ok = d.format === 'conllu'
    ? (typeof d.label === 'number' ? d.label >= 2 && d.label <= 10 : CONLLU_NAMES.includes(d.label.toLowerCase()) || /^([2-9]|10)$/.test(d.label))
    : (typeof d.label === 'number' ? d.label >= 2 || d.label < 0 : /^-?\d+$/.test(d.label) && (Number(d.label) >= 2 || Number(d.label) < 0));
  if (!ok) fail(`data.label ${preview(d.label)} is not a label column of ${d.format === 'conllu' ? 'CoNLL-U' : 'plain CoNLL'}`);
}

/** Tensor count of a config, without building the layout (a damaged `layers` may be huge). */
function tensorCount(c: TaggerConfig): number {
  const perDirection = 4 + (c.peephole ? 1 : 0);
  return 1 + (c.chars ? 1 + 2 * perDirection : 0) + c.layers * 2 * perDirection + 2;
}

function checkTensors(tensors: readonly TensorEntry[], config: TaggerConfig): ParamLayout {
  const want = tensorCount(config);
  if (want > tensors.length + 8) fail(`has ${tensors.length} tensors; its config (${config.layers} bidirectional ${config.cell} layers) needs ${want}`);
  // sizes bounded by what the file holds before anything is allocated: no tensor bigger than its base64
  const layout = taggerLayout(config);
  const names = new Set(layout.tensors.map((t) => t.name));
  const got = new Set<string>();
  for (const t of tensors) {
    if (got.has(t.name)) fail(`has tensor ${t.name} twice`);
    got.add(t.name);
    if (!names.has(t.name)) fail(`has unexpected tensor ${preview(t.name)}: a ${config.cell} tagger with this config has no such tensor`);
  }
  for (const t of layout.tensors) if (!got.has(t.name)) fail(`is missing tensor ${t.name} (shape [${t.shape.join(', ')}])`);
  layout.tensors.forEach((e, i) => {
    const t = tensors[i]!;
    if (t.name !== e.name) fail(`tensors are out of order: position ${i} holds ${t.name}, expected ${e.name}`);
    if (t.shape.length !== e.shape.length || t.shape.some((d, k) => d !== e.shape[k])) {
      fail(`tensor ${t.name} has shape [${t.shape.join(', ')}]; the config needs [${e.shape.join(', ')}]`);
    }
  });
  return layout;
}

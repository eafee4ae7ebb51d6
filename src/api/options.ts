/**
 * The training options, validated with zod: one schema for the command line
 * (`rnnlm train --hidden 256 …`, see src/cli/commands/train.ts) and the
 * library (`train(text, { hidden: 256 })`), so both accept the same names,
 * ranges and defaults.
 */
import { z } from 'zod';
import { CELL_KINDS, type CellKind } from '../core/cells/index.js';
import { OptionError } from '../core/errors.js';

/** Decimal text such as 12, -3.5, .5, 1e-3 (not '', ' ', 0x10 or Infinity, which Number() would take). */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A number given as a number or as decimal text; anything else is NaN (and then refused). */
function numeric(msg: string) {
  return z.preprocess((v) => (typeof v === 'string' ? (DECIMAL.test(v.trim()) ? Number(v.trim()) : NaN) : v), z.number({ error: msg }));
}

/** A whole number in [min, max], given as text or number. */
export function int(min: number, max: number) {
  const msg = `must be a whole number from ${min} to ${max}`;
  return numeric(msg).refine((n) => Number.isInteger(n) && n >= min && n <= max, { error: msg });
}

/** A real number in [min, max] (or an open end with `open`). */
export function real(min: number, max: number, open: { min?: boolean; max?: boolean } = {}) {
  const lo = open.min ? `greater than ${min}` : `at least ${min}`;
  const hi = open.max ? `less than ${max}` : `at most ${max}`;
  const msg = max === Infinity ? `must be a number ${lo}` : `must be a number ${lo} and ${hi}`;
  return numeric(msg).refine(
    (n) => Number.isFinite(n) && (open.min ? n > min : n >= min) && (open.max ? n < max : n <= max), { error: msg });
}

/** One of the listed words. */
export function oneOf<T extends string>(values: readonly [T, ...T[]]) {
  return z.enum(values, { error: `must be one of ${values.join(', ')}` });
}

/** A seed: a whole number from 0 to 2^53 − 1. */
export const seed = int(0, Number.MAX_SAFE_INTEGER);

/** A duration like 90s, 10m, 1h30m or a plain number of seconds → milliseconds. */
export const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const text = String(v).trim();
  let ms = /^\d+(\.\d+)?$/.test(text) ? Number(text) * 1000 : null;
  if (ms === null) {
    const m = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(text);
    if (m && text !== '') ms = (Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0)) * 1000;
  }
  if (ms === null || !(ms > 0)) {
    ctx.addIssue({ code: 'custom', message: 'must be a duration greater than 0, such as 90s, 10m or 1h30m' });
    return z.NEVER;
  }
  return ms;
});

const CELL_CHOICES = CELL_KINDS as unknown as readonly [CellKind, ...CellKind[]];

/**
 * Defaults that depend on the level. Word level: the output layer and its logits
 * grow with V, so the vocabulary is capped and windows are shorter: at the cap,
 * hidden 128, batch 20 × bptt 35, the decoder's weights, gradient and Adam moments
 * take 41 MB and each workspace's logits 56 MB (training and evaluation: two).
 */
export const LEVEL_DEFAULTS = {
  char: { maxVocab: 2000, batch: 32, bptt: 64, embedding: 0 },
  word: { maxVocab: 20_000, batch: 20, bptt: 35, embedding: 128 },
} as const;

export const trainOptionsShape = {
  level: oneOf(['char', 'word']).default('char'),
  cell: oneOf(CELL_CHOICES).default('lstm'),
  peephole: z.boolean().default(false),
  layers: int(1, 16).default(2),
  hidden: int(1, 4096).default(128),
  /** default: 0 (one-hot) at char level, 128 at word level */
  embedding: int(0, 4096).optional(),
  dropout: real(0, 1, { max: true }).default(0),
  /** default: 64 at char level, 35 at word level (PyTorch's word_language_model) */
  bptt: int(2, 10_000).optional(),
  /** default: 32 at char level, 20 at word level; shrunk to fit a small corpus */
  batch: int(1, 4096).optional(),
  lr: real(0, Infinity, { min: true }).default(2e-3),
  lrDecay: real(0, 1, { min: true }).default(1),
  lrDecayAfter: int(0, 1_000_000).default(0),
  optimizer: oneOf(['adam', 'sgd']).default('adam'),
  clip: real(0, Infinity).default(5),
  epochs: int(1, 1_000_000).default(10),
  /** seconds as a number, or a duration such as '90s', '10m', '1h30m' (parsed to milliseconds) */
  maxTime: duration.optional(),
  maxSteps: int(1, Number.MAX_SAFE_INTEGER).optional(),
  /** default: every 200 steps when an epoch is longer than 300 steps, else once per epoch */
  evalEvery: int(1, Number.MAX_SAFE_INTEGER).optional(),
  valFraction: real(0, 0.9).default(0.05),
  patience: int(0, 1_000_000).default(0),
  seed: seed.default(1),
  maxVocab: int(3, 10_000_000).optional(),
  minCount: int(1, 1_000_000_000).default(1),
  lowercase: z.boolean().default(false),
  unkToken: z.string().min(1).optional(),
  sentence: oneOf(['line', 'paragraph', 'file']).default('line'),
  /** default: all cores */
  threads: int(1, 256).optional(),
};

const peepholeCheck = (o: unknown) => {
  const v = o as { peephole?: unknown; cell?: unknown };
  return !(v.peephole === true && v.cell !== 'lstm');
};
const peepholeError = { error: 'goes with cell lstm only', path: ['peephole'] };

export const trainOptionsSchema = z.object(trainOptionsShape).refine(peepholeCheck, peepholeError);
export type TrainOptions = z.output<typeof trainOptionsSchema>;
export type TrainOptionsInput = z.input<typeof trainOptionsSchema>;

/** A schema with more fields (the CLI's), checked the same way. */
export function extendTrainOptions<E extends z.ZodRawShape>(extra: E) {
  return z.object({ ...trainOptionsShape, ...extra }).refine(peepholeCheck, peepholeError);
}

/**
 * Parse with a schema; on failure one OptionError naming the first bad option,
 * `name(key)` spelling it (`--hidden` on the command line, `hidden` in code).
 */
export function parseWith<S extends z.ZodType>(schema: S, raw: unknown, name: (key: string) => string, hint: string): z.output<S> {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const key = issue.path[0];
  const given = key !== undefined ? (raw as Record<PropertyKey, unknown>)[key as PropertyKey] : undefined;
  const what = key !== undefined ? name(String(key)) : 'options';
  const got = given !== undefined ? ` (got ${JSON.stringify(given)})` : '';
  throw new OptionError(`${what} ${issue.message}${got}`, hint);
}

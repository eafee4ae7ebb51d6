/**
 * The training options, validated with zod: one schema for the command line
 * (`rnnlm train --hidden 256 …`, see src/cli/commands/train.ts) and the
 * library (`train(text, { hidden: 256 })`), so both accept the same names,
 * ranges and defaults.
 */
import { z } from 'zod';
import { CELL_KINDS, type CellKind } from '../core/cells/index.js';
import { OptionError, RnnlmError } from '../core/errors.js';

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
export const duration = z.union([z.string(), z.number()], { error: 'must be a duration such as 90s, 10m or 1h30m (or a number of seconds)' }).transform((v, ctx) => {
  // a number of seconds as a number, or as decimal text the way every number option reads it (1e3 is 1000)
  const text = String(v).trim();
  let ms = typeof v === 'number' ? v * 1000 : DECIMAL.test(text) ? Number(text) * 1000 : null;
  if (ms === null) {
    // -5m is a duration below 0 (said so), not an unreadable one
    const sign = text.startsWith('-') ? -1 : 1;
    const unsigned = sign < 0 ? text.slice(1) : text;
    const m = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(unsigned);
    if (m && unsigned !== '') ms = sign * (Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0)) * 1000;
  }
  // what is wrong said as it is: not a duration, not above 0, or beyond the range of numbers once in milliseconds
  const message = ms === null || Number.isNaN(ms) ? 'must be a duration such as 90s, 10m or 1h30m (or a number of seconds)'
    : !(ms > 0) ? 'must be a duration greater than 0, such as 90s, 10m or 1h30m'
      : !Number.isFinite(ms) ? 'must be a duration that can be counted in milliseconds (at most about 5e301 hours), such as 90s, 10m or 1h30m' : null;
  if (message !== null || ms === null) {
    ctx.addIssue({ code: 'custom', message: message ?? '' });
    return z.NEVER;
  }
  return ms;
});

/** Increasing whole numbers ≥ 1, given as an array or as comma-separated text ("2000,10000"). */
export const cutoffList = z.union([z.string(), z.array(z.number())], { error: 'must be increasing whole numbers, e.g. 2000,10000' }).transform((v, ctx) => {
  const list = typeof v === 'string' ? v.split(',').map((x) => (DECIMAL.test(x.trim()) ? Number(x.trim()) : NaN)) : v;
  const bad = list.findIndex((x, i) => !Number.isInteger(x) || x < 1 || (i > 0 && x <= list[i - 1]!));
  if (list.length === 0 || bad >= 0) {
    ctx.addIssue({ code: 'custom', message: 'must be increasing whole numbers of at least 1, e.g. 2000,10000' });
    return z.NEVER;
  }
  return list;
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
  /** dropout on the embedded input, unit by unit (needs an embedding) */
  inputDropout: real(0, 1, { max: true }).default(0),
  /** embedding dropout: whole word types dropped in each window (needs an embedding) */
  wordDropout: real(0, 1, { max: true }).default(0),
  /** one dropout mask per window for all its steps (variational / locked dropout) */
  lockedDropout: z.boolean({ error: 'must be true or false' }).default(false),
  /** adaptive softmax output layer (cut-offs chosen from the vocabulary unless given) */
  adaptive: z.boolean({ error: 'must be true or false' }).default(false),
  /** the adaptive softmax's cut-offs in the frequency-sorted vocabulary (implies adaptive) */
  cutoffs: cutoffList.optional(),
  /** the adaptive softmax's divisor of the tails' sizes (PyTorch's div_value) */
  adaptiveDiv: real(1, 1000).optional(),
  /** tied input and output embeddings: the decoder reads the embedding matrix (the embedding size is then the hidden size) */
  tied: z.boolean({ error: 'must be true or false' }).default(false),
  /** default: 64 at char level, 35 at word level (PyTorch's word_language_model) */
  bptt: int(2, 10_000).optional(),
  /** default: 32 at char level, 20 at word level; shrunk to fit a small corpus */
  batch: int(1, 4096).optional(),
  lr: real(0, Infinity, { min: true }).default(2e-3),
  lrDecay: real(0, 1, { min: true }).default(1),
  lrDecayAfter: int(0, 1_000_000).default(0),
  /** multiply the learning rate by this when an evaluation does not improve the validation loss (1 = off) */
  lrPlateau: real(0, 1, { min: true }).default(1),
  /** evaluations without improvement in a row before each cut (0: cut at the first) */
  lrPlateauPatience: int(0, 1_000_000).default(0),
  /** steps of linear warm-up from lr/N to lr (0 = none) */
  lrWarmup: int(0, 1_000_000_000).default(0),
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
  /** word level only, one word without whitespace (see trainChecks) */
  unkToken: z.string({ error: 'must be text' }).min(1, { error: 'must not be empty' }).optional(),
  sentence: oneOf(['line', 'paragraph', 'file', 'stream']).default('line'),
  /** word level: the text is already tokenized — split on whitespace only, nothing else touched (Penn Treebank, WikiText) */
  pretokenized: z.boolean({ error: 'must be true or false' }).default(false),
  /** default: all cores */
  threads: int(1, 256).optional(),
};

/** The fields the cross-field checks read. */
interface Crossed {
  peephole?: unknown; cell?: unknown; level?: unknown; unkToken?: unknown; pretokenized?: unknown; tied?: unknown; embedding?: unknown; hidden?: unknown;
}

/**
 * Checks across fields, shared by the library's schema and the command line's
 * (extendTrainOptions), so that both refuse the same combinations. An issue's
 * `params.hint` is its own fix (parseWith prefers it to the general hint).
 *
 *   peephole  LSTM only (the other cells have no cell state to peep at).
 *   unkToken  the corpus's marker for an unknown word (Penn Treebank's
 *             '<unk>'). The tokenizer compares it with each whitespace-
 *             separated piece of a line, at word level only: a marker with
 *             whitespace in it could never equal a piece, and at char level
 *             every character is a token of its own, so a marker is never
 *             looked for. Either way it would be silently a no-op: refused.
 */
function trainChecks(o: Crossed, ctx: z.RefinementCtx): void {
  if (o.tied === true && typeof o.embedding === 'number') {
    const hidden = typeof o.hidden === 'number' ? o.hidden : 128;
    if (o.embedding !== hidden) {
      ctx.addIssue({
        code: 'custom', path: ['embedding'], message: `must equal the hidden size (${hidden}) with tied embeddings: the decoder reads the embedding matrix`,
        params: { hint: 'drop the embedding size (with tied embeddings it follows the hidden size), or give both the same' },
      });
    }
  }
  if (o.peephole === true && o.cell !== 'lstm') {
    ctx.addIssue({ code: 'custom', path: ['peephole'], message: 'goes with cell lstm only' });
  }
  if (o.pretokenized === true && o.level !== 'word') {
    ctx.addIssue({ code: 'custom', path: ['pretokenized'], message: 'goes with word level only (a character is always a token of its own)', params: { hint: 'add --level word, or drop it' } });
  }
  if (typeof o.unkToken === 'string') {
    if (o.level !== 'word') {
      ctx.addIssue({
        code: 'custom', path: ['unkToken'],
        message: 'goes with word level only: at char level every character is a token of its own, so a marker word is never read as <UNK>',
        params: { hint: 'drop it, or train at word level' },
      });
    } else if (/\s/u.test(o.unkToken)) {
      ctx.addIssue({
        code: 'custom', path: ['unkToken'],
        message: 'holds whitespace, but words never do (the text is split into words at whitespace), so it could never match one',
        params: { hint: "give the single word your corpus writes for an unknown word, such as '<unk>'" },
      });
    }
  }
}

/** The library's training options: the fields above and nothing else (a misspelt key is refused, with a suggestion). */
export const trainOptionsSchema = z.strictObject(trainOptionsShape).superRefine(trainChecks);
export type TrainOptions = z.output<typeof trainOptionsSchema>;
export type TrainOptionsInput = z.input<typeof trainOptionsSchema>;

/**
 * The command line's schema: these fields plus its own, with the same checks.
 * Not strict: commander has already refused unknown flags.
 */
export function extendTrainOptions<E extends z.ZodRawShape>(extra: E) {
  return z.object({ ...trainOptionsShape, ...extra }).superRefine(trainChecks);
}

/**
 * The sampling options of `rnnlm sample` and the library's sample(): the same
 * names, ranges and checks. The defaults that differ are left to each side:
 * how many samples (`n`: the command line's -n/--number, default 10; sample()
 * 1), the seed (command line: random; sample(): 1) and the length cap (200
 * characters or 50 words after the prime, from the model's level).
 */
export const sampleOptionsShape = {
  n: int(1, 1_000_000_000).optional(),
  /** softmax temperature: below 1 sharper, above 1 flatter; a vanishing one is greedy */
  temperature: real(0, 100, { min: true }).default(1),
  /** draw only from the k most likely tokens; 0 (or k ≥ the vocabulary) = all */
  topK: int(0, 10_000_000).default(0),
  prime: z.string({ error: 'must be text' }).default(''),
  /** most tokens after the prime */
  maxLength: int(1, 10_000_000).optional(),
  seed: seed.optional(),
  greedy: z.boolean({ error: 'must be true or false' }).default(false),
  allowUnk: z.boolean({ error: 'must be true or false' }).default(false),
  /** nucleus: draw only from the fewest most likely tokens whose probability sums to at least p (after topK); 1 = all */
  topP: real(0, 1, { min: true }).default(1),
  /** <EOS> cannot be drawn before this many tokens after the prime (its probability 0, the rest renormalised) */
  minLength: int(0, 10_000_000).default(0),
  /** a sample ends as soon as its text ends with one of these (kept in the text); one text or a list */
  stop: z.union([z.string(), z.array(z.string())], { error: 'must be text or a list of texts' })
    .transform((v) => (typeof v === 'string' ? [v] : v))
    .refine((v) => v.every((s) => s.length > 0), { error: 'must not be empty text' })
    .default([]),
  /** beam search: the K most likely sentences by the model's own log P, best first, deterministic */
  beam: int(1, 1000).optional(),
  /** keep drawing until n samples that are not copies of training sentences (needs a model that keeps their set) */
  novel: z.boolean({ error: 'must be true or false' }).default(false),
};

/** The library's sample() options (strict: a misspelt key is refused, with a suggestion). */
export const sampleOptionsSchema = z.strictObject(sampleOptionsShape);
export type SampleOptions = z.output<typeof sampleOptionsSchema>;

/** The command line's schema: the sampling options plus its own (commander has refused unknown flags). */
export function extendSampleOptions<E extends z.ZodRawShape>(extra: E) {
  return z.object({ ...sampleOptionsShape, ...extra });
}

// ── parsing, and the one-line error ──────────────────────────────────────────

export interface ParseNaming {
  /** What the whole object is, in messages: "options" (default), "the options of train()". */
  what?: string;
  /** Keys people reach for that mean a known one under another name: { number: 'n' }. */
  aliases?: Record<string, string>;
  /** Refuse numbers given as text (the library: code passes numbers; the command line passes text). */
  numbersAsNumbers?: boolean;
}

/** Options that take a number or a text on purpose: maxTime is 90 (seconds) or '90s', '10m'. */
const NUMBER_OR_TEXT = new Set(['maxTime']);

/**
 * Parse with a schema; on failure one OptionError naming the first bad option,
 * `name(key)` spelling it (`--hidden` on the command line, `hidden` in code):
 *
 *   hidden must be a whole number from 1 to 4096 (got 0) — see …
 *   unknown option hiden — did you mean hidden? …           (strict schemas)
 *   the options of sample() must be an object (got a number) — …
 *
 * An unknown key is reported before any bad value: a misspelt name is the
 * first thing to fix.
 */
export function parseWith<S extends z.ZodType>(
  schema: S, raw: unknown, name: (key: string) => string, hint: string, naming: ParseNaming = {},
): z.output<S> {
  const what = naming.what ?? 'options';
  raw = readPlain(raw, what, hint);
  if (!isPlainObject(raw)) throw new OptionError(`${what} must be an object of option names and values (got ${describeValue(raw)})`, hint);
  if (naming.numbersAsNumbers && schema instanceof z.ZodObject) {
    // from code a number is given as a number: "8" for hidden is a slip the command line (all text) cannot make
    for (const [k, v] of Object.entries(raw)) {
      // only text the schema would read as a number; other text gets the schema's own message
      if (typeof v !== 'string' || !DECIMAL.test(v.trim()) || !Object.hasOwn(schema.shape, k) || NUMBER_OR_TEXT.has(k)) continue;
      const field = (schema.shape as Record<string, z.ZodType>)[k]!;
      if ([0, 0.5, 1, 2, 3, 10, 100].some((x) => field.safeParse(x).success)) {
        throw new OptionError(`${name(k)} must be a number, not the text ${describeValue(v)}`, hint);
      }
    }
  }
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const issues = r.error.issues;
  const unknownKeys = issues.find((i) => i.code === 'unrecognized_keys');
  if (unknownKeys && schema instanceof z.ZodObject) {
    throw unknownOption(String(unknownKeys.keys[0]), Object.keys(schema.shape), name, hint, naming.aliases);
  }
  const issue = issues[0]!;
  const key = issue.path[0];
  const given = key !== undefined ? raw[key as string] : undefined;
  const field = key !== undefined ? name(String(key)) : what;
  const got = key !== undefined && given !== undefined ? ` (got ${describeValue(given)})` : '';
  const own = (issue as { params?: { hint?: unknown } }).params?.hint;
  throw new OptionError(`${field} ${messageOf(issue)}${got}`, typeof own === 'string' ? own : hint);
}

/**
 * The one error for a key that is not an option: the closest known name when
 * one is near (as commander suggests flags), else the list of names (its
 * first twelve and the count when the whole list is long).
 */
export function unknownOption(
  key: string, known: readonly string[], name: (key: string) => string, hint: string, aliases: Record<string, string> = {},
  /** false when the hint already names them */
  listNames = true,
): OptionError {
  const near = Object.hasOwn(aliases, key) ? aliases[key]! : closest(key, known);
  // a long list (train() has ~40 options) is cut to its first names, so that the message stays a short line
  const names = known.map(name);
  const list = names.join(', ').length <= 240 ? names.join(', ') : `${names.slice(0, 12).join(', ')}, … (${names.length} in all)`;
  const fix = near !== null ? `did you mean ${name(near)}? (${hint})` : listNames ? `${hint}: ${list}` : hint;
  return new OptionError(`unknown option ${name(key)}`, fix);
}

/**
 * The known name nearest to `key`, or null when none is near: the same
 * spelling once case, '-' and '_' are ignored (max-time, max_time, MaxTime →
 * maxTime), else the smallest edit distance (insertions, deletions,
 * substitutions, adjacent swaps) if it is at most 2 and at most a third of
 * the longer name (so that 'n' does not suggest 'lr').
 */
export function closest(key: string, known: readonly string[]): string | null {
  const plain = (s: string) => s.toLowerCase().replace(/[-_]/g, '');
  const same = known.find((k) => plain(k) === plain(key));
  if (same !== undefined) return same;
  let best: string | null = null, bestD = Infinity;
  for (const k of known) {
    const d = editDistance(plain(key), plain(k));
    if (d < bestD && d <= 2 && d <= Math.max(key.length, k.length) / 3) { best = k; bestD = d; }
  }
  return best;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of two neighbours, each 1. */
export function editDistance(a: string, b: string): number {
  const A = Array.from(a), B = Array.from(b);
  const d: number[][] = Array.from({ length: A.length + 1 }, (_, i) => Array.from({ length: B.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= A.length; i++) {
    for (let j = 1; j <= B.length; j++) {
      const cost = A[i - 1] === B[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && A[i - 1] === B[j - 2] && A[i - 2] === B[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[A.length]![B.length]!;
}

/**
 * An object of options as the caller handed it, read once into a plain copy:
 * each own enumerable property read one time (a getter is not asked twice,
 * so what is checked is what is used). Reading that throws — a getter or a
 * Proxy trap of the caller's — is one OptionError naming `what` (and the
 * property), never the caller's raw error from deep inside. A value that is
 * not a plain object is returned as it is, for the caller's own check to
 * refuse with its own words.
 */
export function readPlain<T>(v: T, what: string, hint: string): T {
  if (typeof v !== 'object' || v === null) return v;
  let key: string | null = null;
  try {
    if (!isPlainObject(v)) return v;
    const copy: Record<string, unknown> = {};
    for (const k of Object.keys(v)) {
      key = k;
      // defined, not assigned: an own "__proto__" (JSON.parse makes one) assigned would set the copy's prototype,
      // its properties then read as options the caller never gave as its own (or, not an object, dropped unseen)
      Object.defineProperty(copy, k, { value: (v as Record<string, unknown>)[k], enumerable: true, writable: true, configurable: true });
    }
    return copy as T;
  } catch (e) {
    throw readFailure(e, what, hint, key);
  }
}

/** The one error for a caller's value whose reading threw (a getter, a Proxy): OptionError, the thrown error as its cause. */
export function readFailure(e: unknown, what: string, hint: string, key: string | null = null): Error {
  return callerFailure(e, what, `could not be read: reading ${key === null ? 'it' : `its ${JSON.stringify(key)}`} threw`, hint);
}

/**
 * What a caller's code (a callback, a text's function, an iterable) threw,
 * as the error the api throws: an RnnlmError passed on as it is (one of the
 * api's own, e.g. a reader's DataError), anything else one OptionError
 * naming `what` (`what threw "Error: …"`), the thrown error as its cause.
 */
export function callerFailure(e: unknown, what: string, verb: string, hint: string): RnnlmError {
  if (e instanceof RnnlmError) return e;
  const err = new OptionError(`${what} ${verb} ${thrownText(e)}`, hint);
  (err as { cause?: unknown }).cause = e;
  return err;
}


/** What a caller's code threw, for a message: its message quoted (cut to 80 characters), or what it was. */
export function thrownText(e: unknown): string {
  let text: string;
  try {
    text = e instanceof Error ? `${e.name}: ${e.message}` : typeof e === 'string' ? e : describeValue(e);
  } catch {
    text = 'an error that cannot be read';
  }
  if (text.length <= 80) return JSON.stringify(text);
  // cut at 77 UTF-16 units, not inside a surrogate pair (a lone half would print as \ud83d)
  const cut = /[\ud800-\udbff]/.test(text[76]!) ? 76 : 77;
  return JSON.stringify(`${text.slice(0, cut)}…`);
}

/** A plain object ({ … }, Object.create(null)): not null, an array, a Map, a typed array or a class instance. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * A value as an error message shows it: strings quoted (as JSON, so control
 * characters are escapes), numbers as JavaScript writes them (Infinity, NaN,
 * -0 stays 0), other things by kind ("a function", "an array of 3", "a
 * Uint8Array of 10 bytes"), never more than about 60 characters.
 */
export function describeValue(v: unknown): string {
  try {
    return describeReadable(v);
  } catch {
    // a Proxy whose traps throw, a getter that throws: say what it is without reading it again
    return 'an object that cannot be read';
  }
}

function describeReadable(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}…` : v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'symbol') return 'a symbol';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v instanceof Uint8Array) return `a ${v.constructor.name} of ${v.length} bytes`;
  if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return `a ${v.constructor.name}`;
  if (typeof (v as { then?: unknown }).then === 'function') return 'a Promise (await it first)';
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null && typeof proto?.constructor?.name === 'string' && proto.constructor.name !== '') return `a ${proto.constructor.name}`;
  return 'an object';
}

/** zod's own wording for a wrong type ("Invalid input: expected string, received number") made ours. */
function messageOf(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.message.startsWith('Invalid input')) {
    const article = /^[aeiou]/.test(issue.expected) ? 'an' : 'a';
    return `must be ${article} ${issue.expected}`;
  }
  return issue.message;
}

/**
 * The tagger's options, validated with zod: one schema for `rnnlm tag train`
 * (src/cli/commands/tag-train.ts) and the library's tagTrain(), so both take
 * the same names, ranges and defaults. The shared pieces (int, real, seed,
 * duration) and the one-line errors are options.ts's.
 *
 * Defaults are for part-of-speech tagging (UPOS on a treebank of ~200k words):
 * one bidirectional LSTM layer of 128 units per direction over 100-dimensional
 * word embeddings and a 32 × 32 char BiLSTM, dropout 0.33, Adam 0.002, batches
 * of 32 sentences, clipping at 5, words seen once read as <UNK>.
 */
import { z } from 'zod';
import { CELL_KINDS, type CellKind } from '../core/cells/index.js';
import { duration, int, oneOf, real, seed } from './options.js';

const CELL_CHOICES = CELL_KINDS as unknown as readonly [CellKind, ...CellKind[]];

/** A label column: a CoNLL-U column name (upos, xpos, …) or a column number (negative: from the end, plain CoNLL). */
export const labelColumn = z.union([z.string().trim().min(1, { error: 'must not be empty: give a column name (upos) or number (2, -1)' }), z.number().int()], {
  error: 'must be a column name such as upos or a column number such as 2 or -1',
});

/** The column formats of labelled data: decided from the first token line, or given. */
export const tagFormat = oneOf(['auto', 'conllu', 'conll']);

export const tagTrainOptionsShape = {
  /** the format of the training and dev data (auto: CoNLL-U when the first token line has its 10 columns, else plain CoNLL) */
  format: tagFormat.default('auto'),
  /** the label column (default: upos for CoNLL-U, the last column for plain CoNLL) */
  label: labelColumn.optional(),
  cell: oneOf(CELL_CHOICES).default('lstm'),
  peephole: z.boolean({ error: 'must be true or false' }).default(false),
  /** stacked bidirectional layers */
  layers: int(1, 16).default(1),
  /** units per direction */
  hidden: int(1, 4096).default(128),
  /** word embedding size */
  embedding: int(1, 4096).default(100),
  /** the char BiRNN word representation (false: words only) */
  chars: z.boolean({ error: 'must be true or false' }).default(true),
  charEmbedding: int(1, 1024).default(32),
  /** units per direction of the char BiRNN */
  charHidden: int(1, 1024).default(32),
  /** the chars read of a longer word: its first half and its last half */
  maxWordChars: int(1, 1000).default(20),
  dropout: real(0, 1, { max: true }).default(0.33),
  /** training only, α: a word seen c times is read as <UNK> with probability α/(α + c) (its chars still seen) */
  wordDropout: real(0, 1_000_000).default(0),
  lr: real(0, Infinity, { min: true }).default(2e-3),
  /** multiply the learning rate by this once per epoch */
  lrDecay: real(0, 1, { min: true }).default(1),
  /** epochs at the full rate before the decay starts */
  lrDecayAfter: int(0, 1_000_000).default(0),
  optimizer: oneOf(['adam', 'sgd']).default('adam'),
  clip: real(0, Infinity).default(5),
  /** sentences per step (long sentences come in smaller batches: at most 40·batch padded words) */
  batch: int(1, 4096).default(32),
  epochs: int(1, 1_000_000).default(10),
  /** seconds as a number, or a duration such as '90s', '10m', '1h30m' (parsed to milliseconds) */
  maxTime: duration.optional(),
  maxSteps: int(1, Number.MAX_SAFE_INTEGER).optional(),
  /** default: at the end of each epoch */
  evalEvery: int(1, Number.MAX_SAFE_INTEGER).optional(),
  /** stop when this many evaluations in a row do not improve the dev accuracy (0: never) */
  patience: int(0, 1_000_000).default(0),
  seed: seed.default(1),
  /** threads for the steps (default: all cores); the sentences of a batch are split among them */
  threads: int(1, 256).optional(),
  /** words seen fewer times in the training data are read as <UNK> */
  minCount: int(1, 1_000_000_000).default(2),
  /** look words up lowercased (their chars are read as written) */
  lowercase: z.boolean({ error: 'must be true or false' }).default(false),
};

function tagChecks(o: { peephole?: unknown; cell?: unknown }, ctx: z.RefinementCtx): void {
  if (o.peephole === true && o.cell !== 'lstm') ctx.addIssue({ code: 'custom', path: ['peephole'], message: 'goes with cell lstm only' });
}

/** The library's options: these fields and nothing else (a misspelt key is refused, with a suggestion). */
export const tagTrainOptionsSchema = z.strictObject(tagTrainOptionsShape).superRefine(tagChecks);
export type TagTrainOptions = z.output<typeof tagTrainOptionsSchema>;
export type TagTrainOptionsInput = z.input<typeof tagTrainOptionsSchema>;

/** The command line's schema: these fields plus its own (commander has refused unknown flags). */
export function extendTagTrainOptions<E extends z.ZodRawShape>(extra: E) {
  return z.object({ ...tagTrainOptionsShape, ...extra }).superRefine(tagChecks);
}

/** How labelled (or unlabelled) input is read for tagPredict/tagEvaluate: its format and label column. */
export const tagReadOptionsShape = {
  format: tagFormat.default('auto'),
  label: labelColumn.optional(),
  /** sentences per forward pass */
  batch: int(1, 4096).default(64),
};
export const tagReadOptionsSchema = z.strictObject(tagReadOptionsShape);
export type TagReadOptionsInput = z.input<typeof tagReadOptionsSchema>;

/**
 * From text and options to everything a training run needs: sentences, the
 * validation split (by the seed), the vocabulary, the encoded data, the
 * model (new, or from a checkpoint to resume), the training configuration
 * and state. Pure: the CLI and the library both call it and do their own I/O.
 */
import { epochPlan, type ReadMode } from '../core/batches.js';
import { encodeSplit, prepareData, splitTrainVal } from '../core/data.js';
import { DataError, OptionError } from '../core/errors.js';
import { createModel, initModel, type Model, type ModelConfig } from '../core/model.js';
import { createRng } from '../core/rng.js';
import { normalizeText, splitSentences, type EncodedCorpus, type SentenceMode, type TokenizerConfig } from '../core/tokenize.js';
import { defaultTrainConfig, newTrainState, type TrainConfig, type TrainState } from '../core/train.js';
import type { Vocab } from '../core/vocab.js';
import type { Checkpoint, TokenizerSettings } from '../checkpoint/codec.js';
import { LEVEL_DEFAULTS, type TrainOptions } from './options.js';

export interface TrainingSetup {
  model: Model;
  vocab: Vocab;
  counts: number[] | null;
  tokenizer: TokenizerSettings;
  /** The tokenizer settings the core functions take. */
  tok: TokenizerConfig;
  mode: ReadMode;
  train: EncodedCorpus;
  val: EncodedCorpus | null;
  cfg: TrainConfig;
  state: TrainState;
  /** What the run was asked for, saved in the checkpoint (for info and resume). */
  options: Record<string, unknown>;
  /** Steps in an epoch. */
  epochWindows: number;
  /** Things the user should know (no validation set, vocabulary capped, batch shrunk). */
  notes: string[];
}

/**
 * `given` names the options the user set explicitly (the rest are defaults):
 * a resumed run refuses explicit changes to the architecture, and an explicit
 * batch larger than the corpus is an error while the default shrinks.
 */
export function prepareTraining(
  text: string, opts: TrainOptions, given: ReadonlySet<string>, resumed: Checkpoint | null = null,
  /** how to spell an option in messages: `hidden` in code, `--hidden` on the command line */
  name: (key: string) => string = (k) => k,
): TrainingSetup {
  const notes: string[] = [];
  if (resumed && !resumed.training) {
    throw new DataError('the checkpoint holds a model without training state', 'resume from the checkpoint train wrote (e.g. model.last.json), or train afresh');
  }
  const t = resumed?.training ?? null;
  if (t) checkResumeOptions(opts, given, t.options, name);
  const tokenizer: TokenizerSettings = resumed?.tokenizer ?? {
    level: opts.level, lowercase: opts.lowercase, unkToken: opts.unkToken ?? null, sentence: opts.sentence as SentenceMode,
  };
  const tok: TokenizerConfig = { level: tokenizer.level, lowercase: tokenizer.lowercase, unkToken: tokenizer.unkToken };
  const seed = t ? Number(t.options['seed'] ?? opts.seed) : opts.seed;
  const valFraction = t ? Number(t.options['valFraction'] ?? opts.valFraction) : opts.valFraction;

  const sentences = splitSentences(normalizeText(text), tokenizer.sentence);
  if (sentences.length === 0) throw new DataError('the corpus has no text to train on (it is empty or only blank lines)', 'give UTF-8 text with at least one non-blank line');
  // the split is the first use of the seed's generator, so a resumed run splits the same way
  const rng = createRng(seed);
  const split = splitTrainVal(sentences, valFraction, rng, tokenizer.sentence);
  if (split.val.length === 0 && valFraction > 0 && !t) notes.push(`the corpus is too small to hold out ${valFraction} for validation; training without validation`);

  let vocab: Vocab, counts: number[] | null, data: { train: EncodedCorpus; val: EncodedCorpus | null };
  if (resumed) {
    vocab = resumed.vocab;
    counts = resumed.counts;
    data = encodeSplit(split, vocab, tok);
  } else {
    const maxVocab = opts.maxVocab ?? LEVEL_DEFAULTS[tokenizer.level].maxVocab;
    const p = prepareData(split, tok, { maxVocab, minCount: opts.minCount });
    if (p.dropped > 0) notes.push(`vocabulary capped at ${p.vocab.tokens.length} of ${p.distinct + 2} tokens; the ${p.dropped} rarest map to <UNK> (maxVocab, minCount)`);
    ({ vocab, counts } = p);
    data = p;
  }
  const mode: ReadMode = tokenizer.sentence === 'file' ? 'stream' : 'sentences';
  const units = mode === 'stream' ? data.train.ids.length : data.train.starts.length - 1;

  let model: Model, cfg: TrainConfig, state: TrainState, options: Record<string, unknown>;
  if (t) {
    model = resumed!.model;
    cfg = trainConfig(opts, mode, t.config, t.state, given);
    state = t.state;
    options = t.options;
  } else {
    const config: ModelConfig = {
      cell: opts.cell, peephole: opts.peephole, layers: opts.layers, hidden: opts.hidden, vocabSize: vocab.tokens.length,
      embedding: opts.embedding ?? LEVEL_DEFAULTS[tokenizer.level].embedding, dropout: opts.dropout,
    };
    model = createModel(config);
    initModel(model, rng);
    cfg = trainConfig(opts, mode, null, null, given, LEVEL_DEFAULTS[tokenizer.level]);
    fitBatch(cfg, mode, units, given.has('batch'), notes, name);
    state = newTrainState(model, cfg, rng.state());
    options = { ...Object.fromEntries([...given].map((k) => [k, (opts as Record<string, unknown>)[k]])), seed, valFraction };
  }
  const epochWindows = epochPlan(data.train, mode, cfg.batch, cfg.bptt, 0).windows;
  // a fresh run without evalEvery: about every 200 steps, and at least once per epoch
  if (!t && !opts.evalEvery) cfg.evalEvery = epochWindows > 300 ? 200 : 0;
  return { model, vocab, counts, tokenizer, tok, mode, train: data.train, val: data.val, cfg, state, options, epochWindows, notes };
}

/** The checkpoint of a run at `state`. */
export function checkpointOf(s: TrainingSetup, state: TrainState, meta: Record<string, string | number>): Checkpoint {
  return {
    model: s.model, tokenizer: s.tokenizer, vocab: s.vocab, counts: s.counts,
    training: { options: s.options, config: s.cfg, state }, meta,
  };
}

/** Settings a resumed run keeps from its checkpoint; giving another value is an error. */
const KEPT_ON_RESUME = ['level', 'cell', 'peephole', 'layers', 'hidden', 'embedding', 'dropout', 'bptt', 'batch', 'lr', 'lrDecay', 'lrDecayAfter',
  'optimizer', 'clip', 'maxVocab', 'minCount', 'lowercase', 'unkToken', 'sentence', 'seed', 'valFraction'] as const;

function checkResumeOptions(opts: TrainOptions, given: ReadonlySet<string>, saved: Record<string, unknown>, name: (key: string) => string): void {
  const differ = KEPT_ON_RESUME.filter((k) => given.has(k) && saved[k] !== undefined && String(saved[k]) !== String((opts as Record<string, unknown>)[k]));
  if (differ.length) {
    throw new OptionError(`a resumed run keeps the checkpoint's architecture and training settings; these options differ from it: ${differ.map(name).join(', ')}`,
      'drop them, or train a new model instead of resuming');
  }
}

/** The core's TrainConfig from options (fresh) or from the checkpoint's (resumed: only the limits may change). */
function trainConfig(
  opts: TrainOptions, mode: ReadMode, base: TrainConfig | null, state: TrainState | null, given: ReadonlySet<string>,
  level: { batch: number; bptt: number } = LEVEL_DEFAULTS.char,
): TrainConfig {
  const limits = {
    epochs: base && !given.has('epochs') ? base.epochs : opts.epochs,
    // limits count from where this run starts
    maxSteps: opts.maxSteps ? (state?.step ?? 0) + opts.maxSteps : 0,
    maxTimeMs: opts.maxTime ? (state?.elapsedMs ?? 0) + opts.maxTime : 0,
    evalEvery: opts.evalEvery ?? base?.evalEvery ?? 0,
    patience: base && !given.has('patience') ? base.patience : opts.patience,
  };
  if (base) return { ...base, ...limits };
  return {
    ...defaultTrainConfig, ...limits, mode,
    batch: opts.batch ?? level.batch, bptt: opts.bptt ?? level.bptt, lr: opts.lr, lrDecay: opts.lrDecay, lrDecayAfter: opts.lrDecayAfter,
    optimizer: { ...defaultTrainConfig.optimizer, kind: opts.optimizer }, clip: opts.clip,
  };
}

/**
 * A batch cannot hold more sentences (or stream lanes of ≥ 2 tokens) than the
 * training part has: an explicit batch that does is refused; the default shrinks.
 */
function fitBatch(cfg: TrainConfig, mode: ReadMode, units: number, explicit: boolean, notes: string[], name: (key: string) => string): void {
  const limit = mode === 'stream' ? Math.floor(units / 2) : units;
  if (limit < 1) throw new DataError('the corpus is too small to train on (fewer than 2 tokens)', 'give a larger corpus');
  if (cfg.batch <= limit) return;
  if (explicit) {
    const what = mode === 'stream' ? `number of 2-token lanes in the ${units} training tokens (${limit})` : `${units} training sentences`;
    throw new OptionError(`${name('batch')} ${cfg.batch} is larger than the ${what}`, `use ${name('batch')} ${limit} or less, or a larger corpus`);
  }
  if (cfg.batch !== limit) notes.push(`batch reduced to ${limit} to fit the ${units} training ${mode === 'stream' ? 'tokens' : 'sentences'}`);
  cfg.batch = limit;
}

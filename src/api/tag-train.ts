/**
 * Training a tagger, the whole run (`rnnlm tag train`, and the library's
 * tagTrain): options validated (tag-options.ts), the labelled data read
 * (CoNLL-U or plain CoNLL, tag-data.ts), the vocabularies built, a new tagger
 * (or a checkpoint's, to resume), the core loop (core/tagger-train.ts), and
 * the run policy around it, as api/train.ts has it for the language model:
 * the best checkpoint by dev accuracy written at each evaluation that
 * improves (a failed write reported and tried again at the next evaluation),
 * the latest state at the end when it is not the best, one log record per
 * evaluation, the stop reason. Files go through the FileSink the caller
 * passes; nothing here touches a platform API.
 */
import { serializeTaggerChunks, type TagVocab, type TaggerCheckpoint } from '../checkpoint/tagger-codec.js';
import { DataError, DivergedError, OptionError } from '../core/errors.js';
import { createRng } from '../core/rng.js';
import { createTagger, initTagger, type Tagger, type TaggerConfig } from '../core/tagger.js';
import {
  defaultTaggerTrainConfig, epochBatches, newTaggerTrainState, taggerEngineCapacity, trainTagger,
  type EncodedTagSentence, type SentencePrediction, type TaggerEvalReport, type TaggerStepReport, type TaggerTrainConfig, type TaggerTrainState,
} from '../core/tagger-train.js';
import type { StopReason } from '../core/train.js';
import { callBack, callerSignal, checkSignal, checkPlatform, checkTagger, isObject } from './checks.js';
import { corpusFingerprint } from './fingerprint.js';
import { describeValue, parseWith, readPlain, unknownOption } from './options.js';
import type { Platform } from './platform.js';
import { conlleval, isChunkLabelSet } from './tag-metrics.js';
import { buildTagVocabs, columnValue, encodeTagSentence, missingLabel, readLabelled, unknownWords, type LabelledText } from './tag-data.js';
import { tagTrainOptionsSchema, tagTrainOptionsShape, type TagTrainOptions, type TagTrainOptionsInput } from './tag-options.js';
import { openRunKeeper, type RunFilePaths } from './run-files.js';
import { checkSavedOptions, runLimits } from './setup.js';
import type { Spelling } from './train.js';
import { textFromBytes } from './text.js';

/** The training data: the text itself (the training set alone), or the training and dev sets with their names for messages. */
export type TagTrainData = string | Uint8Array | {
  train: string | Uint8Array;
  /** The dev set: evaluated at each evaluation, by token accuracy, which chooses the best checkpoint. */
  dev?: string | Uint8Array | null;
  trainName?: string;
  devName?: string;
};

export interface TagTrainRun {
  onStep?(r: TaggerStepReport): void | Promise<void>;
  /** After each evaluation, with what was saved and logged. */
  onEval?(r: TagEvalEvent): void | Promise<void>;
  /** Abort to stop after the current step. Anything with a boolean `aborted`. */
  signal?: { readonly aborted: boolean };
  /** Continue this tagger's training exactly (the same data and options). */
  resume?: TaggerCheckpoint;
}

/** best: the best tagger by dev accuracy (the latest without a dev set); see run-files.ts for the policy. */
export interface TagTrainFiles extends RunFilePaths {
  /** Provenance kept in the checkpoints. */
  meta?: Record<string, string | number>;
  /** What else the run was asked for, saved with a new run's options. */
  command?: Record<string, unknown>;
}

export interface TagEvalEvent extends TaggerEvalReport {
  /** The best checkpoint's write at this evaluation: null when there was none to make. */
  saved: { path: string; error: string | null; stillHolds: number | null } | null;
  logError: string | null;
}

/** What a run is about to do, before its first step. */
export interface TagTrainStart {
  config: TaggerConfig;
  parameters: number;
  format: 'conllu' | 'conll';
  label: string | number;
  trainSentences: number;
  trainWords: number;
  devSentences: number | null;
  devWords: number | null;
  /** Share of the dev words that are <UNK> to the word vocabulary. */
  devUnknownRate: number | null;
  labels: readonly string[];
  /** Whether the labels are chunk labels (BIO/BIOES): the dev set is then scored by entity F1 too. */
  chunkLabels: boolean;
  batch: number;
  epochs: number;
  epochBatches: number;
  maxTimeMs: number;
  step: number;
  elapsedMs: number;
  /** The last dev accuracy of a resumed run. */
  devAccuracy: number | null;
  /** Threads the steps run on. */
  threads: number;
  notes: string[];
}

export interface TagTrainOutcome {
  /** The final tagger with its training state (resumable). */
  checkpoint: TaggerCheckpoint;
  reason: StopReason;
  bestDevAccuracy: number | null;
  bestStep: number;
  notes: string[];
  /** With files: the step the best file holds (−1: none written), and where the latest state is. */
  savedBestStep: number;
  latest: string | null;
  logError: string | null;
}

const LIBRARY: Spelling = { name: (k) => k, hint: "tagTrain() takes the options of 'rnnlm tag train --help', in camelCase", what: 'the options of tagTrain()' };
const RUN_KEYS = ['onStep', 'onEval', 'signal', 'resume'] as const;
/** A batch holds at most this many padded words per sentence of the batch size (long sentences come in smaller batches). */
export const WORDS_PER_SENTENCE = 40;

/** What a run trains: its tagger, vocabularies and data section (new, or the resumed checkpoint's). */
interface Setup {
  model: Tagger;
  words: TagVocab;
  chars: TagVocab | null;
  labels: readonly string[];
  data: TaggerCheckpoint['data'];
  tokenizer: TaggerCheckpoint['tokenizer'];
  cfg: TaggerTrainConfig;
  state: TaggerTrainState;
  options: Record<string, unknown>;
  meta: Record<string, string | number>;
}

/**
 * Train a tagger on labelled text with the options of `rnnlm tag train` in
 * camelCase. Everything is checked before any work: an OptionError for an
 * option, a DataError (naming the file and line) for the data. With `files`,
 * the best and latest checkpoints and the log are written as the command
 * line writes them.
 */
export async function tagTrain(
  platform: Platform, data: TagTrainData, options: TagTrainOptionsInput = {}, run: TagTrainRun = {},
  files: TagTrainFiles | null = null, spelling: Spelling = LIBRARY, onStart?: (s: TagTrainStart) => void,
): Promise<TagTrainOutcome> {
  checkPlatform(platform, "tagTrain()'s platform");
  const input = checkData(data);
  const raw = readPlain(options as unknown, spelling.what, spelling.hint) as Record<string, unknown>;
  const opts = parseWith(tagTrainOptionsSchema, raw, spelling.name, spelling.hint, { what: spelling.what, numbersAsNumbers: spelling === LIBRARY });
  const cb = checkRun(run);
  const given = new Set(Object.keys(tagTrainOptionsShape).filter((k) => raw[k] !== undefined));
  const name = spelling.name;
  const resumed = cb.resume ?? null;
  if (resumed && !resumed.training) throw new DataError('the tagger holds no training state', 'resume from a checkpoint tag train wrote (its *.last.json for the latest state), or train afresh');
  const notes: string[] = [];
  if (resumed) refuseChanges(opts, given, resumed, name);

  const trainText = asText(input.train, input.trainName);
  const format = resumed ? resumed.data.format : opts.format;
  const label = resumed ? resumed.data.label : opts.label;
  const train = readLabelled(trainText, format, label, input.trainName, name);
  if (train.sentences.length === 0) throw new DataError(`${input.trainName} has no labelled sentences`, 'give CoNLL-U, or one "word TAB label" line per word with a blank line between sentences');
  const dev = input.dev !== null ? readLabelled(asText(input.dev, input.devName), opts.format, label ?? undefined, input.devName, name) : null;
  if (dev && dev.sentences.length === 0) throw new DataError(`${input.devName} has no labelled sentences`, 'give a dev set in the format of the training data, or none');
  // a dev set with no label at all ('_' everywhere): no accuracy to choose the tagger by, yet it would look as given
  if (dev && dev.sentences.every((s) => s.labels.every((l) => l === missingLabel(dev.format)))) {
    throw new DataError(`the ${JSON.stringify(dev.label)} column of ${input.devName} holds no labels: every word's is "_" (unspecified in CoNLL-U)`, `give a dev set with labels in that column, or choose another with ${name('label')}`);
  }

  const setup = resumed ? resumeSetup(resumed, opts, given, train, trainText, notes, name) : freshSetup(platform, opts, given, train, trainText, notes);
  if (files?.command && !resumed) setup.options = { ...files.command, ...setup.options };
  if (raw['maxTime'] !== undefined && !resumed) setup.options = { ...setup.options, maxTime: raw['maxTime'] };
  const { model, cfg, state, labels } = setup;

  // the sentences as ids; a training label the tagger lacks exists only on resume (a new tagger's labels are the data's)
  const labelIndex = new Map(labels.map((l, i) => [l, i]));
  const missing = missingLabel(setup.data.format);
  const encode = (s: { words: string[]; labels: string[] }) => encodeTagSentence(s.words, setup, { index: labelIndex, of: s.labels, missing });
  const trainSet = train.sentences.map(encode);
  const unseenTrain = [...new Set(train.sentences.flatMap((s) => s.labels.filter((l) => l !== missing && !labelIndex.has(l))))];
  if (unseenTrain.length) {
    throw new DataError(`${input.trainName} has labels the tagger does not know: ${listed(unseenTrain)}`, 'resume on the data the tagger was trained on, or train a new tagger');
  }
  let devSet: EncodedTagSentence[] | null = null, devUnknownRate: number | null = null;
  if (dev) {
    devSet = dev.sentences.map(encode);
    const u = unknownWords(devSet);
    devUnknownRate = u.words > 0 ? u.unknown / u.words : 0;
    const unseen = [...new Set(dev.sentences.flatMap((s) => s.labels.filter((l) => l !== missing && !labelIndex.has(l))))];
    if (unseen.length) notes.push(`${input.devName} has labels the training data lacks (${listed(unseen)}): those words always count as errors`);
  } else if (!resumed) {
    notes.push(`no dev set: the best checkpoint is the latest (give ${name('dev')} to choose it by accuracy${cfg.patience > 0 ? ' and to stop early' : ''})`);
  }
  const chunkLabels = isChunkLabelSet(labels);
  const devGold = dev ? dev.sentences.map((s) => s.labels) : null;
  const epochCount = epochBatches(trainSet.map((s) => s.words.length), cfg.batch, cfg.batchWords, null).length;
  if (resumed && state.batchInEpoch > epochCount) {
    if (resumed.meta['trainFingerprint'] === setup.meta['trainFingerprint']) {
      throw new DataError(`tagger training.state.batchInEpoch is ${state.batchInEpoch}, beyond the ${epochCount} batches of an epoch on its own data`, 'the file is damaged or was edited by hand; resume from an undamaged checkpoint or train afresh');
    }
    Object.assign(state, { epoch: state.epoch + 1, batchInEpoch: 0 });
    notes.push('the checkpoint stopped later in its epoch than this data is long: training goes on from the next epoch');
  }

  const engine = await platform.taggerEngine(model, opts.threads ?? platform.threads, taggerEngineCapacity({ train: trainSet, dev: devSet, charWidth: setup.tokenizer.maxWordChars }, cfg));
  if (engine.fallback !== null && opts.threads !== undefined && opts.threads > 1) notes.push(`training on ${engine.threads} thread${engine.threads === 1 ? '' : 's'}: ${engine.fallback}`);
  onStart?.({
    threads: engine.threads,
    config: model.config, parameters: model.layout.total, format: setup.data.format, label: setup.data.label,
    trainSentences: trainSet.length, trainWords: train.stats.words, devSentences: devSet ? devSet.length : null, devWords: dev ? dev.stats.words : null,
    devUnknownRate, labels, chunkLabels, batch: cfg.batch, epochs: cfg.epochs, epochBatches: epochCount, maxTimeMs: cfg.maxTimeMs,
    step: state.step, elapsedMs: state.elapsedMs, devAccuracy: lastDevAccuracy(state), notes,
  });

  const meta = { ...(files?.meta ?? { createdBy: 'rnnlm' }), ...setup.meta };
  const checkpointAt = (s: TaggerTrainState): TaggerCheckpoint => ({
    tagger: model, words: setup.words, chars: setup.chars, labels, data: setup.data, tokenizer: setup.tokenizer,
    training: { options: setup.options, config: cfg, state: s }, meta,
  });
  const keeper = await openRunKeeper<TaggerTrainState>(platform, files, (s) => serializeTaggerChunks(checkpointAt(s)));

  let result;
  try {
    result = await trainTagger(model, { train: trainSet, dev: devSet, charWidth: setup.tokenizer.maxWordChars }, cfg, state, {
      now: () => platform.now(),
      pause: () => platform.pause(),
      scoreDev: chunkLabels && devGold ? (predicted) => devF1(devGold, predicted, labels) : undefined,
      onStep: async (r) => {
        await callBack(cb.onStep, r, 'callbacks.onStep of tagTrain()');
        // let the platform deliver signals (Ctrl-C) and timers between steps
        await platform.pause();
      },
      onEval: async (r) => {
        const { saved, logError } = await keeper.evaluated(r);
        await callBack(cb.onEval, { ...r, saved, logError }, 'callbacks.onEval of tagTrain()');
      },
    }, { signal: callerSignal(cb.signal, 'callbacks.signal of tagTrain()'), engine });
  } catch (err) {
    throw err instanceof DivergedError ? keeper.diverged(err) : err;
  } finally {
    await engine.close();
  }

  const { latest, logError } = await keeper.finish(state);
  return {
    checkpoint: checkpointAt(state), reason: result.reason, bestDevAccuracy: state.bestDevAccuracy, bestStep: state.bestStep,
    notes, savedBestStep: keeper.savedBestStep, latest, logError,
  };
}

/** Entity F1 (conlleval's, 0 to 1) of predicted label ids against the gold labels. */
function devF1(gold: readonly (readonly string[])[], predicted: readonly SentencePrediction[], labels: readonly string[]): number {
  return conlleval(gold, predicted.map((p) => Array.from(p.labels, (id) => labels[id]!))).overall.f1;
}

function lastDevAccuracy(state: TaggerTrainState): number | null {
  for (let i = state.history.length - 1; i >= 0; i--) if (state.history[i]!.devAccuracy !== null) return state.history[i]!.devAccuracy;
  return null;
}

function listed(xs: readonly string[]): string {
  return xs.slice(0, 5).map((x) => JSON.stringify(x)).join(', ') + (xs.length > 5 ? `, … (${xs.length} in all)` : '');
}

/** A new run: vocabularies of the training data, a tagger drawn from the seed, a fresh state. */
function freshSetup(platform: Platform, opts: TagTrainOptions, given: ReadonlySet<string>, train: LabelledText, text: string, notes: string[]): Setup {
  const vocabs = buildTagVocabs(train.sentences, { lowercase: opts.lowercase, minCount: opts.minCount, chars: opts.chars, missing: missingLabel(train.format) });
  if (vocabs.labels.length === 0) {
    throw new DataError(`the ${JSON.stringify(train.label)} column of the training data holds no labels: every word's is "_" (unspecified in CoNLL-U)`, 'choose a column that has them with --label (label in the library), e.g. xpos or deprel');
  }
  if (vocabs.rareWords > 0 && opts.minCount > 1) {
    notes.push(`${vocabs.rareWords} word${vocabs.rareWords === 1 ? '' : 's'} seen fewer than ${opts.minCount} times read as <UNK>${opts.chars ? ' (their characters still read)' : ''}; vocabulary ${vocabs.words.tokens.length} word${vocabs.words.tokens.length === 1 ? '' : 's'}`);
  }
  if (vocabs.labels.length < 2) notes.push(`the training data has one label only (${JSON.stringify(vocabs.labels[0])}): every word will get it`);
  const config: TaggerConfig = {
    cell: opts.cell, peephole: opts.peephole, layers: opts.layers, hidden: opts.hidden, vocabSize: vocabs.words.tokens.length,
    embedding: opts.embedding, labels: vocabs.labels.length, dropout: opts.dropout,
    chars: opts.chars ? { vocabSize: vocabs.chars!.tokens.length, embedding: opts.charEmbedding, hidden: opts.charHidden } : null,
  };
  const model = createTagger(config, platform.backend);
  const rng = createRng(opts.seed);
  initTagger(model, rng);
  const cfg = trainConfig(opts, given, null, null);
  return {
    model, words: vocabs.words, chars: vocabs.chars, labels: vocabs.labels,
    data: { format: train.format, label: train.label },
    tokenizer: { lowercase: opts.lowercase, maxWordChars: opts.maxWordChars },
    cfg, state: newTaggerTrainState(model, cfg, rng.state()),
    options: { ...Object.fromEntries([...given].map((k) => [k, (opts as Record<string, unknown>)[k]])), seed: opts.seed, minCount: opts.minCount },
    meta: { trainFingerprint: corpusFingerprint(text) },
  };
}

/** Training settings a resumed run may change (the continuation is then no longer the exact one). */
const SETTING_KEYS = ['lr', 'lrDecay', 'lrDecayAfter', 'clip', 'batch', 'dropout', 'wordDropout'] as const;

/** A resumed run: the checkpoint's tagger, vocabularies and state; changed settings applied and said. */
function resumeSetup(ck: TaggerCheckpoint, opts: TagTrainOptions, given: ReadonlySet<string>, train: LabelledText, text: string, notes: string[], name: (k: string) => string): Setup {
  const t = ck.training!;
  const was: Record<(typeof SETTING_KEYS)[number], number> = {
    lr: t.config.lr, lrDecay: t.config.lrDecay, lrDecayAfter: t.config.lrDecayAfter, clip: t.config.clip, batch: t.config.batch, dropout: ck.tagger.config.dropout, wordDropout: t.config.wordDropout,
  };
  const o = opts as Record<string, unknown>;
  const changed = SETTING_KEYS.filter((k) => given.has(k) && o[k] !== was[k]);
  let model = ck.tagger;
  if (changed.includes('dropout')) model = { ...model, config: { ...model.config, dropout: opts.dropout } };
  const cfg = trainConfig(opts, given, t.config, t.state);
  const state = t.state;
  if (changed.includes('batch')) {
    const lengths = train.sentences.map((s) => s.words.length);
    const before = epochBatches(lengths, t.config.batch, t.config.batchWords, null).length;
    const after = epochBatches(lengths, cfg.batch, cfg.batchWords, null).length;
    state.batchInEpoch = before > 0 ? Math.min(Math.floor((state.batchInEpoch / before) * after), Math.max(0, after - 1)) : 0;
  }
  if (changed.length) {
    notes.push(`resumed with changed training settings: ${changed.map((k) => `${name(k)} ${String(o[k])} (was ${was[k]})`).join(', ')}; the continuation is no longer the exact one`);
  }
  const fingerprint = corpusFingerprint(text);
  if (typeof ck.meta['trainFingerprint'] === 'string' && ck.meta['trainFingerprint'] !== fingerprint) {
    notes.push('this training data is not the data the tagger was trained on: the continuation is not the exact one');
  }
  return {
    model, words: ck.words, chars: ck.chars, labels: ck.labels, data: ck.data, tokenizer: ck.tokenizer, cfg, state,
    // the saved options checked as a new run's are (a hand-edited seed "abc" is refused, not carried on), unknown keys kept for info
    options: { ...t.options, ...checkSavedOptions(t.options, tagTrainOptionsShape, 'tagger'), ...Object.fromEntries(changed.map((k) => [k, o[k]])) },
    meta: { trainFingerprint: fingerprint },
  };
}

/**
 * On resume, the options that make the tagger what it is (architecture,
 * vocabularies, data format, seed) must be those it has: one OptionError
 * naming each that differs, with both values.
 */
function refuseChanges(opts: TagTrainOptions, given: ReadonlySet<string>, ck: TaggerCheckpoint, name: (k: string) => string): void {
  const c = ck.tagger.config, saved = ck.training!.options;
  const kept: Record<string, unknown> = {
    cell: c.cell, peephole: c.peephole, layers: c.layers, hidden: c.hidden, embedding: c.embedding, chars: c.chars !== null && c.chars !== undefined,
    ...(c.chars ? { charEmbedding: c.chars.embedding, charHidden: c.chars.hidden } : {}),
    maxWordChars: ck.tokenizer.maxWordChars, lowercase: ck.tokenizer.lowercase, label: ck.data.label,
    ...(typeof saved['minCount'] === 'number' ? { minCount: saved['minCount'] } : {}),
    ...(typeof saved['seed'] === 'number' ? { seed: saved['seed'] } : {}),
    ...(typeof saved['optimizer'] === 'string' ? { optimizer: saved['optimizer'] } : { optimizer: ck.training!.config.optimizer.kind }),
  };
  const o = opts as Record<string, unknown>;
  const now = (k: string) => (k === 'label' ? columnValue(o[k] as string | number) : o[k]);
  // a CoNLL-U column name is any case (UPOS is upos)
  const same = (a: unknown, b: unknown) => a === b || (typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase());
  const differ = Object.keys(kept).filter((k) => given.has(k) && !same(now(k), kept[k]));
  if (given.has('format') && opts.format !== 'auto' && opts.format !== ck.data.format) differ.push('format');
  if (differ.length === 0) return;
  const show = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : String(v));
  const keptOf = (k: string) => (k === 'format' ? ck.data.format : kept[k]);
  throw new OptionError(`a resumed run keeps the tagger's architecture, vocabularies and data format, and ${differ.map((k) => `${name(k)} ${show(k === 'format' ? opts.format : now(k))} differs from its ${show(keptOf(k))}`).join('; ')}`,
    'drop these options, or train a new tagger instead of resuming');
}

/** The core's TaggerTrainConfig from options (fresh), or from the checkpoint's with the settings given (resumed); limits count from where this run starts. */
function trainConfig(opts: TagTrainOptions, given: ReadonlySet<string>, base: TaggerTrainConfig | null, state: TaggerTrainState | null): TaggerTrainConfig {
  const limits = runLimits(opts, given, base, state);
  if (base) {
    const pick = <K extends 'lr' | 'lrDecay' | 'lrDecayAfter' | 'clip' | 'batch' | 'wordDropout'>(k: K): TaggerTrainConfig[K] => (given.has(k) ? opts[k] : base[k]);
    const batch = pick('batch');
    return { ...base, ...limits, lr: pick('lr'), lrDecay: pick('lrDecay'), lrDecayAfter: pick('lrDecayAfter'), clip: pick('clip'), wordDropout: pick('wordDropout'), batch, batchWords: given.has('batch') ? WORDS_PER_SENTENCE * batch : base.batchWords, optimizer: { ...base.optimizer } };
  }
  return {
    ...defaultTaggerTrainConfig, ...limits, batch: opts.batch, batchWords: WORDS_PER_SENTENCE * opts.batch, lr: opts.lr, lrDecay: opts.lrDecay, lrDecayAfter: opts.lrDecayAfter,
    optimizer: { ...defaultTaggerTrainConfig.optimizer, kind: opts.optimizer }, clip: opts.clip, wordDropout: opts.wordDropout,
  };
}

function asText(x: string | Uint8Array, name: string): string {
  if (typeof x === 'string') {
    const nul = x.indexOf('\u0000');
    if (nul >= 0) throw new DataError(`${name} looks like a binary file (a NUL character at offset ${nul})`, 'give UTF-8 text');
    return x;
  }
  return textFromBytes(x, name);
}

const isText = (x: unknown): x is string | Uint8Array => typeof x === 'string' || x instanceof Uint8Array;

/** The first argument of tagTrain(): text, or { train, dev, trainName, devName }. */
function checkData(data: unknown): { train: string | Uint8Array; dev: string | Uint8Array | null; trainName: string; devName: string } {
  const hint = "pass the training data's text (CoNLL-U or word TAB label lines), or { train, dev } with both texts";
  if (isText(data)) return { train: data, dev: null, trainName: 'the training data', devName: 'the dev data' };
  data = readPlain(data, "tagTrain()'s data", hint);
  if (!isObject(data) || Array.isArray(data)) throw new OptionError(`tagTrain()'s data must be a string, bytes, or { train, dev } (got ${describeValue(data)})`, hint);
  const d = data as Record<string, unknown>;
  const known = ['train', 'dev', 'trainName', 'devName'];
  const unknown = Object.keys(d).find((k) => !known.includes(k));
  if (unknown !== undefined) throw unknownOption(unknown, known, (k) => `data.${k}`, hint, {}, false);
  if (!isText(d['train'])) throw new OptionError(`tagTrain()'s data.train must be a string or bytes (got ${describeValue(d['train'])})`, hint);
  if (d['dev'] !== undefined && d['dev'] !== null && !isText(d['dev'])) throw new OptionError(`tagTrain()'s data.dev must be a string or bytes (got ${describeValue(d['dev'])})`, hint);
  for (const k of ['trainName', 'devName']) if (d[k] !== undefined && typeof d[k] !== 'string') throw new OptionError(`tagTrain()'s data.${k} must be a string (got ${describeValue(d[k])})`, 'a name for messages, e.g. the file name');
  return {
    train: d['train'] as string | Uint8Array, dev: (d['dev'] as string | Uint8Array | undefined) ?? null,
    trainName: (d['trainName'] as string | undefined) ?? 'the training data', devName: (d['devName'] as string | undefined) ?? 'the dev data',
  };
}

/** The third argument of tagTrain(): known keys, functions where functions go, a tagger to resume. */
function checkRun(cb: unknown): TagTrainRun {
  const hint = `tagTrain()'s fourth argument takes ${RUN_KEYS.join(', ')}`;
  if (cb === undefined) return {};
  cb = readPlain(cb, 'the callbacks of tagTrain()', hint);
  if (!isObject(cb) || Array.isArray(cb)) throw new OptionError(`the callbacks of tagTrain() must be an object such as { onStep, signal } (got ${describeValue(cb)})`, hint);
  const unknown = Object.keys(cb).find((k) => !(RUN_KEYS as readonly string[]).includes(k));
  if (unknown !== undefined) throw unknownOption(unknown, RUN_KEYS, (k) => `callbacks.${k}`, hint, {}, false);
  for (const k of ['onStep', 'onEval'] as const) {
    if (cb[k] !== undefined && typeof cb[k] !== 'function') throw new OptionError(`callbacks.${k} must be a function (got ${describeValue(cb[k])})`, `e.g. ${k}: (r) => console.error(r.step)`);
  }
  checkSignal(cb['signal'], 'callbacks.signal', 'pass the signal of an AbortController');
  if (cb['resume'] !== undefined) checkTagger(cb['resume'], 'callbacks.resume');
  return cb as TagTrainRun;
}

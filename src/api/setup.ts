/**
 * From text and options to everything a training run needs: sentences, the
 * validation split (by the seed), the vocabulary, the encoded data, the
 * model (new, or from a checkpoint to resume), the training configuration
 * and state. Pure: the CLI and the library both call it and do their own I/O.
 */
import { epochPlan, type ReadMode } from '../core/batches.js';
import { encodeSplit, prepareData, splitTrainVal } from '../core/data.js';
import { DataError, OptionError } from '../core/errors.js';
import { memoryNeed, refuseIfTooLarge } from '../core/memory.js';
import { createOptimizerState } from '../core/optimizer.js';
import { referenceBackend, type Backend } from '../core/backend.js';
import { CHAR_INIT, createModel, initModel, validateConfig, WORD_INIT, type Model, type ModelConfig } from '../core/model.js';
import { adaptiveProblem, defaultCutoffs, DEFAULT_ADAPTIVE_DIV } from '../core/adaptive.js';
import { createRng } from '../core/rng.js';
import { countTokens, normalizeText, readModeOf, splitSentences, type EncodedCorpus, type SentenceMode, type TokenizerConfig } from '../core/tokenize.js';
import { defaultTrainConfig, newTrainState, type TrainConfig, type TrainState } from '../core/train.js';
import { compareCodePoints, EOS_TOKEN, UNK_TOKEN, vocabFromTokens, type Vocab } from '../core/vocab.js';
import type { Checkpoint, TokenizerSettings } from '../checkpoint/codec.js';
import { LEVEL_DEFAULTS, trainOptionsShape, type TrainOptions } from './options.js';
import { corpusFingerprint } from './fingerprint.js';
import { sentenceSet } from './novelty.js';

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
  /** Things the user should know (no validation set, vocabulary capped, batch shrunk, settings changed on resume). */
  notes: string[];
  /** What identifies the corpus (saved in the checkpoint's meta, checked by --resume); and the validation text, when one was given. */
  corpus: { fingerprint: string; unkRate: number; valFingerprint: string | null };
  /** The training and validation sentences as a hash set (api/novelty.ts), saved in the checkpoint; null in file mode or beyond MAX_TRAIN_SENTENCES. */
  trainSentences: Uint32Array | null;
}

/**
 * The most sentences (training and validation together) whose set a
 * checkpoint keeps: 8 bytes each, so at most 8 MB (~11 MB of base64) in the
 * file. A larger corpus gets no set (and a note), rather than a partial one
 * that would call copies new.
 */
export const MAX_TRAIN_SENTENCES = 1_000_000;

/**
 * Fine-tuning: a new run (fresh optimizer, schedule and step count) that
 * starts from a model's weights, with its architecture, tokenizer and
 * vocabulary; `addTokens` adds the new corpus's tokens to the vocabulary.
 */
export interface FineTune {
  from: Checkpoint;
  addTokens: boolean;
}

/**
 * `given` names the options the user set explicitly (the rest are defaults):
 * a resumed run refuses explicit changes to the architecture, and an explicit
 * batch larger than the corpus is an error while the default shrinks.
 * `init` makes it a fine-tuning run (never with `resumed`).
 */
export function prepareTraining(
  text: string, opts: TrainOptions, given: ReadonlySet<string>, resumed: Checkpoint | null = null,
  /** how to spell an option in messages: `hidden` in code, `--hidden` on the command line */
  name: (key: string) => string = (k) => k,
  /** what a new model computes on (a resumed one keeps its checkpoint's) */
  backend: Backend = referenceBackend,
  init: FineTune | null = null,
  /** A validation text of its own (`--val-file`): held out as it is, instead of a fraction of the corpus. */
  valText: string | null = null,
): TrainingSetup {
  const notes: string[] = [];
  if (valText !== null && given.has('valFraction') && opts.valFraction > 0) {
    throw new OptionError(`${name('valText')} and ${name('valFraction')} cannot go together`, `${name('valText')} is the validation text already: drop ${name('valFraction')}`);
  }
  if (init && resumed) throw new OptionError(`${name('initFrom')} and ${name('resume')} cannot go together`, `${name('resume')} continues a run exactly; ${name('initFrom')} starts a new run from a model's weights: give one of them`);
  const base = init?.from ?? null;
  if (base) refuseFineTuneChanges(opts, given, base, init!.addTokens, name);
  if (resumed && !resumed.training) {
    throw new DataError('the checkpoint holds a model without training state', 'resume from the checkpoint train wrote (e.g. model.last.json), or train afresh');
  }
  const t = resumed?.training ?? null;
  // the saved options, checked once: for what the run keeps, and (with what changes) saved again
  const savedOptions = t ? checkSavedOptions(t.options) : null;
  const kept = resumed && savedOptions ? keptSettings(resumed, savedOptions) : null;
  if (kept) {
    refuseOutputLayerChange(given, name, "a resumed run keeps the checkpoint's output layer");
    refuseDiffering(opts, given, { ...kept }, "a resumed run keeps the checkpoint's model, tokenizer and data split",
      'drop these options, or train a new model instead of resuming', name);
  }
  const tokenizer: TokenizerSettings = resumed?.tokenizer ?? base?.tokenizer ?? {
    level: opts.level, lowercase: opts.lowercase, unkToken: opts.unkToken ?? null, sentence: opts.sentence as SentenceMode,
    ...(opts.pretokenized ? { split: 'whitespace' as const } : {}),
  };
  const tok: TokenizerConfig = { level: tokenizer.level, lowercase: tokenizer.lowercase, unkToken: tokenizer.unkToken, split: tokenizer.split };
  const seed = kept ? kept.seed : opts.seed;
  // a validation text of its own holds nothing out of the corpus
  const valFraction = valText !== null ? 0 : kept ? kept.valFraction : opts.valFraction;

  checkWellFormed(text, 'the text');
  const normalized = normalizeText(text);
  const sentences = splitSentences(normalized, tokenizer.sentence);
  if (sentences.length === 0) throw new DataError('the corpus has no text to train on (it is empty or only blank lines)', 'give UTF-8 text with at least one non-blank line');
  const heldOut = valText === null ? null : validationText(valText, tokenizer.sentence, resumed, name);
  // the split is the first use of the seed's generator, so a resumed run splits the same way (a validation text draws nothing)
  const rng = createRng(seed);
  const split = heldOut ? { train: sentences, val: heldOut.sentences } : splitTrainVal(sentences, valFraction, rng, tokenizer.sentence);
  if (!heldOut && typeof resumed?.meta['valFingerprint'] === 'string') {
    throw new DataError(`the checkpoint's run was validated on a text of its own (${name('valText')}), and none is given`, `give the same validation text again with ${name('valText')}: a resumed run keeps its data split`);
  }
  if (split.val.length === 0 && valFraction > 0 && !t) notes.push(`the corpus is too small to hold out ${valFraction} for validation; training without validation`);

  let vocab: Vocab, counts: number[] | null, data: { train: EncodedCorpus; val: EncodedCorpus | null };
  if (resumed) {
    vocab = resumed.vocab;
    counts = resumed.counts;
    data = encodeSplit(split, vocab, tok);
  } else if (base) {
    if (split.train.length === 0) throw new DataError('the corpus has no text to train on (it is empty or only blank lines)', 'give a file with at least one non-blank line');
    const newCounts = countTokens(split.train, tok);
    // the <UNK> rate of the new corpus under the model's own vocabulary, training and validation parts together
    const before = unkCount(encodeSplit(split, base.vocab, tok));
    const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
    const share = `${before.unk} of the corpus's ${count(before.tokens, 'token')} (${pct(before.tokens > 0 ? before.unk / before.tokens : 0)})`;
    if (init!.addTokens) {
      // the level's cap on the whole vocabulary holds here too (the output layer grows with it), unless given
      const added = newTokens(newCounts, base.vocab, opts.minCount, opts.maxVocab ?? Math.max(base.vocab.tokens.length, LEVEL_DEFAULTS[tokenizer.level].maxVocab));
      vocab = added.tokens.length ? vocabFromTokens([...base.vocab.tokens, ...added.tokens]) : base.vocab;
      notes.push(`fine-tuning: ${share} were <UNK> under the model's vocabulary; ${count(added.tokens.length, 'new token')} added (vocabulary ${base.vocab.tokens.length} → ${vocab.tokens.length})${added.left ? `, ${count(added.left, 'other')} left as <UNK> (${name('maxVocab')}, ${name('minCount')})` : ''}`);
    } else {
      vocab = base.vocab;
      notes.push(`fine-tuning with the model's vocabulary of ${vocab.tokens.length} tokens: ${share} are <UNK>${before.unk > 0 ? ` (${name('addTokens')} adds its new tokens to the vocabulary)` : ''}`);
    }
    // what the file's counts mean: how often each token was trained on, the model's corpus and this one
    counts = base.counts ? vocab.tokens.map((tk, i) => (i < 2 ? 0 : (base.counts![i] ?? 0) + (newCounts.get(tk) ?? 0))) : null;
    data = encodeSplit(split, vocab, tok);
  } else {
    const maxVocab = opts.maxVocab ?? LEVEL_DEFAULTS[tokenizer.level].maxVocab;
    // an adaptive softmax's clusters are ranges of ids: its vocabulary runs from the most frequent token down
    const p = prepareData(split, tok, { maxVocab, minCount: opts.minCount, minCountName: name('minCount'), ...(opts.adaptive || opts.cutoffs !== undefined ? { order: 'frequency' as const } : {}) });
    const marker = tokenizer.level === 'word' && tokenizer.unkToken === null ? unkLookingWord(normalized) : null;
    if (marker) {
      notes.push(`the corpus writes ${marker.word} ${marker.count} time${marker.count === 1 ? '' : 's'}, which looks like its mark for an unknown word; it is read as ${tokenizer.split === 'whitespace' ? 'an ordinary word' : 'the tokens <, unk, >'} — with ${name('unkToken')} '${marker.word}' it would be <UNK>`);
    }
    if (p.dropped > 0) notes.push(`vocabulary capped at ${p.vocab.tokens.length} of ${p.distinct + 2} tokens; the ${p.dropped} rarest map to <UNK> (${name('maxVocab')}, ${name('minCount')})`);
    ({ vocab, counts } = p);
    data = p;
  }
  const mode: ReadMode = readModeOf(tokenizer.sentence);
  // a stream of one token has nothing to predict: no validation rather than a loss of 0/0
  if (data.val && mode === 'stream' && data.val.ids.length < 2) {
    data = { train: data.train, val: null };
    if (valFraction > 0 || heldOut) notes.push(`the validation ${heldOut ? 'text' : 'part'} is too small to predict anything; training without validation`);
  }
  const corpus = { fingerprint: corpusFingerprint(normalized), unkRate: unkRate(data), valFingerprint: heldOut?.fingerprint ?? null };
  if (resumed) {
    const note = checkSameCorpus(resumed, corpus, name);
    if (note) notes.push(note);
  }
  const units = mode === 'stream' ? data.train.ids.length : data.train.starts.length - 1;

  let model: Model, cfg: TrainConfig, state: TrainState, options: Record<string, unknown>;
  if (t) {
    model = resumed!.model;
    state = t.state;
    checkSavedState(t.config.mode, mode);
    const windows = epochPlan(data.train, mode, t.config.batch, t.config.bptt, 0).windows;
    if (state.windowInEpoch > windows) {
      if (resumed!.meta['corpusFingerprint'] === corpus.fingerprint) {
        throw new DataError(`checkpoint training.state.windowInEpoch is ${state.windowInEpoch}, beyond the ${windows} steps of an epoch on its own corpus`, DAMAGED);
      }
      // another, shorter corpus: the saved place in the epoch does not exist in it; start the next epoch
      state = { ...state, epoch: state.epoch + 1, windowInEpoch: 0, carry: null };
      notes.push('the checkpoint stopped later in its epoch than this corpus is long: training goes on from the next epoch');
    }
    cfg = trainConfig(opts, mode, t.config, state, given);
    const changed = changedSettings(opts, given, t.config, model.config);
    if (changed.length) {
      ({ model, state } = applyChanges(changed, model, state, t.config, cfg, data.train, mode, opts, name));
      notes.push(`resumed with changed training settings: ${changed.map((c) => `${name(c.key)} ${c.now} (was ${c.was})`).join(', ')}; the continuation is no longer the exact one`);
    }
    fitBatch(cfg, mode, units, given.has('batch'), notes, name);
    if (cfg.batch !== t.config.batch) state.carry = null;
    // the saved options as checked ("20" read as 20), unknown keys kept for info, changed settings as now
    options = { ...t.options, ...savedOptions, ...Object.fromEntries(changed.map((c) => [c.key, c.now])) };
  } else {
    const bc = base?.model.config;
    const config: ModelConfig = bc
      ? withDropout({ ...bc, vocabSize: vocab.tokens.length }, opts, given, name)
      : checkedDropout({
        cell: opts.cell, peephole: opts.peephole, layers: opts.layers, hidden: opts.hidden, vocabSize: vocab.tokens.length,
        embedding: opts.embedding ?? (opts.tied ? opts.hidden : LEVEL_DEFAULTS[tokenizer.level].embedding),
        ...dropoutConfig(opts),
        ...(opts.tied ? { tied: true } : {}),
        ...outputLayer(opts, vocab.tokens.length, data.train.ids, name),
      }, name);
    cfg = trainConfig(opts, mode, null, null, given, LEVEL_DEFAULTS[tokenizer.level]);
    fitBatch(cfg, mode, units, given.has('batch'), notes, name);
    refuseIfTooLarge(memoryNeed(config, cfg.bptt, cfg.batch, opts.threads ?? 1, cfg.optimizer.kind), name);
    model = createModel(config, backend);
    // a fine-tuned model: the new rows (added tokens) as a fresh model draws them, then the model's weights over them
    if (!base || vocab !== base.vocab) initModel(model, rng, tokenizer.level === 'word' ? WORD_INIT : CHAR_INIT);
    if (base) copyWeights(base.model, model);
    state = newTrainState(model, cfg, rng.state());
    options = { ...Object.fromEntries([...given].map((k) => [k, (opts as Record<string, unknown>)[k]])), seed, ...(heldOut ? {} : { valFraction }) };
  }
  if (t) refuseIfTooLarge(memoryNeed(model.config, cfg.bptt, cfg.batch, opts.threads ?? 1, cfg.optimizer.kind), name);
  const epochWindows = epochPlan(data.train, mode, cfg.batch, cfg.bptt, 0).windows;
  // a fresh run without evalEvery: about every 200 steps, and at least once per epoch
  if (!t && !opts.evalEvery) cfg.evalEvery = epochWindows > 300 ? 200 : 0;
  let trainSentences = sentencesOf(mode, data, notes);
  // a fine-tuned model saw its base model's sentences too (their ids are kept)
  if (base && trainSentences) trainSentences = base.trainSentences ? unionCapped(base.trainSentences, trainSentences, notes) : null;
  return { model, vocab, counts, tokenizer, tok, mode, train: data.train, val: data.val, cfg, state, options, epochWindows, notes, corpus, trainSentences };
}

/** The set of the training and validation sentences, for marking samples that copy one; null in file mode (no sentences) or past the cap. */
function sentencesOf(mode: ReadMode, data: { train: EncodedCorpus; val: EncodedCorpus | null }, notes: string[]): Uint32Array | null {
  if (mode === 'stream') return null;
  const n = data.train.starts.length - 1 + (data.val ? data.val.starts.length - 1 : 0);
  if (n > MAX_TRAIN_SENTENCES) {
    notes.push(`the corpus has ${n} sentences, more than the ${MAX_TRAIN_SENTENCES} whose set a model keeps: samples that copy a training sentence cannot be marked`);
    return null;
  }
  return sentenceSet(data.train, data.val);
}

/** A whitespace-separated word that corpora use for an unknown word (<unk>, <UNK>, <oov>), and how often it occurs. */
function unkLookingWord(text: string): { word: string; count: number } | null {
  const re = /(?<=^|\s)<(?:unk|oov)>(?=\s|$)/giu;
  let first: string | null = null;
  let count = 0;
  for (const m of text.matchAll(re)) {
    first ??= m[0];
    count++;
  }
  return first ? { word: first, count } : null;
}

/** Share of the corpus's tokens (<EOS> aside) that are <UNK> under the vocabulary. */
function unkRate(data: { train: EncodedCorpus; val: EncodedCorpus | null }): number {
  const { unk, tokens } = unkCount(data);
  return tokens > 0 ? unk / tokens : 0;
}

/** The corpus's <UNK> tokens and all its tokens, <EOS> aside. */
function unkCount(data: { train: EncodedCorpus; val: EncodedCorpus | null }): { unk: number; tokens: number } {
  let unk = 0, tokens = 0;
  for (const part of [data.train, data.val]) {
    if (!part) continue;
    unk += part.unkCount;
    tokens += part.ids.length - (part.starts.length - 1);
  }
  return { unk, tokens };
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

/**
 * The tokens of the new corpus (counts of its training part) that the
 * vocabulary lacks and that occur at least minCount times, in code-point
 * order; with maxVocab, only as many as fit (the most frequent, ties in
 * code-point order). `left`: those that stay <UNK>.
 */
function newTokens(counts: ReadonlyMap<string, number>, vocab: Vocab, minCount: number, maxVocab: number | undefined): { tokens: string[]; left: number } {
  const fresh: [string, number][] = [];
  for (const [t, n] of counts) if (t !== EOS_TOKEN && t !== UNK_TOKEN && !vocab.index.has(t) && n > 0) fresh.push([t, n]);
  let kept = fresh.filter(([, n]) => n >= minCount);
  const room = maxVocab === undefined ? Infinity : Math.max(0, maxVocab - vocab.tokens.length);
  if (kept.length > room) kept = kept.sort((a, b) => b[1] - a[1] || compareCodePoints(a[0], b[0])).slice(0, room);
  const tokens = kept.map(([t]) => t).sort(compareCodePoints);
  return { tokens, left: fresh.length - tokens.length };
}

/**
 * The model's weights into `to`, a model of the same architecture whose
 * vocabulary may have grown (new ids after the old ones): each tensor whose
 * shape depends on V (embedding rows, one-hot input columns, decoder rows and
 * biases) gets the old values in its first rows or columns, bit for bit;
 * the rest of it is left as it is (a fresh model's draws).
 */
function copyWeights(from: Model, to: Model): void {
  const old = new Map(from.layout.tensors.map((t) => [t.name, t]));
  for (const t of to.layout.tensors) {
    const o = old.get(t.name)!;
    const src = from.params.data, dst = to.params.data;
    if (t.shape.length === 1 || (t.shape[1] === o.shape[1])) {
      // the same shape, or more rows: the old values are the first ones
      for (let i = 0; i < o.size; i++) dst[t.offset + i] = src[o.offset + i]!;
    } else {
      // more columns (one-hot input): each row's first columns
      const [rows, cols] = o.shape as [number, number];
      const wide = t.shape[1]!;
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) dst[t.offset + r * wide + c] = src[o.offset + r * cols + c]!;
    }
  }
}

/** Two sentence sets as one (sorted, distinct), or null with a note when the union passes MAX_TRAIN_SENTENCES. */
function unionCapped(a: Uint32Array, b: Uint32Array, notes: string[]): Uint32Array | null {
  const out = new Uint32Array(a.length + b.length);
  let i = 0, j = 0, k = 0;
  const put = (h: number, l: number) => {
    if (k >= 2 && out[k - 2] === h && out[k - 1] === l) return;
    out[k++] = h;
    out[k++] = l;
  };
  while (i < a.length || j < b.length) {
    const takeA = j >= b.length || (i < a.length && (a[i]! < b[j]! || (a[i] === b[j] && a[i + 1]! <= b[j + 1]!)));
    if (takeA) { put(a[i]!, a[i + 1]!); i += 2; } else { put(b[j]!, b[j + 1]!); j += 2; }
  }
  if (k / 2 > MAX_TRAIN_SENTENCES) {
    notes.push(`the model's sentences and this corpus's are ${k / 2}, more than the ${MAX_TRAIN_SENTENCES} whose set a model keeps: samples that copy a training sentence cannot be marked`);
    return null;
  }
  return out.slice(0, k);
}

/**
 * Fine-tuning keeps the model's architecture and tokenizer (and vocabulary:
 * maxVocab and minCount only with addTokens, for the tokens it adds): an
 * option given with another value is refused with both values.
 */
function refuseFineTuneChanges(opts: TrainOptions, given: ReadonlySet<string>, base: Checkpoint, addTokens: boolean, name: (key: string) => string): void {
  refuseOutputLayerChange(given, name, "a fine-tuned model keeps the model's output layer");
  refuseDiffering(opts, given, modelSettings(base), "a fine-tuned model keeps the model's architecture and tokenizer",
    'drop these options (fine-tuning takes them from the model), or train a new model', name);
  const vocabKeys = ['maxVocab', 'minCount'].filter((k) => given.has(k));
  if (!addTokens && vocabKeys.length) {
    throw new OptionError(`${vocabKeys.map(name).join(' and ')} would change the vocabulary, which fine-tuning keeps as the model's`,
      `drop ${vocabKeys.length > 1 ? 'them' : 'it'}, or add the corpus's new tokens with ${name('addTokens')} (${vocabKeys.map(name).join(' and ')} then choose which)`);
  }
}

/**
 * A checkpoint's read mode must be the one its tokenizer implies (a
 * file-mode model reads a stream).
 */
function checkSavedState(saved: ReadMode, mode: ReadMode): void {
  if (saved !== mode) {
    throw new DataError(`checkpoint training.config.mode is "${saved}", but its tokenizer reads ${mode === 'stream' ? 'one stream (sentence "file")' : 'sentences'}`, DAMAGED);
  }
}

const DAMAGED = 'the file is damaged or was edited by hand; resume from an undamaged checkpoint or train afresh';

/** How much more <UNK> a different corpus may have than the run's own before --resume refuses it. */
const UNK_MARGIN = 0.05;

/** A JavaScript string can hold half of a surrogate pair, which no file can: refuse it rather than train a token that cannot be saved. */
function checkWellFormed(text: string, what: string): void {
  const broken = text.search(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
  if (broken >= 0) throw new DataError(`${what} holds a lone surrogate (U+${text.charCodeAt(broken).toString(16).toUpperCase()}) at character ${broken}, which is not Unicode text`, 'pass well-formed text (e.g. text.toWellFormed(), or read the file as UTF-8)');
}

/**
 * A validation text of its own, split into sentences as the corpus is. A
 * resumed run must be given the text it was validated on (by fingerprint),
 * and only if it had one: its data split is kept.
 */
function validationText(valText: string, sentence: SentenceMode, resumed: Checkpoint | null, name: (key: string) => string): { sentences: string[]; fingerprint: string } {
  checkWellFormed(valText, 'the validation text');
  const normalized = normalizeText(valText);
  const sentences = splitSentences(normalized, sentence);
  if (sentences.length === 0) throw new DataError('the validation text is empty or only blank lines', `give ${name('valText')} UTF-8 text with at least one non-blank line`);
  const fingerprint = corpusFingerprint(normalized);
  if (resumed) {
    const saved = resumed.meta['valFingerprint'];
    if (typeof saved !== 'string') {
      throw new OptionError(`the checkpoint's run was not validated on a text of its own, so ${name('valText')} would change its data split`, `drop ${name('valText')} to resume it; a resumed run keeps its data split`);
    }
    if (saved !== fingerprint) throw new DataError('the validation text is not the one the checkpoint\'s run was validated on', `give the same validation text as when the run started (${name('valText')}): a resumed run keeps its data split`);
  }
  return { sentences, fingerprint };
}

/**
 * --resume continues a run on the corpus it started on. Another corpus is
 * said in a note, with its <UNK> rate under the checkpoint's vocabulary; one
 * that the vocabulary does not cover (more than UNK_MARGIN above the run's
 * own rate) is refused: resuming is not fine-tuning.
 */
function checkSameCorpus(ck: Checkpoint, corpus: { fingerprint: string; unkRate: number }, name: (key: string) => string): string | null {
  const saved = ck.meta['corpusFingerprint'];
  if (saved === corpus.fingerprint) return null;
  const rate = ck.meta['corpusUnkRate'];
  const own = typeof rate === 'number' && rate >= 0 && rate <= 1 ? rate : null; // anything else: a hand-edited file, ignored
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  if (typeof saved !== 'string') {
    // a checkpoint from before fingerprints: only the <UNK> rate can tell
    if (corpus.unkRate > UNK_MARGIN) throw corpusError(corpus.unkRate, null, name);
    return null;
  }
  if (corpus.unkRate > (own ?? 0) + UNK_MARGIN) throw corpusError(corpus.unkRate, own, name);
  return (`this corpus is not the one the checkpoint was trained on; ${pct(corpus.unkRate)} of its tokens are <UNK> under the checkpoint's vocabulary${own !== null ? ` (${pct(own)} on its own corpus)` : ''}`);

  function corpusError(rate: number, ownRate: number | null, n: (key: string) => string): DataError {
    return new DataError(
      `this corpus is not the one the checkpoint was trained on: ${pct(rate)} of its tokens are unknown to the checkpoint's vocabulary${ownRate !== null ? ` (${pct(ownRate)} on its own corpus)` : ''}`,
      `${n('resume')} continues a run on its own corpus; to adapt a model to new text, fine-tune it (${n('initFrom')} instead of ${n('resume')})`);
  }
}

/** The settings a resumed run keeps: the model, tokenizer and data split of the checkpoint, with their effective values. */
interface Kept {
  level: string; cell: string; peephole: boolean; layers: number; hidden: number; embedding: number; tied: boolean; adaptive: boolean;
  lowercase: boolean; sentence: string; unkToken: string | null; pretokenized: boolean; maxVocab: number; minCount: number; seed: number; valFraction: number;
}

/** --cutoffs and --adaptive-div with a model that exists (resumed or fine-tuned): its output layer is what it is. */
function refuseOutputLayerChange(given: ReadonlySet<string>, name: (key: string) => string, what: string): void {
  const keys = ['cutoffs', 'adaptiveDiv'].filter((k) => given.has(k));
  if (keys.length) throw new OptionError(`${what}, and ${keys.map(name).join(' and ')} would change it`, `drop ${keys.map(name).join(' and ')}, or train a new model`);
}

/** What a checkpoint fixes of a run: its architecture and tokenizer (what --resume and --init-from both keep). */
function modelSettings(ck: Checkpoint) {
  const c = ck.model.config, t = ck.tokenizer;
  return {
    level: t.level, cell: c.cell, peephole: c.peephole, layers: c.layers, hidden: c.hidden, embedding: c.embedding, tied: c.tied === true, adaptive: c.cutoffs !== undefined,
    lowercase: t.lowercase, sentence: t.sentence, unkToken: t.unkToken, pretokenized: t.split === 'whitespace',
  };
}

/** A resumed run also keeps the vocabulary limits and the data split its options had (checked as in `savedOptions`). */
function keptSettings(ck: Checkpoint, o: Record<string, unknown>): Kept {
  const level = ck.tokenizer.level;
  return {
    ...modelSettings(ck),
    maxVocab: (o['maxVocab'] as number | undefined) ?? LEVEL_DEFAULTS[level].maxVocab,
    minCount: (o['minCount'] as number | undefined) ?? 1,
    seed: (o['seed'] as number | undefined) ?? 1,
    valFraction: (o['valFraction'] as number | undefined) ?? 0.05,
  };
}

/**
 * The options saved in a checkpoint are validated as the options of a new
 * run are (a damaged or hand-edited file: valFraction 5, seed "abc"); unknown
 * keys are kept for `info` but not used.
 */
export function checkSavedOptions(saved: Record<string, unknown>, shape: object = trainOptionsShape, file = 'checkpoint'): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(saved)) {
    // own keys only: "__proto__" or "toString" in a hand-edited file are unknown keys, not the prototype's
    if (!Object.hasOwn(shape, k)) continue;
    const field = (shape as Record<string, { safeParse(x: unknown): { success: boolean; data?: unknown; error?: { issues: { message: string }[] } } }>)[k]!;
    const r = field.safeParse(v);
    if (!r.success) {
      throw new DataError(`${file} training.options.${k} is ${JSON.stringify(v)?.slice(0, 40) ?? String(v)}: it ${r.error!.issues[0]!.message}`,
        'the file is damaged or was edited by hand; resume from an undamaged checkpoint or train afresh');
    }
    out[k] = r.data;
  }
  return out;
}

/**
 * An option given with another value than the one `kept` has: one
 * OptionError naming each, with both values (`what` says who keeps them).
 */
function refuseDiffering(opts: TrainOptions, given: ReadonlySet<string>, kept: Record<string, unknown>, what: string, hint: string, name: (key: string) => string): void {
  const o = opts as Record<string, unknown>;
  const differ = Object.keys(kept).filter((k) => given.has(k) && (o[k] ?? null) !== kept[k]);
  if (differ.length === 0) return;
  const show = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : String(v));
  throw new OptionError(`${what}, and ${differ.map((k) => `${name(k)} ${show(o[k])} differs from its ${show(kept[k])}`).join('; ')}`, hint);
}

/** Training settings a resumed run may change. */
const SETTING_KEYS = ['lr', 'lrDecay', 'lrDecayAfter', 'lrPlateau', 'lrPlateauPatience', 'lrWarmup', 'batch', 'bptt', 'dropout', 'inputDropout', 'wordDropout', 'lockedDropout', 'clip', 'optimizer'] as const;
type Change = { key: (typeof SETTING_KEYS)[number]; was: number | string | boolean; now: number | string | boolean };
/** The model config's dropout settings (kept in the config: the workspace's masks are sized from them). */
const DROPOUT_KEYS = ['dropout', 'inputDropout', 'wordDropout', 'lockedDropout'] as const;

/** The dropout settings of the options, as a model config holds them (absent when off, as every older checkpoint). */
function dropoutConfig(opts: TrainOptions): Pick<ModelConfig, (typeof DROPOUT_KEYS)[number]> {
  return {
    dropout: opts.dropout,
    ...(opts.inputDropout > 0 ? { inputDropout: opts.inputDropout } : {}),
    ...(opts.wordDropout > 0 ? { wordDropout: opts.wordDropout } : {}),
    ...(opts.lockedDropout ? { lockedDropout: true } : {}),
  };
}

function changedSettings(opts: TrainOptions, given: ReadonlySet<string>, base: TrainConfig, model: ModelConfig): Change[] {
  const was: Record<Change['key'], number | string | boolean> = {
    lr: base.lr, lrDecay: base.lrDecay, lrDecayAfter: base.lrDecayAfter, lrPlateau: base.lrPlateau, lrPlateauPatience: base.lrPlateauPatience, lrWarmup: base.lrWarmup,
    batch: base.batch, bptt: base.bptt, dropout: model.dropout, inputDropout: model.inputDropout ?? 0, wordDropout: model.wordDropout ?? 0, lockedDropout: model.lockedDropout === true,
    clip: base.clip, optimizer: base.optimizer.kind,
  };
  const o = opts as Record<string, unknown>;
  return SETTING_KEYS.filter((k) => given.has(k) && o[k] !== undefined && o[k] !== was[k]).map((k) => ({ key: k, was: was[k], now: o[k] as number | string | boolean }));
}

/**
 * The config with the dropout settings given in `keys` taken from the options
 * (the others as they were), checked by the core: input and word dropout
 * need an embedding.
 */
function withDropout(config: ModelConfig, opts: TrainOptions, keys: ReadonlySet<string>, name: (key: string) => string): ModelConfig {
  const now = dropoutConfig(opts);
  const next: Record<string, unknown> = { ...config };
  for (const k of DROPOUT_KEYS) {
    if (!keys.has(k)) continue;
    if (k in now) next[k] = now[k as keyof typeof now];
    else delete next[k];
  }
  return checkedDropout(next as unknown as ModelConfig, name);
}

/**
 * The output layer's settings: a full softmax (nothing), or an adaptive
 * softmax with the cut-offs given or chosen from the training tokens
 * (defaultCutoffs), checked against the vocabulary.
 */
function outputLayer(opts: TrainOptions, V: number, train: Int32Array, name: (key: string) => string): Pick<ModelConfig, 'cutoffs' | 'adaptiveDiv'> {
  if (!opts.adaptive && opts.cutoffs === undefined) {
    if (opts.adaptiveDiv !== undefined) throw new OptionError(`${name('adaptiveDiv')} goes with an adaptive softmax`, `add ${name('adaptive')}, or drop it`);
    return {};
  }
  if (opts.tied) throw new OptionError(`${name('tied')} needs a full softmax: the adaptive softmax has no V×H decoder matrix to share`, `drop ${name('tied')} or ${name(opts.cutoffs ? 'cutoffs' : 'adaptive')}`);
  const cutoffs = opts.cutoffs ?? defaultCutoffs(train, V);
  const out = { cutoffs, ...(opts.adaptiveDiv !== undefined ? { adaptiveDiv: opts.adaptiveDiv } : {}) };
  const shape = { hidden: opts.hidden, vocabSize: V, cutoffs, adaptiveDiv: opts.adaptiveDiv ?? DEFAULT_ADAPTIVE_DIV };
  const why = adaptiveProblem(shape);
  if (why) {
    // cut-offs that are fine (they would pass with a divisor of 1) but leave a tail cluster no unit: the fix is the sizes
    const fix = adaptiveProblem({ ...shape, adaptiveDiv: 1 }) === null
      ? `give fewer cut-offs, a smaller ${name('adaptiveDiv')} (${shape.adaptiveDiv} now), or a larger ${name('hidden')}`
      : opts.cutoffs ? `give cut-offs below ${V}, the vocabulary's size, increasing` : `give ${name('cutoffs')} yourself, or use a full softmax`;
    throw new OptionError(`${name(opts.cutoffs ? 'cutoffs' : 'adaptive')}: ${why}`, fix);
  }
  return out;
}

/** Input and word dropout need an embedding (the model's, new or kept): refused with the fix, before any work. */
function checkedDropout(config: ModelConfig, name: (key: string) => string): ModelConfig {
  if (config.embedding === 0) {
    const bad = (['inputDropout', 'wordDropout'] as const).find((k) => (config[k] ?? 0) > 0);
    if (bad) throw new OptionError(`${name(bad)} needs an embedding, and this model reads one-hot input (the default at char level)`, `add ${name('embedding')} N (e.g. 64) to a new model, or drop ${name(bad)}`);
  }
  validateConfig(config);
  return config;
}

/**
 * Apply changed training settings to a resumed run: a new optimizer starts
 * with fresh moments; another batch or window length keeps the position in
 * the epoch as a fraction and starts the recurrent state afresh.
 */
function applyChanges(
  changes: readonly Change[], model: Model, state: TrainState, base: TrainConfig, cfg: TrainConfig,
  train: EncodedCorpus, mode: ReadMode, opts: TrainOptions, name: (key: string) => string,
): { model: Model; state: TrainState } {
  const keys = new Set<string>(changes.map((c) => c.key));
  if (DROPOUT_KEYS.some((k) => keys.has(k))) model = { ...model, config: withDropout(model.config, opts, keys, name) };
  if (keys.has('optimizer')) state = { ...state, opt: createOptimizerState(cfg.optimizer, model.layout.total, model.backend.alloc) };
  if (keys.has('batch') || keys.has('bptt')) {
    const before = epochPlan(train, mode, base.batch, base.bptt, 0).windows;
    const after = epochPlan(train, mode, cfg.batch, cfg.bptt, 0).windows;
    const at = before > 0 ? Math.floor((state.windowInEpoch / before) * after) : 0;
    state = { ...state, windowInEpoch: Math.min(at, Math.max(0, after - 1)), carry: null };
  }
  return { model, state };
}

/** The checkpoint of a run at `state`. */
export function checkpointOf(s: TrainingSetup, state: TrainState, meta: Record<string, string | number>): Checkpoint {
  return {
    model: s.model, tokenizer: s.tokenizer, vocab: s.vocab, counts: s.counts,
    training: { options: s.options, config: s.cfg, state },
    meta: { ...meta, corpusFingerprint: s.corpus.fingerprint, corpusUnkRate: s.corpus.unkRate, ...(s.corpus.valFingerprint !== null ? { valFingerprint: s.corpus.valFingerprint } : {}) },
    trainSentences: s.trainSentences,
  };
}

/** The most epochs the options allow: what --max-time alone trains for (the time runs out first). */
export const MAX_EPOCHS = 1_000_000;

/**
 * A run's stop limits, for the language model and the tagger alike: from the
 * options, or on resume the checkpoint's where none were given; a time budget
 * alone means "until the time is up" (epochs unbounded unless given); step and
 * time limits count from where this run starts.
 */
export function runLimits(
  opts: { epochs: number; maxSteps?: number | undefined; maxTime?: number | undefined; evalEvery?: number | undefined; patience: number },
  given: ReadonlySet<string>, base: { epochs: number; evalEvery: number; patience: number } | null, state: { step: number; elapsedMs: number } | null,
): { epochs: number; maxSteps: number; maxTimeMs: number; evalEvery: number; patience: number } {
  return {
    epochs: base && !given.has('epochs') ? base.epochs : given.has('maxTime') && !given.has('epochs') ? MAX_EPOCHS : opts.epochs,
    maxSteps: opts.maxSteps ? (state?.step ?? 0) + opts.maxSteps : 0,
    maxTimeMs: opts.maxTime ? (state?.elapsedMs ?? 0) + opts.maxTime : 0,
    evalEvery: opts.evalEvery ?? base?.evalEvery ?? 0,
    patience: base && !given.has('patience') ? base.patience : opts.patience,
  };
}

/** The core's TrainConfig from options (fresh) or from the checkpoint's (resumed: only the limits may change). */
function trainConfig(
  opts: TrainOptions, mode: ReadMode, base: TrainConfig | null, state: TrainState | null, given: ReadonlySet<string>,
  level: { batch: number; bptt: number } = LEVEL_DEFAULTS.char,
): TrainConfig {
  const limits = runLimits(opts, given, base, state);
  if (base) {
    // training settings given on resume are applied (prepareTraining says which changed)
    const o = opts as Record<string, unknown>;
    const pick = <K extends 'lr' | 'lrDecay' | 'lrDecayAfter' | 'lrPlateau' | 'lrPlateauPatience' | 'lrWarmup' | 'batch' | 'bptt' | 'clip'>(k: K): TrainConfig[K] => (given.has(k) && o[k] !== undefined ? o[k] as TrainConfig[K] : base[k]);
    return {
      ...base, ...limits, lr: pick('lr'), lrDecay: pick('lrDecay'), lrDecayAfter: pick('lrDecayAfter'), batch: pick('batch'), bptt: pick('bptt'), clip: pick('clip'),
      lrPlateau: pick('lrPlateau'), lrPlateauPatience: pick('lrPlateauPatience'), lrWarmup: pick('lrWarmup'),
      optimizer: given.has('optimizer') ? { ...base.optimizer, kind: opts.optimizer } : { ...base.optimizer },
    };
  }
  return {
    ...defaultTrainConfig, ...limits, mode,
    batch: opts.batch ?? level.batch, bptt: opts.bptt ?? level.bptt, lr: opts.lr, lrDecay: opts.lrDecay, lrDecayAfter: opts.lrDecayAfter,
    lrPlateau: opts.lrPlateau, lrPlateauPatience: opts.lrPlateauPatience, lrWarmup: opts.lrWarmup,
    optimizer: { ...defaultTrainConfig.optimizer, kind: opts.optimizer }, clip: opts.clip,
  };
}

/**
 * A batch cannot hold more sentences (or stream lanes of ≥ 2 tokens) than the
 * training part has: an explicit batch that does is refused; the default shrinks.
 */
function fitBatch(cfg: TrainConfig, mode: ReadMode, units: number, explicit: boolean, notes: string[], name: (key: string) => string): void {
  const limit = mode === 'stream' ? Math.floor(units / 2) : units;
  const unitsText = `${units} training ${mode === 'stream' ? 'token' : 'sentence'}${units === 1 ? '' : 's'}`;
  if (limit < 1) throw new DataError('the corpus is too small to train on (fewer than 2 tokens)', 'give a larger corpus');
  if (cfg.batch <= limit) return;
  if (explicit) {
    const what = mode === 'stream' ? `number of 2-token lanes in the ${unitsText} (${limit})` : unitsText;
    throw new OptionError(`${name('batch')} ${cfg.batch} is larger than the ${what}`, `use ${name('batch')} ${limit} or less, or a larger corpus`);
  }
  if (cfg.batch !== limit) notes.push(`batch reduced to ${limit} to fit the ${unitsText}`);
  cfg.batch = limit;
}

/**
 * Tagger checkpoint ⇄ JSON: the only way a tagger comes back from disk.
 * parseTaggerBytes (or parseTagger, for text) checks everything
 * tagger-schema.ts describes, then decodes the tensors into one fresh arena;
 * any problem becomes a CheckpointError with a one-line message and a hint.
 * serializeTaggerChunks runs the same checks on what it is about to write,
 * so a file it writes is one it reads. The language model's codec (codec.ts)
 * lends the pieces: the chunked JSON writer, the byte-level JSON reader with
 * base64 fields kept as bytes, the length and NaN checks.
 *
 * Pure: bytes or text in, text out. The caller reads and writes the file.
 */
import { referenceBackend, type Backend } from '../core/backend.js';
import type { Vec } from '../core/kernels.js';
import type { Alloc, ParamLayout } from '../core/params.js';
import { createTagger, type Tagger } from '../core/tagger.js';
import type { TaggerEvalRecord, TaggerTrainConfig, TaggerTrainState } from '../core/tagger-train.js';
import { Float32Base64, type Base64Text } from './binary.js';
import { checkLength, decodeInto, firstNonFinite, guarded, jsonChunks, optionsToJson, parseJson } from './codec.js';
import { CheckpointError } from './errors.js';
import type { JsonPath } from './json-bytes.js';
import { realToJson } from './schema.js';
import {
  TAGGER_DAMAGED_HINT, TAGGER_FORMAT, TAGGER_VERSION, checkTaggerConsistency, parseTaggerFile, type TaggerFile, type TaggerFileJson,
} from './tagger-schema.js';

export { TAGGER_FORMAT, TAGGER_VERSION, TAG_UNK_TOKEN } from './tagger-schema.js';

/** A vocabulary of words or characters: <UNK> at id 0, then the kept ones. */
export interface TagVocab {
  readonly tokens: readonly string[];
  readonly index: ReadonlyMap<string, number>;
  /** How often each was seen in the training data (0 for <UNK>), or null. */
  readonly counts: readonly number[] | null;
}

export function tagVocab(tokens: readonly string[], counts: readonly number[] | null = null): TagVocab {
  return { tokens, index: new Map(tokens.map((t, i) => [t, i])), counts };
}

export interface TaggerTrainingInfo {
  /** The options the run was given (for resume and info); any JSON. */
  options: Record<string, unknown>;
  config: TaggerTrainConfig;
  /** opt.m / opt.v are arrays of the tagger's backend. */
  state: TaggerTrainState;
}

export interface TaggerCheckpoint {
  /** The tagger, its parameters in an arena of the backend it was read with. */
  tagger: Tagger;
  /** Word vocabulary (looked up lowercased with tokenizer.lowercase). */
  words: TagVocab;
  /** Char vocabulary, or null for a tagger without the char representation. */
  chars: TagVocab | null;
  /** The label of each output, in id order. */
  labels: readonly string[];
  /** What it was trained on: the column format and the label column (CoNLL-U name or number, plain column number). */
  data: { format: 'conllu' | 'conll'; label: string | number };
  tokenizer: { lowercase: boolean; maxWordChars: number };
  /** null: a tagger without training state (it tags; it cannot be resumed). */
  training: TaggerTrainingInfo | null;
  /** Free-form provenance (strings and finite numbers). */
  meta: Record<string, string | number>;
}

const DIVERGED_HINT = 'the tagger diverged before it was saved; retrain with a lower learning rate (--lr) or with clipping (--clip)';
const BUG = 'this is a bug in the code that built the tagger checkpoint';

// ── writing ─────────────────────────────────────────────────────────────────

/**
 * The checkpoint as JSON text in chunks (their concatenation is
 * serializeTagger(ck)). Everything is checked before the first chunk: a NaN
 * or infinite weight or moment, vocabularies that do not fit the config, a
 * config the core rejects. The chunks read the arena as they are consumed:
 * do not train on until the last chunk is taken.
 */
export function serializeTaggerChunks(ck: TaggerCheckpoint): Generator<string, void, undefined> {
  const file = toFile(ck);
  try {
    const parsed = parseTaggerFile(file);
    const { layout } = checkTaggerConsistency(parsed);
    checkDataLengths(parsed, layout);
  } catch (e) {
    if (e instanceof CheckpointError) throw new CheckpointError(`cannot write the tagger: ${e.message.replace(/^tagger /, '')}`, BUG);
    throw e;
  }
  return jsonChunks(file);
}

export function serializeTagger(ck: TaggerCheckpoint): string {
  return [...serializeTaggerChunks(ck)].join('');
}

function toFile(ck: TaggerCheckpoint): TaggerFileJson {
  const { config, layout, params } = ck.tagger;
  if (params.data.length !== layout.total) throw new CheckpointError(`cannot write the tagger: the arena has ${params.data.length} values, the layout ${layout.total}`, BUG);
  for (const t of layout.tensors) {
    const bad = firstNonFinite(params.data, t.offset, t.size, false);
    if (bad >= 0) throw new CheckpointError(`cannot write the tagger: tensor ${t.name} holds ${Math.fround(params.data[bad]!)} at index ${bad - t.offset}`, DIVERGED_HINT);
  }
  return {
    format: TAGGER_FORMAT,
    version: TAGGER_VERSION,
    meta: { ...ck.meta },
    config: {
      cell: config.cell, peephole: config.peephole, layers: config.layers, hidden: config.hidden, vocabSize: config.vocabSize,
      embedding: config.embedding, labels: config.labels, dropout: config.dropout, chars: config.chars ? { ...config.chars } : null,
    },
    data: { format: ck.data.format, label: ck.data.label },
    tokenizer: { lowercase: ck.tokenizer.lowercase, maxWordChars: ck.tokenizer.maxWordChars },
    words: { tokens: [...ck.words.tokens], counts: ck.words.counts ? [...ck.words.counts] : null },
    chars: ck.chars ? { tokens: [...ck.chars.tokens] } : null,
    labels: [...ck.labels],
    tensors: layout.tensors.map((t) => ({ name: t.name, shape: [...t.shape], dtype: 'float32' as const, data: new Float32Base64(params.data, t.offset, t.size) })),
    training: ck.training ? trainingToJson(ck.training) : null,
  };
}

function trainingToJson(tr: TaggerTrainingInfo): NonNullable<TaggerFileJson['training']> {
  const s = tr.state;
  const arr = (x: Vec | null, what: string) => {
    if (!x) return null;
    const bad = firstNonFinite(x, 0, x.length, true);
    if (bad >= 0) throw new CheckpointError(`cannot write the tagger: training.state.${what} holds NaN at index ${bad}`, DIVERGED_HINT);
    return new Float32Base64(x, 0, x.length);
  };
  const r = realToJson;
  return {
    options: optionsToJson(tr.options),
    config: { ...tr.config, optimizer: { ...tr.config.optimizer } },
    state: {
      step: s.step, epoch: s.epoch, batchInEpoch: s.batchInEpoch, epochSeed: s.epochSeed, rng: [...s.rng] as [number, number, number, number],
      optimizer: { step: s.opt.step, m: arr(s.opt.m, 'optimizer.m'), v: arr(s.opt.v, 'optimizer.v') },
      history: s.history.map((h) => ({
        step: h.step, epoch: h.epoch, tokensSeen: h.tokensSeen, trainLoss: r(h.trainLoss), devAccuracy: h.devAccuracy, devScore: h.devScore,
        lr: r(h.lr), elapsedMs: r(h.elapsedMs),
      })),
      bestDevAccuracy: s.bestDevAccuracy, bestStep: s.bestStep, evalsSinceBest: s.evalsSinceBest, tokensSeen: s.tokensSeen, elapsedMs: s.elapsedMs,
      ...(s.scheduled ? { scheduled: { ...s.scheduled } } : {}),
    },
  };
}

// ── reading ─────────────────────────────────────────────────────────────────

/** The base64 fields of a tagger file: read as byte ranges, never as JS strings. */
function isBulk(p: JsonPath): boolean {
  if (p.length === 3) return p[0] === 'tensors' && typeof p[1] === 'number' && p[2] === 'data';
  return p.length === 4 && p[0] === 'training' && p[1] === 'state' && p[2] === 'optimizer' && (p[3] === 'm' || p[3] === 'v');
}

/**
 * A tagger from the bytes of its file (UTF-8 JSON, a leading BOM skipped),
 * its arena made by `backend`. Returns the checkpoint or throws a
 * CheckpointError — nothing else, whatever the bytes.
 */
export function parseTaggerBytes(bytes: Uint8Array, backend: Backend = referenceBackend): TaggerCheckpoint {
  return guarded(() => {
    if (!(bytes instanceof Uint8Array)) throw new CheckpointError('tagger bytes should be a Uint8Array', TAGGER_DAMAGED_HINT);
    return read(bytes, true, backend);
  });
}

/** A tagger from its JSON text (the same reader, on the text's UTF-8 bytes). */
export function parseTagger(text: string, backend: Backend = referenceBackend): TaggerCheckpoint {
  return guarded(() => {
    if (typeof text !== 'string') throw new CheckpointError(`tagger text should be a string, got ${typeof text}`, TAGGER_DAMAGED_HINT);
    return read(new TextEncoder().encode(text), false, backend);
  });
}

/** The shared readers' messages (codec.ts) are the language model's: said of a tagger here. */
function asTagger<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof CheckpointError)) throw e;
    throw new CheckpointError(e.message.replace(/^not an rnnlm checkpoint/, 'not an rnnlm tagger').replace(/^checkpoint /, 'tagger '),
      e.hint?.replace(/a model file written by `rnnlm train`/g, 'a tagger written by `rnnlm tag train`').replace(/`rnnlm train`/g, '`rnnlm tag train`'));
  }
}

function read(bytes: Uint8Array, skipBom: boolean, backend: Backend): TaggerCheckpoint {
  const raw = asTagger(() => parseJson(bytes, skipBom, isBulk));
  const file = parseTaggerFile(raw);
  const { config, layout } = checkTaggerConsistency(file);
  checkDataLengths(file, layout); // before allocating anything
  const tagger = createTagger(config, backend);
  const data = tagger.params.data;
  file.tensors.forEach((t, i) => {
    const slot = layout.tensors[i]!;
    asTagger(() => decodeInto(t.data, data, slot.offset, slot.size, `tensor ${slot.name}`));
    const bad = firstNonFinite(data, slot.offset, slot.size, false);
    if (bad >= 0) throw new CheckpointError(`tagger tensor ${slot.name} holds ${data[bad]} at index ${bad - slot.offset}`, TAGGER_DAMAGED_HINT);
  });
  const label = file.data.label;
  return {
    tagger,
    words: tagVocab(file.words.tokens, file.words.counts),
    chars: file.chars ? tagVocab(file.chars.tokens) : null,
    labels: file.labels,
    data: { format: file.data.format, label: typeof label === 'string' && /^-?\d+$/.test(label) ? Number(label) : label },
    tokenizer: { lowercase: file.tokenizer.lowercase, maxWordChars: file.tokenizer.maxWordChars },
    training: file.training ? asTagger(() => readTraining(file.training!, layout, backend.alloc)) : null,
    meta: { ...file.meta },
  };
}

function readTraining(tr: NonNullable<TaggerFile['training']>, layout: ParamLayout, alloc: Alloc): TaggerTrainingInfo {
  const s = tr.state;
  const vec = (b64: Base64Text | null, what: string): Vec | null => {
    if (b64 === null) return null;
    const out = alloc(layout.total);
    decodeInto(b64, out, 0, layout.total, what);
    const bad = firstNonFinite(out, 0, layout.total, true);
    if (bad >= 0) throw new CheckpointError(`tagger ${what} holds NaN at index ${bad}`, TAGGER_DAMAGED_HINT);
    return out;
  };
  const c = tr.config;
  const config: TaggerTrainConfig = {
    batch: c.batch, batchWords: c.batchWords, lr: c.lr, lrDecay: c.lrDecay, lrDecayAfter: c.lrDecayAfter,
    optimizer: { kind: c.optimizer.kind, beta1: c.optimizer.beta1, beta2: c.optimizer.beta2, eps: c.optimizer.eps },
    clip: c.clip, wordDropout: c.wordDropout, epochs: c.epochs, maxSteps: c.maxSteps, maxTimeMs: c.maxTimeMs, evalEvery: c.evalEvery, patience: c.patience,
  };
  const history: TaggerEvalRecord[] = s.history.map((h) => ({
    step: h.step, epoch: h.epoch, tokensSeen: h.tokensSeen, trainLoss: h.trainLoss, devAccuracy: h.devAccuracy, devScore: h.devScore, lr: h.lr, elapsedMs: h.elapsedMs,
  }));
  const state: TaggerTrainState = {
    step: s.step, epoch: s.epoch, batchInEpoch: s.batchInEpoch, epochSeed: s.epochSeed, rng: [s.rng[0], s.rng[1], s.rng[2], s.rng[3]],
    opt: { step: s.optimizer.step, m: vec(s.optimizer.m, 'training.state.optimizer.m'), v: vec(s.optimizer.v, 'training.state.optimizer.v') },
    history, bestDevAccuracy: s.bestDevAccuracy, bestStep: s.bestStep, evalsSinceBest: s.evalsSinceBest, tokensSeen: s.tokensSeen, elapsedMs: s.elapsedMs,
    ...(s.scheduled ? { scheduled: { ...s.scheduled } } : {}),
  };
  return { options: tr.options, config, state };
}

/** Every base64 field holds exactly the bytes its place needs, from the text lengths alone, before anything is allocated. */
function checkDataLengths(file: TaggerFile, layout: ParamLayout): void {
  asTagger(() => {
    file.tensors.forEach((t, i) => {
      const slot = layout.tensors[i]!;
      checkLength(t.data, slot.size, `tensor ${slot.name}`, `shape [${slot.shape.join(', ')}]`);
    });
    if (!file.training) return;
    const { m, v } = file.training.state.optimizer;
    if (m !== null) checkLength(m, layout.total, 'training.state.optimizer.m', `${layout.total} parameters`);
    if (v !== null) checkLength(v, layout.total, 'training.state.optimizer.v', `${layout.total} parameters`);
  });
}

/** The tagger without its training state (a smaller file; it tags, it cannot be resumed). */
export function stripTagger(ck: TaggerCheckpoint): TaggerCheckpoint {
  return { ...ck, training: null };
}

const wholeTaggers = new WeakSet<object>();

/**
 * Why `ck` is not a whole tagger (its vocabularies, labels, tokenizer and
 * tensors fitting its config, as a file written from it would be checked),
 * or null when it is one. Checked once per object: a tagger as loadTagger()
 * or tagTrain() made it passes; a copy with its labels cut does not.
 */
export function taggerProblem(ck: TaggerCheckpoint): string | null {
  if (wholeTaggers.has(ck)) return null;
  for (const k of ['tokenizer', 'data', 'meta'] as const) {
    if (typeof ck[k] !== 'object' || ck[k] === null) return `its ${k} is ${ck[k] === null ? 'null' : typeof ck[k]}, not the object a tagger holds`;
  }
  try {
    const parsed = parseTaggerFile(toFile(ck));
    const { layout } = checkTaggerConsistency(parsed);
    checkDataLengths(parsed, layout);
  } catch (e) {
    if (e instanceof CheckpointError) return e.message.replace(/^cannot write the tagger: /, '').replace(/^tagger /, '');
    return e instanceof Error ? e.message : String(e);
  }
  wholeTaggers.add(ck);
  return null;
}

/** Whether a value looks like a TaggerCheckpoint (for the library's argument checks). */
export function isTaggerCheckpoint(x: unknown): x is TaggerCheckpoint {
  if (typeof x !== 'object' || x === null) return false;
  const c = x as Record<string, unknown>;
  const t = c['tagger'] as Record<string, unknown> | undefined;
  return typeof t === 'object' && t !== null && typeof t['config'] === 'object' && Array.isArray(c['labels']) && typeof c['words'] === 'object' && c['words'] !== null
    && (c['words'] as { index?: unknown }).index instanceof Map;
}

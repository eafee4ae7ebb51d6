/**
 * Checkpoint ⇄ JSON. The only way a Model comes back from disk:
 * parseCheckpointBytes (or parseCheckpoint, for text) checks everything
 * schema.ts describes, then decodes the tensors into one fresh arena; any
 * problem at all becomes a CheckpointError with a one-line message and a hint.
 * serializeCheckpointChunks runs the same checks on what it is about to write,
 * so a checkpoint it writes is one it can read.
 *
 * Any size: neither direction ever holds the file as one JS string (V8 caps a
 * string at ~2^29 UTF-16 units, ~512 MiB, which a model of ~33M parameters
 * with its Adam moments exceeds). Writing yields the text in chunks of at most
 * a few MiB, the base64 of each tensor encoded slice by slice from the arena;
 * reading parses the file's bytes (json-bytes.ts) and decodes each base64
 * field from the bytes straight into its array.
 *
 * Pure: bytes or text in, text out. The caller reads and writes the file.
 */
import { cells } from '../core/cells/index.js';
import { RnnlmError } from '../core/errors.js';
import type { Vec } from '../core/kernels.js';
import { createModel, modelLayout, type Model } from '../core/model.js';
import type { Alloc, ParamLayout } from '../core/params.js';
import { referenceBackend, type Backend } from '../core/backend.js';
import type { RngState } from '../core/rng.js';
import type { SentenceMode, TokenizerConfig } from '../core/tokenize.js';
import type { EvalRecord, TrainConfig, TrainState } from '../core/train.js';
import type { Vocab } from '../core/vocab.js';
import { Float32Base64, Uint32Base64, base64ByteLength, base64ToFloat32, base64ToUint32, type Base64Text } from './binary.js';
import { CheckpointError, DAMAGED_HINT, NOT_A_CHECKPOINT_HINT, RETRAIN } from './errors.js';
import { JsonBytesError, MAX_DEPTH, firstInvalidUtf8, lineAndColumn, parseJsonBytes, type JsonPath } from './json-bytes.js';
import {
  CHECKPOINT_FORMAT, CHECKPOINT_VERSION, LONE_SURROGATE, TRAIN_SENTENCES_HASH, checkConfig, checkConsistency, formatPath, parseFile, preview, realToJson,
  type CheckpointFile, type CheckpointFileJson,
} from './schema.js';

export { CHECKPOINT_FORMAT, CHECKPOINT_VERSION } from './schema.js';
export { CheckpointError } from './errors.js';

export interface TokenizerSettings extends TokenizerConfig {
  sentence: SentenceMode;
}

export interface TrainingInfo {
  /** The options the user trained with, as given (flag name → value), for `rnnlm info`; any JSON. */
  options: Record<string, unknown>;
  config: TrainConfig;
  /** opt.m / opt.v / carry are typed arrays (same type as the model's arena). */
  state: TrainState;
}

export interface Checkpoint {
  /** params in the arena of the backend the checkpoint was read with (Float32Array by default). */
  model: Model;
  tokenizer: TokenizerSettings;
  vocab: Vocab;
  /** Corpus count per vocabulary id (same length as vocab.tokens; 0 for specials is fine), or null. */
  counts: number[] | null;
  /** null = a model without training state (cannot --resume). */
  training: TrainingInfo | null;
  /** Free-form provenance: rnnlm version, created ISO time, corpus name … (strings / finite numbers). */
  meta: Record<string, string | number>;
  /**
   * The sentences the model was trained and validated on, as the sorted,
   * distinct 64-bit FNV-1a hashes of their token ids in (high, low) uint32
   * pairs (api/novelty.ts's sentenceSet): what marks a sample as a copy of
   * a training sentence. null (or absent) when there is none: file mode, a
   * corpus of more sentences than are kept, or a file from before the set.
   * A read checkpoint always has the field.
   */
  trainSentences?: Uint32Array | null;
}

const DIVERGED_HINT = 'the model diverged before it was saved; retrain with a lower learning rate (--lr) or with clipping (--clip)';

// ── writing ─────────────────────────────────────────────────────────────────

/** The writer's chunks stay below 2·FLUSH_CHARS characters (base64 slices: SLICE_CHARS, 1 MiB). */
const FLUSH_CHARS = 1 << 20;
/** training.options sits at depth 3 of the file (the file's object, training, options). */
const OPTIONS_MAX_DEPTH = MAX_DEPTH - 2;

/**
 * The checkpoint as JSON text (2-space indented, newline at the end), in
 * chunks of at most 2 MiB characters each (none splits a surrogate pair, so
 * each may be UTF-8-encoded on its own): hand them to a writer one by one and
 * memory stays bounded whatever the model's size. Their concatenation is
 * serializeCheckpoint(ck).
 *
 * Everything is checked when this is called, before it returns (no base64 is
 * built for that): it throws CheckpointError when the checkpoint cannot be
 * written faithfully — a NaN or infinite weight, an arena or Adam moments that
 * do not fit the layout, a config the core rejects, a vocabulary token the
 * tokenizer cannot produce, a non-finite number in meta, training.options
 * that is not JSON or nests too deeply. A carried recurrent state whose size
 * does not fit training.config.batch is written as null (train() would ignore
 * it on resume anyway).
 *
 * The chunks read the model's arena and training arrays as they are consumed:
 * do not change them (e.g. by training on) until the last chunk is taken.
 */
export function serializeCheckpointChunks(ck: Checkpoint): Generator<string, void, undefined> {
  const file = toFile(ck);
  try {
    const parsed = parseFile(file);
    const { layout } = checkConsistency(parsed);
    checkDataLengths(parsed, layout);
  } catch (e) {
    if (e instanceof CheckpointError) {
      throw new CheckpointError(`cannot write the checkpoint: ${e.message.replace(/^checkpoint /, '')}`,
        'this is a bug in the code that built the checkpoint object');
    }
    throw e;
  }
  return formatChunks(file);
}

/** The checkpoint as one JSON string: serializeCheckpointChunks(ck) joined (for checkpoints well below 512 MiB). */
export function serializeCheckpoint(ck: Checkpoint): string {
  const parts: string[] = [];
  for (const chunk of serializeCheckpointChunks(ck)) parts.push(chunk);
  return parts.join('');
}

/** Pending text of the writer, handed out as one chunk when it reaches FLUSH_CHARS. */
class Pending {
  private parts: string[] = [];
  size = 0;

  push(s: string): void {
    this.parts.push(s);
    this.size += s.length;
  }

  take(): string {
    const s = this.parts.join('');
    this.parts = [];
    this.size = 0;
    return s;
  }
}

function* formatChunks(file: CheckpointFileJson): Generator<string, void, undefined> {
  yield* jsonChunks(file);
}

/**
 * Any JSON value as this file's text (2-space indented, arrays of scalars on
 * one line, Float32Base64 and Uint32Base64 written as their base64 slice by
 * slice, a newline at the end), in chunks: the writer of the tagger's
 * checkpoint (tagger-codec.ts) too.
 */
export function* jsonChunks(value: unknown): Generator<string, void, undefined> {
  const out = new Pending();
  yield* emit(value, '', out);
  out.push('\n');
  yield out.take();
}

const isScalar = (v: unknown): boolean => v === null || typeof v !== 'object';

/**
 * JSON.stringify(x, null, 2), except that arrays of scalars (shapes, rng,
 * tokens, counts) stay on one line, and a Float32Base64 is written as its
 * base64 string, slice by slice.
 */
function* emit(x: unknown, indent: string, out: Pending): Generator<string, void, undefined> {
  if (x instanceof Float32Base64 || x instanceof Uint32Base64) {
    out.push('"');
    yield out.take();
    yield* x.slices();
    out.push('"');
  } else if (isScalar(x)) {
    yield* put(JSON.stringify(x), out);
  } else if (Array.isArray(x)) {
    const inner = `${indent}  `;
    if (x.length === 0) {
      out.push('[]');
    } else if (x.every(isScalar)) {
      out.push('[');
      for (let i = 0; i < x.length; i++) {
        if (i > 0) out.push(', ');
        yield* put(JSON.stringify(x[i]), out);
      }
      out.push(']');
    } else {
      out.push('[\n');
      for (let i = 0; i < x.length; i++) {
        out.push(i > 0 ? `,\n${inner}` : inner);
        yield* emit(x[i], inner, out);
      }
      out.push(`\n${indent}]`);
    }
  } else {
    const inner = `${indent}  `;
    const entries = Object.entries(x as object);
    if (entries.length === 0) {
      out.push('{}');
    } else {
      out.push('{\n');
      for (let i = 0; i < entries.length; i++) {
        const [k, v] = entries[i]!;
        if (i > 0) out.push(',\n');
        out.push(inner);
        yield* put(`${JSON.stringify(k)}: `, out);
        yield* emit(v, inner, out);
      }
      out.push(`\n${indent}}`);
    }
  }
  if (out.size >= FLUSH_CHARS) yield out.take();
}

/** Appends s, in pieces of at most FLUSH_CHARS (never between the halves of a surrogate pair), flushing when full. */
function* put(s: string, out: Pending): Generator<string, void, undefined> {
  if (s.length <= FLUSH_CHARS) {
    out.push(s);
    if (out.size >= FLUSH_CHARS) yield out.take();
    return;
  }
  for (let i = 0; i < s.length; ) {
    let end = Math.min(s.length, i + FLUSH_CHARS);
    const c = s.charCodeAt(end - 1);
    if (end < s.length && c >= 0xd800 && c <= 0xdbff) end--;
    out.push(s.slice(i, end));
    i = end;
    if (out.size >= FLUSH_CHARS) yield out.take();
  }
}

function toFile(ck: Checkpoint): CheckpointFileJson {
  const { config, layout, params } = ck.model;
  if (params.data.length !== layout.total) {
    throw new CheckpointError(`cannot write the checkpoint: the arena has ${params.data.length} values, the layout ${layout.total}`,
      'this is a bug in the code that built the model');
  }
  for (const t of layout.tensors) {
    const bad = firstNonFinite(params.data, t.offset, t.size, false);
    if (bad >= 0) {
      throw new CheckpointError(`cannot write the checkpoint: tensor ${t.name} holds ${Math.fround(params.data[bad]!)} at index ${bad - t.offset}`, DIVERGED_HINT);
    }
  }
  const { level, lowercase, unkToken, sentence } = ck.tokenizer;
  const set = ck.trainSentences ?? null;
  if (set !== null) checkSentenceSet(set, 'cannot write the checkpoint: trainSentences', 'this is a bug in the code that built the checkpoint object');
  return {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    meta: { ...ck.meta },
    config: {
      cell: config.cell, peephole: config.peephole, layers: config.layers, hidden: config.hidden,
      vocabSize: config.vocabSize, embedding: config.embedding, dropout: config.dropout,
      ...(config.tied ? { tied: true } : {}),
      ...(config.inputDropout ? { inputDropout: config.inputDropout } : {}),
      ...(config.wordDropout ? { wordDropout: config.wordDropout } : {}),
      ...(config.lockedDropout ? { lockedDropout: true } : {}),
      ...(config.cutoffs ? { cutoffs: [...config.cutoffs] } : {}),
      ...(config.adaptiveDiv !== undefined ? { adaptiveDiv: config.adaptiveDiv } : {}),
    },
    // split is written only for pre-tokenized text, so files of the default tokenizer read and write as before
    tokenizer: { level, lowercase, unkToken, sentence, ...(ck.tokenizer.split === 'whitespace' ? { split: 'whitespace' as const } : {}) },
    vocab: { tokens: [...ck.vocab.tokens], counts: ck.counts ? [...ck.counts] : null },
    tensors: layout.tensors.map((t) => ({
      name: t.name, shape: [...t.shape], dtype: 'float32' as const,
      data: new Float32Base64(params.data, t.offset, t.size),
    })),
    training: ck.training ? trainingToJson(ck.training, ck.model) : null,
    // absent rather than null when there is none: the file stays what rnnlm wrote before the set existed
    ...(set !== null ? { trainSentences: { hash: TRAIN_SENTENCES_HASH, count: set.length / 2, data: new Uint32Base64(set) } } : {}),
  };
}

/**
 * A training-sentence set as novelty.ts makes it: a Uint32Array of (high,
 * low) pairs in strictly increasing order (sorted, no pair twice).
 */
function checkSentenceSet(set: unknown, what: string, hint: string): asserts set is Uint32Array {
  if (!(set instanceof Uint32Array)) throw new CheckpointError(`${what} should be a Uint32Array of hash pairs (got ${describe(set)})`, hint);
  if (set.length % 2 !== 0) throw new CheckpointError(`${what} has ${set.length} values, not whole (high, low) pairs`, hint);
  for (let i = 2; i < set.length; i += 2) {
    const h = set[i]!, ph = set[i - 2]!;
    if (h < ph || (h === ph && set[i + 1]! <= set[i - 1]!)) {
      throw new CheckpointError(`${what} is not sorted: hash ${i / 2} is ${h === ph && set[i + 1] === set[i - 1] ? 'the same as' : 'below'} hash ${i / 2 - 1}`, hint);
    }
  }
}

function trainingToJson(tr: TrainingInfo, model: Model): NonNullable<CheckpointFileJson['training']> {
  const c = tr.config;
  const s = tr.state;
  const r = realToJson;
  const arr = (x: Vec | null, what: string) => {
    if (!x) return null;
    const bad = firstNonFinite(x, 0, x.length, true);
    if (bad >= 0) throw new CheckpointError(`cannot write the checkpoint: training.state.${what} holds NaN at index ${bad}`, DIVERGED_HINT);
    return new Float32Base64(x, 0, x.length);
  };
  const carryOk = s.carry !== null && s.carry.length === carryLength(model.config.cell, model.config.layers, c.batch, model.config.hidden);
  return {
    options: optionsToJson(tr.options),
    config: {
      // finite by the schema's ranges: a config that is not fails the check before writing
      ...c, optimizer: { ...c.optimizer },
    },
    state: {
      step: s.step, epoch: s.epoch, windowInEpoch: s.windowInEpoch, epochSeed: s.epochSeed,
      rng: [...s.rng] as RngState,
      optimizer: { step: s.opt.step, m: arr(s.opt.m, 'optimizer.m'), v: arr(s.opt.v, 'optimizer.v') },
      carry: carryOk ? arr(s.carry, 'carry') : null,
      history: s.history.map((h) => ({
        step: h.step, epoch: h.epoch, tokensSeen: h.tokensSeen, trainLoss: r(h.trainLoss),
        valLoss: h.valLoss === null ? null : r(h.valLoss), lr: r(h.lr), elapsedMs: r(h.elapsedMs),
      })),
      bestValLoss: s.bestValLoss, // finite and ≥ 0 by the schema (a loss is never negative)
      bestStep: s.bestStep, evalsSinceBest: s.evalsSinceBest, lrScale: s.lrScale, tokensSeen: s.tokensSeen, elapsedMs: s.elapsedMs, // finite and ≥ 0 by the schema (the check before writing says so)
      // written only after a closing evaluation: other files keep their bytes
      ...(s.scheduled ? { scheduled: { ...s.scheduled } } : {}),
    },
  };
}

/**
 * The training options exactly as a read gives them back: through
 * JSON.stringify (undefined dropped, toJSON applied), then the strict parser,
 * which also holds them to the nesting limit.
 */
export function optionsToJson(options: Record<string, unknown> | undefined): Record<string, unknown> {
  const fix = 'pass plain option values (strings, numbers, booleans, arrays, objects)';
  let text: string | undefined;
  try {
    text = JSON.stringify(options ?? {});
  } catch (e) {
    throw new CheckpointError(`cannot write the checkpoint: training.options is not JSON (${oneLine(e instanceof Error ? e.message : String(e))})`, fix);
  }
  if (text === undefined) throw new CheckpointError(`cannot write the checkpoint: training.options is not JSON (a ${typeof options})`, fix);
  try {
    return parseJsonBytes(new TextEncoder().encode(text), { maxDepth: OPTIONS_MAX_DEPTH }) as Record<string, unknown>;
  } catch (e) {
    if (!(e instanceof JsonBytesError)) throw e;
    if (e.kind !== 'depth') throw new CheckpointError(`cannot write the checkpoint: training.options is not JSON (${e.what})`, fix);
    throw new CheckpointError(
      `cannot write the checkpoint: training.options nests deeper than ${OPTIONS_MAX_DEPTH} levels (a checkpoint nests at most ${MAX_DEPTH})`,
      `${fix}, nested less deeply`,
    );
  }
}

/** Length of TrainState.carry: per layer a (B·H), then c (B·H) for a cell with memory. */
function carryLength(cell: Model['config']['cell'], layers: number, B: number, H: number): number {
  return layers * (cells[cell].hasMemory ? 2 : 1) * B * H;
}

// ── a checkpoint apart from its numbers ──────────────────────────────────────

/**
 * What a checkpoint is apart from its numbers: format, version, meta, config,
 * tokenizer and vocabulary, as the file writes them (a plain JSON value). A
 * safetensors export carries it in its metadata; checkpointFromTensors turns
 * it and the tensors back into a checkpoint.
 */
export function checkpointDescription(ck: Checkpoint): Record<string, unknown> {
  const { format, version, meta, config, tokenizer, vocab } = toFile({ ...ck, training: null, trainSentences: null });
  return { format, version, meta, config, tokenizer, vocab };
}

/** A tensor given to checkpointFromTensors: its shape and values (row-major). */
export interface TensorValues {
  shape: readonly number[];
  data: Float32Array | Float64Array;
}

/**
 * A model-only checkpoint (training null) from a description (as
 * checkpointDescription makes it, checked as a read checks a file) and the
 * tensors by name: exactly the ones its config needs (docs/checkpoint.md),
 * each with its shape and finite values. Throws a CheckpointError naming
 * what is missing, unexpected or wrong.
 */
export function checkpointFromTensors(description: unknown, tensors: ReadonlyMap<string, TensorValues>, backend: Backend = referenceBackend): Checkpoint {
  return guarded(() => {
    if (typeof description !== 'object' || description === null || Array.isArray(description)) {
      throw new CheckpointError(`checkpoint description should be an object, got ${describe(description)}`, DAMAGED_HINT);
    }
    const skeleton = (entries: unknown[]): unknown => ({ ...(description as Record<string, unknown>), tensors: entries, training: null });
    const config = checkConfig(parseFile(skeleton([])).config);
    const layout = modelLayout(config);
    const want = new Set(layout.tensors.map((t) => t.name));
    const missing = layout.tensors.filter((t) => !tensors.has(t.name)).map((t) => `${t.name} [${t.shape.join(', ')}]`);
    const extra = [...tensors.keys()].filter((n) => !want.has(n));
    if (missing.length || extra.length) {
      const list = (xs: string[]) => xs.slice(0, 3).map(preview).join(', ') + (xs.length > 3 ? `, … (${xs.length} in all)` : '');
      throw new CheckpointError(
        `the tensors are not the ones this ${config.cell} model needs: ${[missing.length ? `missing ${list(missing)}` : '', extra.length ? `unexpected ${list(extra)}` : ''].filter(Boolean).join('; ')}`,
        'the names are those of docs/checkpoint.md (PyTorch\'s for nn.LSTM/nn.RNN, decoder.*, embedding.weight): rename them, or give the config they were trained with',
      );
    }
    for (const t of layout.tensors) {
      const got = tensors.get(t.name)!;
      if (got.shape.length !== t.shape.length || got.shape.some((d, k) => d !== t.shape[k]) || got.data.length !== t.size) {
        throw new CheckpointError(`tensor ${t.name} has shape [${got.shape.join(', ')}]; the config needs [${t.shape.join(', ')}]`, 'give the config the tensors were trained with');
      }
    }
    const file = parseFile(skeleton(layout.tensors.map((t) => ({ name: t.name, shape: [...t.shape], dtype: 'float32', data: '' }))));
    const { vocab } = checkConsistency(file);
    const model = createModel(config, backend);
    const data = model.params.data;
    for (const t of layout.tensors) {
      const src = tensors.get(t.name)!.data;
      for (let i = 0; i < t.size; i++) data[t.offset + i] = src[i]!;
      const bad = firstNonFinite(data, t.offset, t.size, false);
      if (bad >= 0) throw new CheckpointError(`tensor ${t.name} holds ${data[bad]} at index ${bad - t.offset}`, DIVERGED_HINT);
    }
    const { level, lowercase, unkToken, sentence, split } = file.tokenizer;
    return {
      model, tokenizer: { level, lowercase, unkToken, sentence, ...(split === 'whitespace' ? { split } : {}) }, vocab,
      counts: file.vocab.counts, training: null, meta: { ...file.meta }, trainSentences: null,
    };
  });
}

// ── reading ─────────────────────────────────────────────────────────────────

/**
 * Reads a checkpoint from the bytes of its file (UTF-8 JSON; a leading byte
 * order mark is skipped), of any size: the base64 fields are decoded from the
 * bytes straight into the arena and the training arrays, never made into JS
 * strings. The model is made on `backend`, whose alloc makes the parameter
 * arena and the training arrays (default Float32Array; float64Backend widens
 * the float32 values exactly). Returns a
 * Checkpoint or throws a CheckpointError — nothing else, whatever the bytes.
 * The bytes are only read, and may be dropped once this returns.
 */
export function parseCheckpointBytes(bytes: Uint8Array, backend: Backend = referenceBackend): Checkpoint {
  return guarded(() => {
    if (!(bytes instanceof Uint8Array)) throw new CheckpointError(`checkpoint bytes should be a Uint8Array, got ${describe(bytes)}`, DAMAGED_HINT);
    return read(bytes, true, backend);
  });
}

/**
 * Reads a checkpoint from its JSON text; the same reader as
 * parseCheckpointBytes, on the text's UTF-8 bytes. A lone surrogate anywhere
 * in the text (which no UTF-8 file can hold) is refused.
 */
export function parseCheckpoint(text: string, backend: Backend = referenceBackend): Checkpoint {
  return guarded(() => {
    if (typeof text !== 'string') throw new CheckpointError(`checkpoint text should be a string, got ${typeof text}`, DAMAGED_HINT);
    if (/[\ud800-\udfff]/.test(text)) {
      const m = LONE_SURROGATE.exec(text);
      if (m) {
        throw new CheckpointError(
          `checkpoint text holds a lone surrogate (U+${m[0].charCodeAt(0).toString(16).toUpperCase()} at character ${m.index}), which no UTF-8 file can`,
          DAMAGED_HINT,
        );
      }
    }
    return read(new TextEncoder().encode(text), false, backend);
  });
}

/** Runs a read; whatever goes wrong leaves as one CheckpointError of one line. */
export function guarded<T>(read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof CheckpointError) {
      const line = oneLine(e.message);
      throw line === e.message ? e : new CheckpointError(line, e.hint);
    }
    const what = e instanceof RnnlmError || e instanceof RangeError ? e.message : String(e);
    throw new CheckpointError(`checkpoint could not be read: ${oneLine(what)}`, DAMAGED_HINT);
  }
}

/** The base64 fields: read as ByteStrings (byte ranges of the file), never as JS strings. */
function isBulk(p: JsonPath): boolean {
  if (p.length === 2) return p[0] === 'trainSentences' && p[1] === 'data';
  if (p.length === 3) {
    return (p[0] === 'tensors' && typeof p[1] === 'number' && p[2] === 'data') || (p[0] === 'training' && p[1] === 'state' && p[2] === 'carry');
  }
  return p.length === 4 && p[0] === 'training' && p[1] === 'state' && p[2] === 'optimizer' && (p[3] === 'm' || p[3] === 'v');
}

/** The JSON document of the bytes, or the CheckpointError saying why there is none; `asBytes`: the base64 fields (read as ByteStrings). */
export function parseJson(bytes: Uint8Array, skipBom: boolean, asBytes: (p: JsonPath) => boolean = isBulk): unknown {
  try {
    return parseJsonBytes(bytes, { maxDepth: MAX_DEPTH, asBytes, skipBom });
  } catch (e) {
    if (!(e instanceof JsonBytesError)) throw e;
    // bytes that are not UTF-8 anywhere say so first, as decoding the file to text would have
    const bad = e.kind === 'utf8' ? e.offset : firstInvalidUtf8(bytes);
    if (bad >= 0) {
      throw new CheckpointError(
        `not an rnnlm checkpoint (not UTF-8 text: byte 0x${bytes[bad]!.toString(16).toUpperCase().padStart(2, '0')} at offset ${bad})`,
        NOT_A_CHECKPOINT_HINT,
      );
    }
    const where = lineAndColumn(bytes, e.offset);
    if (e.kind === 'depth') {
      const inside = typeof e.path[0] === 'string' ? `, inside ${formatPath(e.path.slice(0, 3))}${e.path.length > 3 ? '…' : ''}` : '';
      throw new CheckpointError(`not an rnnlm checkpoint (its JSON nests deeper than ${MAX_DEPTH} levels: ${where}${inside})`, NOT_A_CHECKPOINT_HINT);
    }
    throw new CheckpointError(
      `checkpoint is not valid JSON (${e.what} at ${where})`,
      isBlank(bytes) ? 'the file is empty; pass a model file written by `rnnlm train`' : `the file is truncated or is not an rnnlm checkpoint; ${RETRAIN}`,
    );
  }
}

/** Empty, or nothing but white space (as String.prototype.trim sees it). */
function isBlank(bytes: Uint8Array): boolean {
  return bytes.length <= 4096 && new TextDecoder('utf-8').decode(bytes).trim() === '';
}

function describe(x: unknown): string {
  return x === null ? 'null' : Array.isArray(x) ? 'an array' : typeof x;
}

function read(bytes: Uint8Array, skipBom: boolean, backend: Backend): Checkpoint {
  const file = parseFile(parseJson(bytes, skipBom));
  const { config, vocab, layout } = checkConsistency(file);
  checkDataLengths(file, layout); // before allocating anything

  const model = createModel(config, backend);
  const data = model.params.data;
  file.tensors.forEach((t, i) => {
    const slot = layout.tensors[i]!;
    decodeInto(t.data, data, slot.offset, slot.size, `tensor ${slot.name}`);
    const bad = firstNonFinite(data, slot.offset, slot.size, false);
    if (bad >= 0) {
      throw new CheckpointError(`checkpoint tensor ${slot.name} holds ${data[bad]} at index ${bad - slot.offset}`, DIVERGED_HINT);
    }
  });

  const { level, lowercase, unkToken, sentence, split } = file.tokenizer;
  return {
    model,
    tokenizer: { level, lowercase, unkToken, sentence, ...(split === 'whitespace' ? { split } : {}) },
    vocab,
    counts: file.vocab.counts,
    training: file.training ? readTraining(file.training, layout, backend.alloc) : null,
    meta: { ...file.meta },
    trainSentences: file.trainSentences ? readSentenceSet(file.trainSentences) : null,
  };
}

function readSentenceSet(ts: NonNullable<CheckpointFile['trainSentences']>): Uint32Array {
  if (ts.data instanceof Float32Base64 || ts.data instanceof Uint32Base64) throw new CheckpointError('checkpoint trainSentences.data is not text', DAMAGED_HINT); // only a writer makes these
  const set = new Uint32Array(2 * ts.count);
  const bad = base64ToUint32(ts.data, set);
  if (bad >= 0) throw new CheckpointError(`checkpoint trainSentences.data is not base64: ${preview(ts.data.charAt(bad))} at character ${bad}`, DAMAGED_HINT);
  checkSentenceSet(set, 'checkpoint trainSentences.data', `${DAMAGED_HINT} (or remove the trainSentences field: the model works without it)`);
  return set;
}

function readTraining(tr: NonNullable<CheckpointFile['training']>, layout: ParamLayout, alloc: Alloc): TrainingInfo {
  const c = tr.config;
  const s = tr.state;
  const vec = (b64: Base64Text | null, n: number, what: string): Vec | null => {
    if (b64 === null) return null;
    const out = alloc(n);
    decodeInto(b64, out, 0, n, what);
    const bad = firstNonFinite(out, 0, n, true);
    if (bad >= 0) throw new CheckpointError(`checkpoint ${what} holds NaN at index ${bad}`, DAMAGED_HINT);
    return out;
  };
  const config: TrainConfig = {
    mode: c.mode, batch: c.batch, bptt: c.bptt, lr: c.lr, lrDecay: c.lrDecay, lrDecayAfter: c.lrDecayAfter,
    lrPlateau: c.lrPlateau ?? 1, lrPlateauPatience: c.lrPlateauPatience ?? 0, lrWarmup: c.lrWarmup ?? 0,
    optimizer: { kind: c.optimizer.kind, beta1: c.optimizer.beta1, beta2: c.optimizer.beta2, eps: c.optimizer.eps },
    clip: c.clip, epochs: c.epochs, maxSteps: c.maxSteps, maxTimeMs: c.maxTimeMs, evalEvery: c.evalEvery, patience: c.patience,
  };
  const carryLen = s.carry === null ? 0 : base64ByteLength(s.carry) / 4;
  const history: EvalRecord[] = s.history.map((h) => ({
    step: h.step, epoch: h.epoch, tokensSeen: h.tokensSeen, trainLoss: h.trainLoss, valLoss: h.valLoss, lr: h.lr, elapsedMs: h.elapsedMs,
  }));
  const state: TrainState = {
    step: s.step, epoch: s.epoch, windowInEpoch: s.windowInEpoch, epochSeed: s.epochSeed,
    rng: [s.rng[0], s.rng[1], s.rng[2], s.rng[3]],
    opt: {
      step: s.optimizer.step,
      m: vec(s.optimizer.m, layout.total, 'training.state.optimizer.m'),
      v: vec(s.optimizer.v, layout.total, 'training.state.optimizer.v'),
    },
    carry: vec(s.carry, carryLen, 'training.state.carry'),
    history,
    bestValLoss: s.bestValLoss, bestStep: s.bestStep, evalsSinceBest: s.evalsSinceBest, lrScale: s.lrScale ?? 1,
    tokensSeen: s.tokensSeen, elapsedMs: s.elapsedMs,
    ...(s.scheduled ? { scheduled: { ...s.scheduled } } : {}),
  };
  return { options: tr.options, config, state };
}

/**
 * Every base64 field holds exactly the bytes its place needs — checked from
 * the text lengths alone, before anything is allocated or decoded.
 */
function checkDataLengths(file: CheckpointFile, layout: ParamLayout): void {
  file.tensors.forEach((t, i) => {
    const slot = layout.tensors[i]!;
    checkLength(t.data, slot.size, `tensor ${slot.name}`, `shape [${slot.shape.join(', ')}]`);
  });
  const ts = file.trainSentences;
  if (ts) checkLength(ts.data, 2 * ts.count, 'trainSentences.data', `count ${ts.count} (two uint32 per hash)`, 'uint32');
  if (!file.training) return;
  const { config: tc, state } = file.training;
  const { m, v } = state.optimizer;
  const params = `${layout.total} parameters`;
  if (m !== null) checkLength(m, layout.total, 'training.state.optimizer.m', params);
  if (v !== null) checkLength(v, layout.total, 'training.state.optimizer.v', params);
  if (state.carry !== null) {
    const c = file.config;
    const n = carryLength(c.cell as Model['config']['cell'], c.layers, tc.batch, c.hidden);
    const per = cells[c.cell as Model['config']['cell']].hasMemory ? ' (a and c)' : '';
    checkLength(state.carry, n, 'training.state.carry',
      `${c.layers} layer${c.layers > 1 ? 's' : ''} × batch ${tc.batch} × hidden ${c.hidden}${per}`);
  }
}

export function checkLength(b64: Base64Text, values: number, what: string, why: string, type = 'float32'): void {
  const bytes = base64ByteLength(b64);
  if (bytes === 4 * values) return;
  const has = bytes < 0
    ? `base64 of length ${b64.length}, not a multiple of 4`
    : `${bytes} bytes${bytes % 4 === 0 ? ` (${bytes / 4} ${type})` : ''}`;
  const hint = bytes < 4 * values ? `the file looks truncated or damaged; ${RETRAIN}` : DAMAGED_HINT; // bytes −1 counts as short
  throw new CheckpointError(`checkpoint ${what} has ${has}; ${why} needs ${4 * values} bytes (${values} ${type})`, hint);
}

/** Decodes a base64 field (its length already checked) into out[offset .. offset+count). */
export function decodeInto(b64: Base64Text, out: Vec, offset: number, count: number, what: string): void {
  if (b64 instanceof Float32Base64 || b64 instanceof Uint32Base64) throw new CheckpointError(`checkpoint ${what} data is not text`, DAMAGED_HINT); // only a writer makes these
  const bad = base64ToFloat32(b64, out, offset, count);
  if (bad >= 0) {
    const ch = typeof b64 === 'string' ? b64.charAt(bad) : b64.charAt(bad);
    throw new CheckpointError(`checkpoint ${what} data is not base64: ${preview(ch)} at character ${bad}`, DAMAGED_HINT);
  }
}

/**
 * Index of the first NaN (or ±Infinity too, unless nanOnly) in x[offset .. offset+count), or −1,
 * judged after rounding to float32 (what the file holds: 1e39 in a Float64Array is written as Infinity).
 */
export function firstNonFinite(x: Vec, offset: number, count: number, nanOnly: boolean): number {
  for (let i = offset; i < offset + count; i++) {
    const v = Math.fround(x[i]!);
    if (v !== v || (!nanOnly && (v === Infinity || v === -Infinity))) return i;
  }
  return -1;
}

function oneLine(s: string): string {
  return s.replace(/[\r\n\u2028\u2029]+/g, ' ');
}

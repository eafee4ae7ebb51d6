/**
 * Checkpoint ⇄ JSON text. The only way a Model comes back from disk:
 * parseCheckpoint checks everything schema.ts describes, then decodes the
 * tensors into one fresh arena; any problem at all becomes a CheckpointError
 * with a one-line message and a hint. serializeCheckpoint runs the same checks
 * on what it is about to write, so a checkpoint it writes is one it can read.
 *
 * Pure: text in, text out. The caller reads and writes the file.
 */
import { cells } from '../core/cells/index.js';
import { RnnlmError } from '../core/errors.js';
import type { Vec } from '../core/kernels.js';
import { createModel, type Model } from '../core/model.js';
import { alloc32, type Alloc, type ParamLayout } from '../core/params.js';
import type { RngState } from '../core/rng.js';
import type { SentenceMode, TokenizerConfig } from '../core/tokenize.js';
import type { EvalRecord, TrainConfig, TrainState } from '../core/train.js';
import type { Vocab } from '../core/vocab.js';
import { base64ByteLength, base64ToFloat32, float32ToBase64 } from './binary.js';
import { CheckpointError, DAMAGED_HINT, RETRAIN } from './errors.js';
import {
  CHECKPOINT_FORMAT, CHECKPOINT_VERSION, checkConsistency, parseFile, preview, realToJson,
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
  /** params in a Float32Array arena (or what parseCheckpoint's alloc returns). */
  model: Model;
  tokenizer: TokenizerSettings;
  vocab: Vocab;
  /** Corpus count per vocabulary id (same length as vocab.tokens; 0 for specials is fine), or null. */
  counts: number[] | null;
  /** null = a model without training state (cannot --resume). */
  training: TrainingInfo | null;
  /** Free-form provenance: rnnlm version, created ISO time, corpus name … (strings / finite numbers). */
  meta: Record<string, string | number>;
}

const DIVERGED_HINT = 'the model diverged before it was saved; retrain with a lower learning rate (--lr) or with clipping (--clip)';

// ── writing ─────────────────────────────────────────────────────────────────

/**
 * The checkpoint as JSON text (2-space indented, newline at the end).
 * Throws CheckpointError when it cannot be written faithfully: a NaN or
 * infinite weight, an arena or Adam moments that do not fit the layout, a
 * config the core rejects, a non-finite number in meta. A carried recurrent
 * state whose size does not fit training.config.batch is written as null
 * (train() would ignore it on resume anyway).
 */
export function serializeCheckpoint(ck: Checkpoint): string {
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
  return `${formatJson(file, '')}\n`;
}

/** JSON.stringify(x, null, 2), except that arrays of scalars (shapes, rng, tokens, counts) stay on one line. */
function formatJson(x: unknown, indent: string): string {
  if (x === null || typeof x !== 'object') return JSON.stringify(x);
  const inner = `${indent}  `;
  if (Array.isArray(x)) {
    if (x.length === 0) return '[]';
    if (x.every((v) => v === null || typeof v !== 'object')) return `[${x.map((v) => JSON.stringify(v)).join(', ')}]`;
    return `[\n${x.map((v) => inner + formatJson(v, inner)).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(x);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${formatJson(v, inner)}`).join(',\n')}\n${indent}}`;
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
  return {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    meta: { ...ck.meta },
    config: {
      cell: config.cell, peephole: config.peephole, layers: config.layers, hidden: config.hidden,
      vocabSize: config.vocabSize, embedding: config.embedding, dropout: config.dropout,
    },
    tokenizer: { level, lowercase, unkToken, sentence },
    vocab: { tokens: [...ck.vocab.tokens], counts: ck.counts ? [...ck.counts] : null },
    tensors: layout.tensors.map((t) => ({
      name: t.name, shape: [...t.shape], dtype: 'float32' as const,
      data: float32ToBase64(params.data, t.offset, t.size),
    })),
    training: ck.training ? trainingToJson(ck.training, ck.model) : null,
  };
}

function trainingToJson(tr: TrainingInfo, model: Model): NonNullable<CheckpointFileJson['training']> {
  const c = tr.config;
  const s = tr.state;
  const r = realToJson;
  const arr = (x: Vec | null, what: string) => {
    if (!x) return null;
    const bad = firstNonFinite(x, 0, x.length, true);
    if (bad >= 0) throw new CheckpointError(`cannot write the checkpoint: training.state.${what} holds NaN at index ${bad}`, DIVERGED_HINT);
    return float32ToBase64(x);
  };
  const carryOk = s.carry !== null && s.carry.length === carryLength(model.config.cell, model.config.layers, c.batch, model.config.hidden);
  let options: Record<string, unknown>;
  try {
    options = JSON.parse(JSON.stringify(tr.options ?? {})) as Record<string, unknown>; // exactly what a read gives back
  } catch (e) {
    throw new CheckpointError(`cannot write the checkpoint: training.options is not JSON (${e instanceof Error ? e.message : String(e)})`,
      'pass plain option values (strings, numbers, booleans, arrays, objects)');
  }
  return {
    options,
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
      bestValLoss: s.bestValLoss === null ? null : r(s.bestValLoss),
      bestStep: s.bestStep, evalsSinceBest: s.evalsSinceBest, tokensSeen: s.tokensSeen, elapsedMs: r(s.elapsedMs),
    },
  };
}

/** Length of TrainState.carry: per layer a (B·H), then c (B·H) for a cell with memory. */
function carryLength(cell: Model['config']['cell'], layers: number, B: number, H: number): number {
  return layers * (cells[cell].hasMemory ? 2 : 1) * B * H;
}

// ── reading ─────────────────────────────────────────────────────────────────

/**
 * Reads a checkpoint from its JSON text. `alloc` makes the parameter arena and
 * the training arrays (default Float32Array; alloc64 widens the float32 values
 * exactly). Returns a Checkpoint or throws a CheckpointError — nothing else,
 * whatever the text.
 */
export function parseCheckpoint(text: string, alloc: Alloc = alloc32): Checkpoint {
  try {
    return read(text, alloc);
  } catch (e) {
    if (e instanceof CheckpointError) {
      const line = oneLine(e.message);
      throw line === e.message ? e : new CheckpointError(line, e.hint);
    }
    const what = e instanceof RnnlmError || e instanceof RangeError ? e.message : String(e);
    throw new CheckpointError(`checkpoint could not be read: ${oneLine(what)}`, DAMAGED_HINT);
  }
}

function read(text: string, alloc: Alloc): Checkpoint {
  if (typeof text !== 'string') throw new CheckpointError(`checkpoint text should be a string, got ${typeof text}`, DAMAGED_HINT);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new CheckpointError(
      `checkpoint is not valid JSON (${oneLine(why).slice(0, 120)})`,
      text.trim() === '' ? 'the file is empty; pass a model file written by `rnnlm train`' : `the file is truncated or is not an rnnlm checkpoint; ${RETRAIN}`,
    );
  }
  const file = parseFile(raw);
  const { config, vocab, layout } = checkConsistency(file);
  checkDataLengths(file, layout); // before allocating anything

  const model = createModel(config, alloc);
  const data = model.params.data;
  file.tensors.forEach((t, i) => {
    const slot = layout.tensors[i]!;
    decodeInto(t.data, data, slot.offset, slot.size, `tensor ${slot.name}`);
    const bad = firstNonFinite(data, slot.offset, slot.size, false);
    if (bad >= 0) {
      throw new CheckpointError(`checkpoint tensor ${slot.name} holds ${data[bad]} at index ${bad - slot.offset}`, DIVERGED_HINT);
    }
  });

  const { level, lowercase, unkToken, sentence } = file.tokenizer;
  return {
    model,
    tokenizer: { level, lowercase, unkToken, sentence },
    vocab,
    counts: file.vocab.counts,
    training: file.training ? readTraining(file.training, layout, alloc) : null,
    meta: { ...file.meta },
  };
}

function readTraining(tr: NonNullable<CheckpointFile['training']>, layout: ParamLayout, alloc: Alloc): TrainingInfo {
  const c = tr.config;
  const s = tr.state;
  const vec = (b64: string | null, n: number, what: string): Vec | null => {
    if (b64 === null) return null;
    const out = alloc(n);
    decodeInto(b64, out, 0, n, what);
    const bad = firstNonFinite(out, 0, n, true);
    if (bad >= 0) throw new CheckpointError(`checkpoint ${what} holds NaN at index ${bad}`, DAMAGED_HINT);
    return out;
  };
  const config: TrainConfig = {
    mode: c.mode, batch: c.batch, bptt: c.bptt, lr: c.lr, lrDecay: c.lrDecay, lrDecayAfter: c.lrDecayAfter,
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
    bestValLoss: s.bestValLoss, bestStep: s.bestStep, evalsSinceBest: s.evalsSinceBest,
    tokensSeen: s.tokensSeen, elapsedMs: s.elapsedMs,
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

function checkLength(b64: string, values: number, what: string, why: string): void {
  const bytes = base64ByteLength(b64);
  if (bytes === 4 * values) return;
  const has = bytes < 0
    ? `base64 of length ${b64.length}, not a multiple of 4`
    : `${bytes} bytes${bytes % 4 === 0 ? ` (${bytes / 4} float32)` : ''}`;
  const hint = bytes < 4 * values ? `the file looks truncated or damaged; ${RETRAIN}` : DAMAGED_HINT; // bytes −1 counts as short
  throw new CheckpointError(`checkpoint ${what} has ${has}; ${why} needs ${4 * values} bytes (${values} float32)`, hint);
}

function decodeInto(b64: string, out: Vec, offset: number, count: number, what: string): void {
  const bad = base64ToFloat32(b64, out, offset, count);
  if (bad >= 0) {
    throw new CheckpointError(`checkpoint ${what} data is not base64: ${preview(b64.charAt(bad))} at character ${bad}`, DAMAGED_HINT);
  }
}

/**
 * Index of the first NaN (or ±Infinity too, unless nanOnly) in x[offset .. offset+count), or −1,
 * judged after rounding to float32 (what the file holds: 1e39 in a Float64Array is written as Infinity).
 */
function firstNonFinite(x: Vec, offset: number, count: number, nanOnly: boolean): number {
  for (let i = offset; i < offset + count; i++) {
    const v = Math.fround(x[i]!);
    if (v !== v || (!nanOnly && (v === Infinity || v === -Infinity))) return i;
  }
  return -1;
}

function oneLine(s: string): string {
  return s.replace(/[\r\n\u2028\u2029]+/g, ' ');
}

/**
 * Small checkpoints for the codec tests: every cell kind, embedding or
 * one-hot input, peepholes, with or without training state. Parameters and
 * training arrays are filled with random float32 BIT PATTERNS (every finite
 * float32 is equally likely per exponent, so subnormals and -0 turn up) plus
 * a few chosen special values at fixed places, so a round trip that loses any
 * bit shows.
 */
import assert from 'node:assert/strict';
import { createModel, type Model, type ModelConfig } from '../../src/core/model.js';
import { createRng, type Rng } from '../../src/core/rng.js';
import { defaultTrainConfig, newTrainState, type TrainConfig } from '../../src/core/train.js';
import { vocabFromTokens } from '../../src/core/vocab.js';
import type { CellKind } from '../../src/core/cells/index.js';
import type { Checkpoint } from '../../src/checkpoint/codec.js';

export interface Variant {
  cell: CellKind;
  peephole: boolean;
  embedding: number;
  layers: number;
}

export const VARIANTS: readonly Variant[] = [
  { cell: 'rnn', peephole: false, embedding: 0, layers: 1 },
  { cell: 'rnn', peephole: false, embedding: 3, layers: 2 },
  { cell: 'gru', peephole: false, embedding: 3, layers: 2 },
  { cell: 'gru', peephole: false, embedding: 0, layers: 1 },
  { cell: 'gru-simple', peephole: false, embedding: 0, layers: 2 },
  { cell: 'lstm', peephole: false, embedding: 3, layers: 2 },
  { cell: 'lstm', peephole: true, embedding: 0, layers: 2 },
];

export const variantName = (v: Variant): string =>
  `${v.layers}-layer ${v.cell}${v.peephole ? ' with peepholes' : ''}, ${v.embedding ? `embedding ${v.embedding}` : 'one-hot input'}`;

export const TOKENS = ['<EOS>', '<UNK>', 'a', 'b', 'ü'];
export const H = 3;
export const BATCH = 2;

/** Float32 bit patterns every round trip must keep. */
export const SPECIAL_BITS = [
  0x80000000, // -0
  0x00000001, // smallest subnormal
  0x807fffff, // largest negative subnormal
  0x00800000, // smallest normal
  0x7f7fffff, // largest finite
  0xff7fffff, // most negative finite
  0x3f800001, // 1 + 1 ulp
];

const isFiniteBits = (u: number): boolean => ((u >>> 23) & 0xff) !== 0xff;

/** Random finite float32 bit patterns, the SPECIAL_BITS first. */
export function fillBits(a: Float32Array, rng: Rng): void {
  const u = new Uint32Array(a.buffer, a.byteOffset, a.length);
  for (let i = 0; i < u.length; i++) {
    let x = i < SPECIAL_BITS.length ? SPECIAL_BITS[i]! : rng.nextU32();
    while (!isFiniteBits(x)) x = rng.nextU32();
    u[i] = x;
  }
}

export function configOf(v: Variant): ModelConfig {
  return { cell: v.cell, peephole: v.peephole, layers: v.layers, hidden: H, vocabSize: TOKENS.length, embedding: v.embedding, dropout: 0.25 };
}

export function makeCheckpoint(v: Variant, withTraining: boolean, seed = 1): Checkpoint {
  const rng = createRng(seed);
  const config = configOf(v);
  const model: Model = createModel(config);
  // each tensor gets the special values at its start
  for (const t of model.layout.tensors) fillBits(model.params.views[t.name] as Float32Array, rng);
  const ck: Checkpoint = {
    model,
    tokenizer: { level: 'word', lowercase: true, unkToken: '<unk>', sentence: 'paragraph' },
    vocab: vocabFromTokens(TOKENS),
    counts: [0, 2, 7, 1, 3],
    training: null,
    meta: { rnnlm: '0.1.0', created: '2024-01-02T03:04:05.000Z', corpus: 'tiny.txt', seconds: 1.5 },
  };
  if (!withTraining) return ck;
  const cfg: TrainConfig = { ...defaultTrainConfig, batch: BATCH, bptt: 4, maxTimeMs: 60000, lrDecay: 0.97 };
  const state = newTrainState(model, cfg, rng.state());
  fillBits(state.opt.m as Float32Array, rng);
  fillBits(state.opt.v as Float32Array, rng);
  state.opt.step = 17;
  const per = v.cell === 'lstm' ? 2 : 1;
  state.carry = new Float32Array(v.layers * per * BATCH * H);
  fillBits(state.carry, rng);
  Object.assign(state, {
    step: 17, epoch: 2, windowInEpoch: 3, epochSeed: 0xfffffffe, rng: [1, 0, 0xffffffff, 123456789],
    bestValLoss: 1.2345678901234567, bestStep: 15, evalsSinceBest: 1, tokensSeen: 4242, elapsedMs: 1234.5,
    history: [
      { step: 10, epoch: 1, tokensSeen: 2000, trainLoss: NaN, valLoss: null, lr: 2e-3, elapsedMs: 500 },
      { step: 15, epoch: 2, tokensSeen: 3000, trainLoss: 2.5, valLoss: 1.2345678901234567, lr: 1.94e-3, elapsedMs: 900.25 },
      { step: 17, epoch: 2, tokensSeen: 4242, trainLoss: 2.25, valLoss: Infinity, lr: 1.94e-3, elapsedMs: 1234.5 },
    ],
  });
  ck.training = {
    options: { cell: v.cell, hidden: H, 'max-time': '1m', seed: 1, quiet: false, val: null, tags: ['a', 'b'] },
    config: cfg,
    state,
  };
  return ck;
}

/** The bytes of a typed array, for bit-exact comparison. */
export function bytesOf(a: Float32Array | Float64Array | null): Uint8Array | null {
  return a ? new Uint8Array(a.buffer, a.byteOffset, a.byteLength) : null;
}

/** Two checkpoints hold the same model, vocabulary, settings and training state, every float bit for bit. */
export function assertSameCheckpoint(got: Checkpoint, want: Checkpoint): void {
  assert.deepEqual(got.model.config, want.model.config);
  assert.deepEqual(got.model.layout, want.model.layout);
  assert.ok(got.model.params.data instanceof Float32Array);
  assert.deepEqual(bytesOf(got.model.params.data), bytesOf(want.model.params.data), 'parameter bytes');
  assert.deepEqual(got.tokenizer, want.tokenizer);
  assert.deepEqual(got.vocab.tokens, want.vocab.tokens);
  assert.deepEqual([...got.vocab.index], [...want.vocab.index]);
  assert.deepEqual(got.counts, want.counts);
  assert.deepEqual(got.meta, want.meta);
  if (!want.training) {
    assert.equal(got.training, null);
    return;
  }
  const g = got.training!, w = want.training;
  assert.deepEqual(g.options, w.options);
  assert.deepEqual(g.config, w.config);
  const { opt: go, carry: gc, ...gs } = g.state;
  const { opt: wo, carry: wc, ...ws } = w.state;
  assert.deepEqual(gs, ws); // NaN / Infinity in history compare equal under deepEqual (Object.is)
  assert.equal(go.step, wo.step);
  assert.deepEqual(bytesOf(go.m), bytesOf(wo.m), 'optimizer.m bytes');
  assert.deepEqual(bytesOf(go.v), bytesOf(wo.v), 'optimizer.v bytes');
  assert.deepEqual(bytesOf(gc), bytesOf(wc), 'carry bytes');
}

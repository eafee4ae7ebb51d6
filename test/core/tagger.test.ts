/**
 * The sequence tagger (src/core/tagger.ts, bidirectional.ts, tagger-batch.ts),
 * in float64: every parameter's gradient against central finite differences
 * of the summed cross-entropy, for every cell, a 2-layer stack, the char
 * representation and padded batches; padding contributing nothing (a batch's
 * loss and gradient are the sum of its sentences' run one by one, and
 * whatever sits in the padding changes nothing); a forward computed by hand;
 * the layout's names and shapes; backward adding into its gradient; predict.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { float64Backend } from '../../src/core/backend.js';
import { alloc64, allocParams, type ParamSet } from '../../src/core/params.js';
import { createRng } from '../../src/core/rng.js';
import type { CellKind } from '../../src/core/cells/index.js';
import {
  createTagger, createTaggerWorkspace, initTagger, taggerBackward, taggerForward, taggerLayout, taggerLoss, taggerParamCount,
  taggerPredict, taggerWorkspaceFor, type Tagger, type TaggerConfig,
} from '../../src/core/tagger.js';
import { labelledCount, makeTaggerBatch, type TaggedSentence, type TaggerBatch } from '../../src/core/tagger-batch.js';
import { ShapeError } from '../../src/core/errors.js';
import { gradcheck, randomFill } from '../helpers/gradcheck.js';

const V = 6, K = 3, VC = 5;

// Three sentences of different lengths (4, 2, 3) in one batch: T = 4, two padded slots.
// One real word has no label (−1: skipped), one word has no chars.
const sentences: TaggedSentence[] = [
  { words: [1, 2, 3, 4], labels: [0, 2, 1, 0], chars: [[1, 2], [3], [4, 1, 2], [2, 2]] },
  { words: [5, 0], labels: [1, -1], chars: [[0, 3, 4, 1], [1]] },
  { words: [3, 3, 1], labels: [2, 0, 1], chars: [[4, 1, 2], [], [3, 0]] },
];

interface Variant { cell: CellKind; peephole?: boolean; layers?: number; chars?: boolean; dropout?: number }
const describe = (v: Variant) => `${v.layers ?? 1}-layer bidirectional ${v.cell}${v.peephole ? ' with peepholes' : ''}${v.chars ? ', char representation' : ''}${v.dropout ? `, dropout ${v.dropout}` : ''}`;

function configOf(v: Variant): TaggerConfig {
  return {
    cell: v.cell, peephole: v.peephole ?? false, layers: v.layers ?? 1, hidden: 3, vocabSize: V, embedding: 3, labels: K,
    dropout: v.dropout ?? 0, chars: v.chars ? { vocabSize: VC, embedding: 2, hidden: 2 } : null,
  };
}

/** A float64 tagger with parameters larger than the init (so that gates are not all near ½). */
function tagger(v: Variant, seed = 3): Tagger {
  const model = createTagger(configOf(v), float64Backend);
  initTagger(model, createRng(seed));
  randomFill(model.params.data as Float64Array, 11 + seed, 0.7);
  return model;
}

const stripChars = (s: TaggedSentence): TaggedSentence => ({ words: s.words, ...(s.labels ? { labels: s.labels } : {}) });
const batchOf = (v: Variant, ss: readonly TaggedSentence[]) => makeTaggerBatch(v.chars ? ss : ss.map(stripChars));

/** Loss and gradient of one batch (dropout masks from a fresh Rng of a fixed seed: the same masks every call). */
function lossAndGrad(model: Tagger, batch: TaggerBatch, labels: Int32Array): { loss: number; count: number; grads: ParamSet } {
  const ws = taggerWorkspaceFor(model, batch);
  taggerForward(model, ws, batch, model.config.dropout > 0 ? createRng(7) : null);
  const grads = allocParams(model.layout, alloc64);
  const { sum, count } = taggerBackward(model, ws, labels, grads);
  return { loss: sum, count, grads };
}

const variants: Variant[] = [
  { cell: 'rnn' },
  { cell: 'gru' },
  { cell: 'gru-simple' },
  { cell: 'lstm' },
  { cell: 'lstm', peephole: true },
  { cell: 'lstm', layers: 2 },
  { cell: 'gru', layers: 2, dropout: 0.3 },
  { cell: 'lstm', chars: true },
  { cell: 'rnn', chars: true, layers: 2, dropout: 0.25 },
  { cell: 'lstm', peephole: true, chars: true, layers: 2 },
];

for (const v of variants) {
  const name = describe(v);
  test(`tagger gradient check (padded batch of lengths 4, 2, 3): ${name}`, (t) => {
    const model = tagger(v);
    const batch = batchOf(v, sentences);
    const ws = createTaggerWorkspace(model, batch.T, batch.B, batch.chars?.width ?? 0, alloc64);
    const rng = () => (v.dropout ? createRng(7) : null);
    const L = () => {
      taggerForward(model, ws, batch, rng());
      return taggerLoss(model, ws, batch.labels).sum;
    };
    taggerForward(model, ws, batch, rng());
    if (v.dropout) for (const m of ws.masks) assert.ok(m!.includes(0) && m!.some((x) => x > 1), 'the masks drop some units and keep (scaled) others');
    const grads = allocParams(model.layout, alloc64);
    const { count } = taggerBackward(model, ws, batch.labels, grads);
    assert.equal(count, 8, 'the 8 labelled words count, the unlabelled one and the padding do not');
    assert.equal(labelledCount(batch, garbled(batch).labels), 8, 'labels in the padding do not count');
    for (const tensor of model.layout.tensors) {
      const g = grads.views[tensor.name]!;
      const r = gradcheck(L, model.params.views[tensor.name] as Float64Array, g);
      t.diagnostic(`${tensor.name}: max rel err ${r.maxRel.toExponential(2)}`);
      assert.ok(r.maxRel < 1e-6, `${name} ${tensor.name}: ${r.maxRel} at ${r.worst} (${r.analytic} vs ${r.numeric})`);
      if (tensor.name !== 'embedding.weight' && tensor.name !== 'char_embedding.weight') assert.ok(g.some((x) => x !== 0), `${tensor.name} gets a gradient`);
    }
  });
}

/** Padding everywhere it can be: other ids, labels and chars past each end, other chars past each word's length. */
function garbled(batch: TaggerBatch & { labels: Int32Array }): TaggerBatch & { labels: Int32Array } {
  const words = Int32Array.from(batch.words), labels = Int32Array.from(batch.labels);
  const chars = batch.chars ? { width: batch.chars.width, ids: Int32Array.from(batch.chars.ids), lengths: Int32Array.from(batch.chars.lengths) } : null;
  for (let t = 0; t < batch.T; t++) {
    for (let b = 0; b < batch.B; b++) {
      const r = t * batch.B + b;
      const pad = t >= batch.lengths[b]!;
      if (pad) { words[r] = (t + b) % V; labels[r] = (t * b) % K; }
      if (chars) {
        if (pad) chars.lengths[r] = 1 + ((t + b) % chars.width);
        for (let i = pad ? 0 : chars.lengths[r]!; i < chars.width; i++) chars.ids[r * chars.width + i] = (i + t) % VC;
      }
    }
  }
  return { ...batch, words, labels, chars };
}

for (const v of [{ cell: 'rnn' }, { cell: 'gru', chars: true }, { cell: 'gru-simple', layers: 2 }, { cell: 'lstm', chars: true }, { cell: 'lstm', peephole: true, chars: true, layers: 2 }] as Variant[]) {
  const name = describe(v);
  test(`padding contributes nothing: a padded batch's loss and gradient are the sum of its sentences' run alone, and garbage in the padding changes nothing (${name})`, () => {
    const model = tagger(v, 5);
    const batch = batchOf(v, sentences);
    const all = lossAndGrad(model, batch, batch.labels);
    let loss = 0, count = 0;
    const sum = new Float64Array(model.layout.total);
    for (const s of sentences) {
      const one = batchOf(v, [s]);
      assert.equal(one.T, s.words.length, 'alone: no padding at all');
      const r = lossAndGrad(model, one, one.labels);
      loss += r.loss;
      count += r.count;
      for (let i = 0; i < sum.length; i++) sum[i] += r.grads.data[i]!;
    }
    assert.equal(all.count, count);
    assert.ok(Math.abs(all.loss - loss) <= 1e-13 * loss, `batch loss ${all.loss}, sum alone ${loss}`);
    const scale = Math.max(...sum.map(Math.abs));
    for (const t of model.layout.tensors) {
      for (let i = t.offset; i < t.offset + t.size; i++) {
        assert.ok(Math.abs(all.grads.data[i]! - sum[i]!) <= 1e-13 * scale, `${t.name}[${i - t.offset}]: batch ${all.grads.data[i]}, sum alone ${sum[i]}`);
      }
    }
    const g = garbled(batch);
    const other = lossAndGrad(model, g, g.labels);
    assert.equal(other.loss, all.loss, 'the same loss, bit for bit');
    assert.deepEqual(other.grads.data, all.grads.data, 'the same gradient, bit for bit');
  });
}

test('forward by hand: a 1-unit RNN each way; the reverse direction is the forward recurrence run over the reversed sentence, from each sentence\'s own last word', () => {
  const config: TaggerConfig = { cell: 'rnn', peephole: false, layers: 1, hidden: 1, vocabSize: 3, embedding: 1, labels: 2, dropout: 0 };
  const model = createTagger(config, float64Backend);
  const w = model.params.views;
  const set = (name: string, ...xs: number[]) => { assert.equal(w[name]!.length, xs.length, name); w[name]!.set(xs); };
  set('embedding.weight', 0.5, -1, 2);
  set('weight_ih_l0', 0.7); set('weight_hh_l0', -0.3); set('bias_ih_l0', 0.1); set('bias_hh_l0', 0.05);
  set('weight_ih_l0_reverse', -0.4); set('weight_hh_l0_reverse', 0.6); set('bias_ih_l0_reverse', -0.2); set('bias_hh_l0_reverse', 0.1);
  set('classifier.weight', 1.5, -0.5, -1, 2); // (K, 2H): row k = [forward, reverse]
  set('classifier.bias', 0.25, -0.25);
  const batch = makeTaggerBatch([{ words: [0, 1, 2] }, { words: [2, 1] }]); // the second padded to T = 3
  const ws = createTaggerWorkspace(model, 3, 2);
  const logp = taggerForward(model, ws, batch);
  const emb = [0.5, -1, 2];
  for (const [b, words] of [[0, [0, 1, 2]], [1, [2, 1]]] as [number, number[]][]) {
    const x = words.map((id) => emb[id]!);
    const n = x.length;
    // forward: f<t> = tanh(0.7 x<t> − 0.3 f<t−1> + 0.15), f<0> = 0
    const f: number[] = [];
    for (let t = 0, h = 0; t < n; t++) f.push(h = Math.tanh(0.7 * x[t]! - 0.3 * h + 0.15));
    // the same recurrence with the reverse weights over x reversed: r<n−1> reads x<n−1> first
    const xr = [...x].reverse();
    const rr: number[] = [];
    for (let t = 0, h = 0; t < n; t++) rr.push(h = Math.tanh(-0.4 * xr[t]! + 0.6 * h - 0.1));
    const r = rr.reverse(); // r[t]: the reverse state at word t
    for (let t = 0; t < n; t++) {
      const row = t * 2 + b;
      const y = ws.words.layers[0]!.y;
      assert.ok(Math.abs(y[row * 2]! - f[t]!) < 1e-15, `sentence ${b} word ${t}: forward ${y[row * 2]} vs ${f[t]}`);
      assert.ok(Math.abs(y[row * 2 + 1]! - r[t]!) < 1e-15, `sentence ${b} word ${t}: reverse ${y[row * 2 + 1]} vs ${r[t]}`);
      const z = [0.25 + 1.5 * f[t]! - 0.5 * r[t]!, -0.25 - 1 * f[t]! + 2 * r[t]!];
      const lse = Math.log(Math.exp(z[0]!) + Math.exp(z[1]!));
      for (let k = 0; k < 2; k++) assert.ok(Math.abs(logp[row * 2 + k]! - (z[k]! - lse)) < 1e-14, `log P(label ${k}) of sentence ${b} word ${t}`);
    }
  }
  // the reverse state at the padded sentence's first word (ids [2, 1]: x = [2, −1]) starts from its last word, not from the padding
  const r0 = Math.tanh(-0.4 * 2 + 0.6 * Math.tanh(-0.4 * -1 - 0.1) - 0.1);
  assert.ok(Math.abs(ws.words.layers[0]!.y[1 * 2 + 1]! - r0) < 1e-15);
  assert.deepEqual(Array.from(ws.words.layers[0]!.y.subarray(5 * 2, 6 * 2)), [0, 0], 'the padding position outputs zero');
});

test('layout: PyTorch names with _reverse, the classifier and the char part, in layout order; the parameter count is their sum', () => {
  const c: TaggerConfig = { cell: 'lstm', peephole: true, layers: 2, hidden: 5, vocabSize: 7, embedding: 4, labels: 3, dropout: 0, chars: { vocabSize: 9, embedding: 2, hidden: 3 } };
  const got = taggerLayout(c).tensors.map((t) => `${t.name} ${t.shape.join('×')}`);
  const dir = (p: string, l: number, s: string, H: number, D: number) => [
    `${p}weight_ih_l${l}${s} ${4 * H}×${D}`, `${p}weight_hh_l${l}${s} ${4 * H}×${H}`, `${p}bias_ih_l${l}${s} ${4 * H}`, `${p}bias_hh_l${l}${s} ${4 * H}`,
    `${p}weight_peephole_l${l}${s} ${3 * H}`,
  ];
  const want = [
    'embedding.weight 7×4', 'char_embedding.weight 9×2',
    ...dir('char_rnn.', 0, '', 3, 2), ...dir('char_rnn.', 0, '_reverse', 3, 2),
    ...dir('', 0, '', 5, 4 + 6), ...dir('', 0, '_reverse', 5, 4 + 6),
    ...dir('', 1, '', 5, 10), ...dir('', 1, '_reverse', 5, 10),
    'classifier.weight 3×10', 'classifier.bias 3',
  ];
  assert.deepEqual(got, want);
  assert.equal(taggerParamCount(c), taggerLayout(c).tensors.reduce((s, t) => s + t.size, 0));
  const plain = taggerLayout({ ...c, cell: 'gru', peephole: false, layers: 1, chars: null }).tensors.map((t) => t.name);
  assert.deepEqual(plain, ['embedding.weight', 'weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0',
    'weight_ih_l0_reverse', 'weight_hh_l0_reverse', 'bias_ih_l0_reverse', 'bias_hh_l0_reverse', 'classifier.weight', 'classifier.bias']);
  assert.throws(() => createTagger({ ...c, cell: 'gru' }), ShapeError, 'peepholes are the LSTM\'s');
  assert.throws(() => createTagger({ ...c, labels: 0 }), /labels must be a positive integer/);
  assert.throws(() => createTagger({ ...c, dropout: 1 }), /dropout must be in \[0, 1\)/);
});

test('init: embeddings N(0, 1), weights within ±1/√H of their stack, classifier bias 0, the forget-gate bias 1 in every direction; the same seed gives the same parameters', () => {
  const c: TaggerConfig = { cell: 'lstm', peephole: false, layers: 2, hidden: 16, vocabSize: 50, embedding: 8, labels: 4, dropout: 0, chars: { vocabSize: 20, embedding: 4, hidden: 4 } };
  const a = createTagger(c), b = createTagger(c);
  initTagger(a, createRng(1));
  initTagger(b, createRng(1));
  assert.deepEqual(a.params.data, b.params.data);
  const w = a.params.views;
  const std = (x: ArrayLike<number>) => Math.sqrt(Array.from(x).reduce((s, v) => s + v * v, 0) / x.length);
  assert.ok(Math.abs(std(w['embedding.weight']!) - 1) < 0.15);
  assert.ok(w['classifier.bias']!.every((x) => x === 0));
  assert.ok(w['classifier.weight']!.every((x) => Math.abs(x) <= 1 / Math.sqrt(32)));
  assert.ok(w['weight_hh_l1_reverse']!.every((x) => Math.abs(x) <= 1 / 4));
  assert.ok(w['char_rnn.weight_ih_l0']!.every((x) => Math.abs(x) <= 1 / 2) && w['char_rnn.weight_ih_l0']!.some((x) => Math.abs(x) > 1 / 4));
  for (const [p, H] of [['', 16], ['char_rnn.', 4]] as const) {
    for (const s of ['', '_reverse']) {
      const bih = w[`${p}bias_ih_l0${s}`]!, bhh = w[`${p}bias_hh_l0${s}`]!;
      for (let j = H; j < 2 * H; j++) { assert.equal(bih[j], 1); assert.equal(bhh[j], 0); }
    }
  }
});

test('backward adds into the gradient: two backward passes after one forward give twice one pass', () => {
  const v: Variant = { cell: 'gru', chars: true, layers: 2, dropout: 0.2 };
  const model = tagger(v);
  const batch = batchOf(v, sentences);
  const ws = taggerWorkspaceFor(model, batch);
  taggerForward(model, ws, batch, createRng(4));
  const grads = allocParams(model.layout, alloc64);
  const first = taggerBackward(model, ws, batch.labels, grads, 0.5);
  const once = Float64Array.from(grads.data);
  const second = taggerBackward(model, ws, batch.labels, grads, 0.5);
  assert.deepEqual(second, first);
  const scale = Math.max(...once.map(Math.abs));
  grads.data.forEach((x, i) => assert.ok(Math.abs(x - 2 * once[i]!) <= 1e-14 * scale, `[${i}] ${x} vs 2 × ${once[i]}`));
});

test('dropout: training draws masks from the Rng (the same seed, the same output); without an Rng there is none', () => {
  const v: Variant = { cell: 'lstm', layers: 2, dropout: 0.5 };
  const model = tagger(v);
  const batch = batchOf(v, sentences);
  const ws = taggerWorkspaceFor(model, batch);
  const run = (rng: ReturnType<typeof createRng> | null) => Array.from(taggerForward(model, ws, batch, rng));
  const plain = run(null);
  assert.deepEqual(run(null), plain);
  const a = run(createRng(1));
  assert.deepEqual(run(createRng(1)), a);
  assert.notDeepEqual(a, plain);
  assert.notDeepEqual(run(createRng(2)), a);
  const rng = createRng(9);
  run(rng);
  assert.notDeepEqual(rng.state(), createRng(9).state(), 'one draw from the Rng');
});

test('predict: the argmax label and the label distribution of every real word, per batch position and per sentence', () => {
  const v: Variant = { cell: 'gru-simple', chars: true };
  const model = tagger(v);
  const batch = batchOf(v, sentences);
  const ws = taggerWorkspaceFor(model, batch);
  const p = taggerPredict(model, ws, batch);
  const logp = taggerForward(model, ws, batch);
  assert.deepEqual(p.sentences.map((s) => s.labels.length), [4, 2, 3]);
  for (let b = 0; b < 3; b++) {
    for (let t = 0; t < batch.T; t++) {
      const r = t * 3 + b;
      if (t >= batch.lengths[b]!) {
        assert.equal(p.labels[r], -1);
        assert.ok(p.probs.subarray(r * K, r * K + K).every((x) => x === 0));
        continue;
      }
      const row = Array.from(p.probs.subarray(r * K, r * K + K));
      assert.ok(Math.abs(row.reduce((s, x) => s + x, 0) - 1) < 1e-12);
      assert.equal(p.labels[r], row.indexOf(Math.max(...row)));
      assert.equal(p.sentences[b]!.labels[t], p.labels[r]);
      assert.deepEqual(Array.from(p.sentences[b]!.probs.subarray(t * K, t * K + K)), row);
      row.forEach((x, k) => assert.ok(Math.abs(Math.log(x) - logp[r * K + k]!) < 1e-12));
    }
  }
});

test('batches: time-major ids, lengths, −1 padding, chars (T·B, width); bad ids and shapes are ShapeErrors', () => {
  const b = makeTaggerBatch(sentences);
  assert.equal(b.T, 4);
  assert.equal(b.B, 3);
  assert.deepEqual(Array.from(b.words), [1, 5, 3, 2, 0, 3, 3, -1, 1, 4, -1, -1]);
  assert.deepEqual(Array.from(b.labels), [0, 1, 2, 2, -1, 0, 1, -1, 1, 0, -1, -1]);
  assert.deepEqual(Array.from(b.lengths), [4, 2, 3]);
  assert.equal(b.chars!.width, 4);
  assert.deepEqual(Array.from(b.chars!.lengths), [2, 4, 3, 1, 1, 0, 3, 0, 2, 2, 0, 0]);
  assert.deepEqual(Array.from(b.chars!.ids.subarray(1 * 4, 2 * 4)), [0, 3, 4, 1], 'row t·B + b = 0·3 + 1: word 0 of sentence 1');
  assert.throws(() => makeTaggerBatch([{ words: [1, 2], labels: [0] }]), ShapeError);
  assert.throws(() => makeTaggerBatch([sentences[0]!, stripChars(sentences[1]!)]), ShapeError);
  const model = tagger({ cell: 'rnn', chars: true });
  const ws = taggerWorkspaceFor(model, b);
  assert.throws(() => taggerForward(model, ws, makeTaggerBatch(sentences.map(stripChars))), /needs chars/);
  assert.throws(() => taggerForward(model, ws, makeTaggerBatch([{ words: [V], chars: [[1]] }])), /outside the vocabulary/);
  assert.throws(() => taggerForward(model, ws, makeTaggerBatch([{ words: [1], chars: [[VC]] }])), /outside the char vocabulary/);
  assert.throws(() => taggerForward(model, createTaggerWorkspace(model, 2, 3, 4), b), /does not fit the workspace/);
  assert.throws(() => taggerLoss(model, createTaggerWorkspace(model, 4, 3, 4), b.labels), /need a forward/);
  taggerForward(model, ws, b);
  assert.throws(() => taggerLoss(model, ws, Int32Array.from(b.labels, (y) => (y === 2 ? K : y))), /label 3 outside/);
  // a workspace grows for a larger batch, and is kept for one that fits
  assert.equal(taggerWorkspaceFor(model, makeTaggerBatch([sentences[1]!]), ws), ws);
  const big = taggerWorkspaceFor(model, makeTaggerBatch([...sentences, { words: [1, 1, 1, 1, 1], chars: [[1], [1], [1], [1], [1, 2, 3, 4, 0, 1]] }]), ws);
  assert.deepEqual([big.T, big.B, big.C], [5, 4, 6]);
});

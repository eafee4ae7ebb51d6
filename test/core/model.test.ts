/**
 * The whole model with its loss: stacked layers, embedding or one-hot input,
 * masking of unequal lengths, in float64. Every parameter and the initial
 * state of every layer are checked against central finite differences of the
 * summed cross-entropy; backward adds into the gradient it is given.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { float64Backend } from '../../src/core/backend.js';
import { backward, createModel, forward, initModel, outputLoss, usesDropout, type ModelConfig } from '../../src/core/model.js';
import { createWorkspace } from '../../src/core/workspace.js';
import { softmaxCrossEntropy } from '../../src/core/loss.js';
import { alloc64, allocParams } from '../../src/core/params.js';
import { createRng } from '../../src/core/rng.js';
import type { CellKind } from '../../src/core/cells/index.js';
import { gradcheck, randomFill } from '../helpers/gradcheck.js';

const T = 4, B = 3, V = 6;
// Inputs are the previous token (−1 = the zero input of step 1); targets −1 are padding.
// Slot 0: a full 4-token sentence; slot 1: 2 tokens then padding; slot 2: 3 tokens.
const inputs = Int32Array.from([-1, -1, -1, 2, 3, 4, 5, 0, 1, 3, 0, 2]); // (T, B) time-major
const targets = Int32Array.from([2, 3, 4, 5, 0, 1, 3, -1, 2, 0, -1, 0]);

interface Variant { cell: CellKind; peephole: boolean; embedding: number; layers: number; tied?: boolean; dropout?: number; inputDropout?: number; wordDropout?: number; lockedDropout?: boolean }
const variants: Variant[] = [
  { cell: 'rnn', peephole: false, embedding: 0, layers: 2 },
  { cell: 'gru', peephole: false, embedding: 3, layers: 2 },
  { cell: 'gru-simple', peephole: false, embedding: 0, layers: 2 },
  { cell: 'lstm', peephole: false, embedding: 3, layers: 2 },
  { cell: 'lstm', peephole: true, embedding: 0, layers: 2 },
  { cell: 'lstm', peephole: false, embedding: 0, layers: 1 },
  // tied: embedding.weight is also the decoder's weight, one tensor with both gradients
  { cell: 'lstm', peephole: false, embedding: 5, layers: 2, tied: true },
  { cell: 'gru', peephole: false, embedding: 5, layers: 1, tied: true },
  // dropout: the masks are a function of the seed, so the loss is a smooth function of the parameters and checkable
  { cell: 'lstm', peephole: false, embedding: 3, layers: 2, dropout: 0.3 },
  { cell: 'rnn', peephole: false, embedding: 0, layers: 2, dropout: 0.3, lockedDropout: true },
  { cell: 'lstm', peephole: false, embedding: 3, layers: 2, dropout: 0.3, inputDropout: 0.3, wordDropout: 0.3 },
  { cell: 'gru-simple', peephole: false, embedding: 4, layers: 2, dropout: 0.2, inputDropout: 0.4, lockedDropout: true },
  { cell: 'gru', peephole: false, embedding: 5, layers: 1, tied: true, inputDropout: 0.3, wordDropout: 0.5 },
];
const extras = (v: Variant): string => [v.tied && 'tied', v.dropout && `dropout ${v.dropout}`, v.inputDropout && `input dropout ${v.inputDropout}`,
  v.wordDropout && `word dropout ${v.wordDropout}`, v.lockedDropout && 'locked'].filter(Boolean).map((x) => `, ${x}`).join('');

for (const v of variants) {
  const name = `${v.layers}-layer ${v.cell}${v.peephole ? ' (peepholes)' : ''}, ${v.embedding ? `embedding ${v.embedding}` : 'one-hot input'}${extras(v)}`;
  test(`model gradient check: ${name}`, (t) => {
    const { cell, peephole, layers, embedding, ...rest } = v;
    const config: ModelConfig = { cell, peephole, layers, hidden: 5, vocabSize: V, embedding, ...rest, dropout: v.dropout ?? 0 };
    const dropout = usesDropout(config) ? { seed: 42, slot0: 0 } : null;
    const model = createModel(config, float64Backend);
    initModel(model, createRng(3));
    randomFill(model.params.data as Float64Array, 11, 0.7); // larger than init, so gates are not all near 0.5
    const ws = createWorkspace(model, T, B, alloc64);
    const h0 = ws.layers.map((_, l) => { const a = new Float64Array(B * 5); randomFill(a, 20 + l, 0.5); return a; });
    const c0 = ws.layers.map((_, l) => { const a = new Float64Array(B * 5); randomFill(a, 40 + l, 0.5); return a; });
    const loss = (grad: boolean) => {
      ws.layers.forEach((lb, l) => { lb.hs.set(h0[l]!); lb.cs?.set(c0[l]!); });
      forward(model, ws, inputs, T, dropout);
      return softmaxCrossEntropy(model.backend.elementwise, ws.logits, T * B, V, targets, grad, 1).sum;
    };
    loss(true);
    for (const m of ws.masks) if (m) assert.ok(m.includes(0) && m.some((x) => x > 1), 'the masks drop some units and keep (scaled) others');
    const grads = allocParams(model.layout, alloc64);
    backward(model, ws, grads, T);
    const dh0 = ws.layers.map((lb) => Float64Array.from(lb.dhs.subarray(0, B * 5)));
    const dc0 = ws.layers.map((lb) => (lb.dc ? Float64Array.from(lb.dc) : null));

    const L = () => loss(false);
    for (const tensor of model.layout.tensors) {
      const x = model.params.views[tensor.name] as Float64Array;
      const r = gradcheck(L, x, grads.views[tensor.name]!);
      t.diagnostic(`${tensor.name}: max rel err ${r.maxRel.toExponential(2)}, max abs err ${r.maxAbs.toExponential(2)}`);
      assert.ok(r.maxRel < 1e-6, `${name} ${tensor.name}: ${r.maxRel} at ${r.worst} (${r.analytic} vs ${r.numeric})`);
    }
    for (let l = 0; l < v.layers; l++) {
      const r = gradcheck(L, h0[l]!, dh0[l]!);
      assert.ok(r.maxRel < 1e-6, `a<0> of layer ${l}: ${r.maxRel}`);
      if (dc0[l]) {
        const rc = gradcheck(L, c0[l]!, dc0[l]!);
        assert.ok(rc.maxRel < 1e-6, `c<0> of layer ${l}: ${rc.maxRel}`);
      }
    }
  });
}

/**
 * backward ADDS into the gradient it is given (whoever owns it zeroes it once
 * per step): two forward + backward passes over the same window into one
 * gradient give twice one pass's gradient, exactly, for every cell, with and
 * without dropout (the same seed: the same masks). The window is one step of
 * one row, so that every element of every gradient tensor receives one
 * addition per pass and g + g = 2g is exact in floating point (over longer
 * windows the second pass rounds its sums from g rather than from 0; the
 * cells' own tests, test/core/cells/, check that case within rounding).
 */
// (one token: input and word dropout could drop its whole embedding row, leaving that gradient 0; the gradient checks cover them)
for (const v of [...variants.filter((x) => !x.inputDropout && !x.wordDropout), { cell: 'gru' as CellKind, peephole: false, embedding: 0, layers: 2, dropout: 0.4 }]) {
  const p = v.dropout ?? 0;
  const name = `${v.layers}-layer ${v.cell}${v.peephole ? ' (peepholes)' : ''}, ${v.embedding ? `embedding ${v.embedding}` : 'one-hot input'}${p ? `, dropout ${p}` : ''}`;
  test(`model backward adds into the gradient: ${name}, two passes over one window give exactly twice one pass`, () => {
    const config: ModelConfig = { cell: v.cell, peephole: v.peephole, layers: v.layers, hidden: 5, vocabSize: V, embedding: v.embedding, dropout: p, ...('tied' in v && v.tied ? { tied: true } : {}), ...('lockedDropout' in v && v.lockedDropout ? { lockedDropout: true } : {}) };
    const model = createModel(config, float64Backend);
    initModel(model, createRng(5));
    randomFill(model.params.data as Float64Array, 12, 0.7);
    const ws = createWorkspace(model, 1, 1, alloc64);
    const pass = (grads: ReturnType<typeof allocParams>) => {
      ws.layers.forEach((lb, l) => { randomFill(lb.hs.subarray(0, 5), 30 + l, 0.5); if (lb.cs) randomFill(lb.cs.subarray(0, 5), 50 + l, 0.5); });
      forward(model, ws, Int32Array.of(2), 1, p ? { seed: 99, slot0: 0 } : null);
      softmaxCrossEntropy(model.backend.elementwise, ws.logits, 1, V, Int32Array.of(3), true, 1);
      backward(model, ws, grads, 1);
    };
    const grads = allocParams(model.layout, alloc64);
    pass(grads);
    const once = Float64Array.from(grads.data);
    for (const t of model.layout.tensors) assert.ok(grads.views[t.name]!.some((x) => x !== 0), `${t.name}: the first pass left a gradient`);
    pass(grads);
    for (const t of model.layout.tensors) {
      const got = grads.views[t.name]!, first = once.subarray(t.offset, t.offset + t.size);
      if (config.tied && t.name === 'embedding.weight') {
        // two contributions (decoder and input) per pass: (a + b) + a + b rounds otherwise than 2(a + b)
        got.forEach((x, i) => assert.ok(Math.abs(x - 2 * first[i]!) <= 1e-14 * Math.max(1, Math.abs(x)), `${name} ${t.name}[${i}]`));
      } else {
        assert.deepEqual(got, first.map((x) => 2 * x), `${name} ${t.name}: two passes give exactly twice one pass`);
      }
    }
  });
}

test('softmax rows sum to 1 and the loss is −Σ log P(target), EOS included', () => {
  const config: ModelConfig = { cell: 'lstm', peephole: false, layers: 2, hidden: 4, vocabSize: V, embedding: 0, dropout: 0 };
  const model = createModel(config, float64Backend);
  initModel(model, createRng(9));
  const ws = createWorkspace(model, T, B, alloc64);
  forward(model, ws, inputs, T, null);
  let expected = 0;
  for (let r = 0; r < T * B; r++) {
    const z = ws.logits.subarray(r * V, r * V + V);
    const e = Array.from(z, Math.exp);
    const s = e.reduce((a, b) => a + b, 0);
    const p = e.map((x) => x / s);
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    if (targets[r]! >= 0) expected -= Math.log(p[targets[r]!]!);
  }
  const logp = new Float64Array(T * B);
  const got = softmaxCrossEntropy(model.backend.elementwise, ws.logits, T * B, V, targets, false, 1, logp);
  assert.equal(got.count, 10);
  assert.ok(Math.abs(got.sum - expected) < 1e-10);
  assert.ok(Math.abs(-logp.reduce((a, b) => a + b, 0) - expected) < 1e-10);
});

test('tied embeddings: no decoder.weight (V·H fewer parameters); the same logits as an untied model whose decoder.weight is a copy of the embedding', () => {
  const base: ModelConfig = { cell: 'lstm', peephole: false, layers: 2, hidden: 4, vocabSize: V, embedding: 4, dropout: 0 };
  const tied = createModel({ ...base, tied: true }, float64Backend);
  const free = createModel(base, float64Backend);
  assert.equal(tied.layout.total, free.layout.total - V * 4);
  assert.ok(!tied.layout.tensors.some((t) => t.name === 'decoder.weight'));
  initModel(tied, createRng(5));
  randomFill(tied.params.data as Float64Array, 12, 0.7);
  for (const t of tied.layout.tensors) free.params.views[t.name]!.set(tied.params.views[t.name]!);
  free.params.views['decoder.weight']!.set(tied.params.views['embedding.weight']!);
  const a = createWorkspace(tied, T, B, alloc64), b = createWorkspace(free, T, B, alloc64);
  forward(tied, a, inputs, T, null);
  forward(free, b, inputs, T, null);
  assert.deepEqual(Array.from(a.logits.subarray(0, T * B * V)), Array.from(b.logits.subarray(0, T * B * V)));
  assert.throws(() => createModel({ ...base, embedding: 3, tied: true }), /embedding size equal to the hidden size/);
  assert.throws(() => createModel({ ...base, embedding: 0, hidden: 6, tied: true }), /embedding size equal to the hidden size/);
});

test('input and word dropout masks: a word type is dropped everywhere in the window or nowhere; locked masks repeat across steps; nothing is drawn without training', () => {
  const Tn = 6, Bn = 4, E = 5;
  const ins = Int32Array.from({ length: Tn * Bn }, (_, i) => i % V); // every type at several places
  const mk = (over: Partial<ModelConfig>) => {
    const model = createModel({ cell: 'gru', peephole: false, layers: 1, hidden: 4, vocabSize: V, embedding: E, dropout: 0, ...over }, float64Backend);
    initModel(model, createRng(1));
    const ws = createWorkspace(model, Tn, Bn, alloc64);
    forward(model, ws, ins, Tn, { seed: 9, slot0: 0 });
    return ws.masks[0]!;
  };
  const words = mk({ wordDropout: 0.5 });
  const rowKeep = (m: Float64Array | Float32Array, r: number) => m[r * E]!;
  for (let r = 0; r < Tn * Bn; r++) {
    for (let j = 0; j < E; j++) assert.equal(words[r * E + j], rowKeep(words, r), 'the whole row');
    assert.ok(rowKeep(words, r) === 0 || rowKeep(words, r) === 2);
    for (let q = 0; q < Tn * Bn; q++) if (ins[q] === ins[r]) assert.equal(rowKeep(words, q), rowKeep(words, r), 'the same type, the same fate');
  }
  const types = new Set(Array.from({ length: Tn * Bn }, (_, r) => `${ins[r]}:${rowKeep(words, r)}`));
  assert.ok([...types].some((k) => k.endsWith(':0')) && [...types].some((k) => k.endsWith(':2')), 'some types dropped, some kept');
  const locked = mk({ inputDropout: 0.5, lockedDropout: true });
  const free = mk({ inputDropout: 0.5 });
  const row = (m: Float64Array | Float32Array, t: number, b: number) => Array.from(m.subarray((t * Bn + b) * E, (t * Bn + b) * E + E));
  for (let t = 1; t < Tn; t++) for (let b = 0; b < Bn; b++) assert.deepEqual(row(locked, t, b), row(locked, 0, b), 'locked: one mask per slot for the window');
  assert.ok(Array.from({ length: Tn }, (_, t) => row(free, t, 0).join()).some((x, _, all) => x !== all[0]), 'unlocked: new masks per step');
  // scoring (no dropout argument) reads the embedding as it is
  const model = createModel({ cell: 'gru', peephole: false, layers: 1, hidden: 4, vocabSize: V, embedding: E, dropout: 0, inputDropout: 0.5 }, float64Backend);
  initModel(model, createRng(1));
  const a = createWorkspace(model, Tn, Bn, alloc64);
  forward(model, a, ins, Tn, null);
  const plain = createModel({ ...model.config, inputDropout: 0 }, float64Backend);
  plain.params.data.set(model.params.data);
  const b = createWorkspace(plain, Tn, Bn, alloc64);
  forward(plain, b, ins, Tn, null);
  assert.deepEqual(Array.from(a.logits), Array.from(b.logits));
  assert.throws(() => createModel({ ...model.config, embedding: 0 }), /inputDropout needs an embedding/);
  assert.throws(() => createModel({ ...model.config, wordDropout: 1 }), /wordDropout must be in \[0, 1\)/);
});

// ── adaptive softmax ──────────────────────────────────────────────────────────

const adaptiveVariants: (Partial<ModelConfig> & { cell: CellKind; layers: number; embedding: number })[] = [
  { cell: 'lstm', layers: 2, embedding: 3, cutoffs: [2, 4], adaptiveDiv: 2 },
  { cell: 'gru', layers: 1, embedding: 0, cutoffs: [3], adaptiveDiv: 1, dropout: 0.3 },
  { cell: 'rnn', layers: 2, embedding: 4, cutoffs: [1, 2, 5], adaptiveDiv: 1.5, inputDropout: 0.3 },
];

for (const v of adaptiveVariants) {
  const name = `adaptive softmax, cut-offs ${v.cutoffs!.join(',')} ÷${v.adaptiveDiv}: ${v.layers}-layer ${v.cell}${v.embedding ? `, embedding ${v.embedding}` : ''}${v.dropout ? `, dropout ${v.dropout}` : ''}${v.inputDropout ? `, input dropout ${v.inputDropout}` : ''}`;
  test(`model gradient check: ${name} (training's sparse loss against finite differences of the full log-probabilities)`, (t) => {
    const config: ModelConfig = { peephole: false, hidden: 5, vocabSize: V, dropout: 0, ...v };
    const model = createModel(config, float64Backend);
    initModel(model, createRng(3));
    randomFill(model.params.data as Float64Array, 11, 0.7);
    const ws = createWorkspace(model, T, B, alloc64);
    const dropout = usesDropout(config) ? { seed: 42, slot0: 0 } : null;
    const reset = () => ws.layers.forEach((lb) => { lb.hs.fill(0); lb.cs?.fill(0); });
    // the loss for the finite differences: the inference path, every row's full log-probabilities
    const L = () => {
      reset();
      forward(model, ws, inputs, T, dropout);
      let s = 0;
      for (let r = 0; r < T * B; r++) if (targets[r]! >= 0) s -= ws.logits[r * V + targets[r]!]!;
      return s;
    };
    const full = L();
    reset();
    forward(model, ws, inputs, T, dropout, false);
    const grads = allocParams(model.layout, alloc64);
    const { sum, count } = outputLoss(model, ws, T, targets, 1, grads);
    assert.equal(count, targets.filter((y) => y >= 0).length);
    assert.ok(Math.abs(sum - full) < 1e-12 * Math.abs(full), `the sparse loss ${sum} is the full one ${full}`);
    backward(model, ws, grads, T);
    for (const tensor of model.layout.tensors) {
      const r = gradcheck(L, model.params.views[tensor.name] as Float64Array, grads.views[tensor.name]!);
      t.diagnostic(`${tensor.name}: max rel err ${r.maxRel.toExponential(2)}`);
      assert.ok(r.maxRel < 1e-6, `${name} ${tensor.name}: ${r.maxRel} at ${r.worst} (${r.analytic} vs ${r.numeric})`);
    }
  });
}

test('adaptive softmax: every row sums to 1 and equals a reference computed by hand from the same weights (head softmax × tail softmax)', () => {
  const Vb = 11, H = 6;
  const config: ModelConfig = { cell: 'gru', peephole: false, layers: 1, hidden: H, vocabSize: Vb, embedding: 0, dropout: 0, cutoffs: [4, 7], adaptiveDiv: 2 };
  const model = createModel(config, float64Backend);
  initModel(model, createRng(8));
  randomFill(model.params.data as Float64Array, 5, 0.9);
  const ws = createWorkspace(model, 3, 2, alloc64);
  forward(model, ws, Int32Array.from([-1, -1, 3, 9, 10, 0]), 3, null);
  const w = model.params.views;
  const lin = (W: ArrayLike<number>, x: ArrayLike<number>, rows: number, cols: number, b?: ArrayLike<number>) =>
    Array.from({ length: rows }, (_, i) => { let s = b ? b[i]! : 0; for (let j = 0; j < cols; j++) s += W[i * cols + j]! * x[j]!; return s; });
  const softmax = (z: number[]) => { const m = Math.max(...z); const e = z.map((x) => Math.exp(x - m)); const s = e.reduce((a, b) => a + b, 0); return e.map((x) => x / s); };
  for (let r = 0; r < 6; r++) {
    const h = Array.from(ws.layers[0]!.hs.subarray((r + 2) * H, (r + 3) * H)); // hs[t + 1], row r = t·B + b
    const head = softmax(lin(w['decoder.head.weight']!, h, 6, H, w['decoder.head.bias']!)); // 4 shortlist + 2 clusters
    const t0 = softmax(lin(w['decoder.tail.0.1.weight']!, lin(w['decoder.tail.0.0.weight']!, h, 3, H), 3, 3));
    const t1 = softmax(lin(w['decoder.tail.1.1.weight']!, lin(w['decoder.tail.1.0.weight']!, h, 1, H), 4, 1));
    const want = [...head.slice(0, 4), ...t0.map((p) => p * head[4]!), ...t1.map((p) => p * head[5]!)];
    const got = Array.from(ws.logits.subarray(r * Vb, r * Vb + Vb), Math.exp);
    assert.ok(Math.abs(got.reduce((a, b) => a + b, 0) - 1) < 1e-12, `row ${r} sums to 1`);
    got.forEach((p, v) => assert.ok(Math.abs(p - want[v]!) < 1e-12, `row ${r} token ${v}: ${p} vs ${want[v]}`));
  }
  assert.deepEqual(model.layout.tensors.map((t) => `${t.name} ${t.shape.join('x')}`).slice(-6),
    ['decoder.head.weight 6x6', 'decoder.head.bias 6', 'decoder.tail.0.0.weight 3x6', 'decoder.tail.0.1.weight 3x3', 'decoder.tail.1.0.weight 1x6', 'decoder.tail.1.1.weight 4x1']);
  for (const [over, why] of [
    [{ cutoffs: [0, 5] }, /cut-off 0/], [{ cutoffs: [5, 5] }, /must increase/], [{ cutoffs: [4, 11] }, /cut-off 11/],
    [{ cutoffs: [4, 7], adaptiveDiv: 4 }, /tail cluster 2 would have 0 units/], [{ tied: true, embedding: 6 }, /tied embeddings need a full softmax/],
  ] as const) assert.throws(() => createModel({ ...config, ...over }), why);
});

test('init schemes: character level N(0, 1) embedding and forget bias 1; word level the word_language_model\'s (±0.1, forget bias drawn ±1/√H); the same seed draws the same numbers', async () => {
  const { CHAR_INIT, WORD_INIT, modelParams } = await import('../../src/core/model.js');
  const H = 16;
  const cfg: ModelConfig = { cell: 'lstm', peephole: false, layers: 2, hidden: H, vocabSize: 50, embedding: 8, dropout: 0 };
  const made = (scheme: typeof CHAR_INIT) => { const m = createModel(cfg); initModel(m, createRng(3), scheme); return m; };
  const char = made(CHAR_INIT), word = made(WORD_INIT);
  const emb = (m: ReturnType<typeof made>) => modelParams(m.config, m.params).embedding!;
  // N(0, 1) over 400 draws: some beyond ±1 (P(all within) ≈ 0.68^400); ±0.1 uniform: none beyond 0.1
  assert.ok(emb(char).some((v) => Math.abs(v) > 1));
  assert.ok(emb(word).every((v) => Math.abs(v) <= 0.1) && emb(word).some((v) => Math.abs(v) > 0.05));
  for (const [m, forget] of [[char, 1], [word, null]] as const) {
    for (const p of modelParams(m.config, m.params).layers) {
      const f = p.bih.subarray(H, 2 * H), fh = p.bhh.subarray(H, 2 * H);
      if (forget === 1) {
        assert.ok(f.every((v) => v === 1) && fh.every((v) => v === 0));
      } else {
        // drawn like every other bias: within ±1/√H, not constant
        for (const b of [f, fh]) assert.ok(b.every((v) => Math.abs(v) <= 1 / Math.sqrt(H)) && new Set(b).size > 1);
      }
    }
  }
  // the default is the character-level scheme, and a scheme is a function of the seed
  const dflt = createModel(cfg); initModel(dflt, createRng(3));
  assert.deepEqual(Array.from(dflt.params.data), Array.from(char.params.data));
  assert.deepEqual(Array.from(made(WORD_INIT).params.data), Array.from(word.params.data));
});

/**
 * One-hot input with few rows: when 4·T·B < V, forward adds column y of W_ih
 * row by row and backward scatters ∂xp into column y of ∂W_ih the same way,
 * instead of going through the transposed (V, G·H) table the checks above
 * (T·B = 12 ≥ V/4 = 1.5) always take. Training a character model of a large
 * alphabet with a small batch and window takes this path. Central differences
 * in float64 as above: every element of every tensor, relative error < 1e-6
 * (test/helpers/gradcheck.ts: ε = 1e-5 leaves truncation and rounding near 1e-10
 * absolute, far below the gradients' size here), and the zero input of step 1
 * (id −1) must add nothing.
 */
for (const cell of ['lstm', 'gru', 'rnn'] as CellKind[]) {
  test(`model gradient check: 2-layer ${cell}, one-hot input over V = 40 > 4·T·B (the column-gather path), dropout 0.3`, (t) => {
    const Tg = 3, Bg = 2, Vg = 40;
    const config: ModelConfig = { cell, peephole: false, layers: 2, hidden: 3, vocabSize: Vg, embedding: 0, dropout: 0.3 };
    const model = createModel(config, float64Backend);
    initModel(model, createRng(3));
    randomFill(model.params.data as Float64Array, 17, 0.7);
    const ws = createWorkspace(model, Tg, Bg, alloc64);
    const ins = Int32Array.from([-1, -1, 7, 39, 7, 0]);
    const tgt = Int32Array.from([7, 39, 7, 0, 21, -1]);
    const loss = (grad: boolean) => {
      ws.layers.forEach((lb) => { lb.hs.fill(0); lb.cs?.fill(0); });
      forward(model, ws, ins, Tg, { seed: 5, slot0: 0 });
      return softmaxCrossEntropy(model.backend.elementwise, ws.logits, Tg * Bg, Vg, tgt, grad, 1).sum;
    };
    loss(true);
    const grads = allocParams(model.layout, alloc64);
    backward(model, ws, grads, Tg);
    for (const tensor of model.layout.tensors) {
      const r = gradcheck(() => loss(false), model.params.views[tensor.name] as Float64Array, grads.views[tensor.name]!);
      t.diagnostic(`${tensor.name}: max rel err ${r.maxRel.toExponential(2)}`);
      assert.ok(r.maxRel < 1e-6, `${tensor.name}: ${r.maxRel} at ${r.worst} (${r.analytic} vs ${r.numeric})`);
    }
    // columns of W_ih of tokens never read as input get nothing
    const dW = grads.views['weight_ih_l0']!;
    const G = dW.length / (3 * Vg);
    for (let g = 0; g < G * 3; g++) for (const v of [1, 2, 38]) assert.equal(dW[g * Vg + v], 0);
  });
}

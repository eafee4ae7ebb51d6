/**
 * The ONNX export, run by onnxruntime (a devDependency): for every cell
 * (rnn, gru, gru-simple, lstm, lstm with peepholes), one-hot or embedding
 * input, stacked layers, tied and adaptive output, every step's log P of a
 * batch of sentences from onnxruntime equals the core's own forward pass
 * (its log-softmax) within 1e-5; the final state equals the core's; a run
 * continued from hn/cn equals the run in one piece; the metadata holds the
 * checkpoint's description.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import ort from 'onnxruntime-node';
import { onnxModel } from '../../src/checkpoint/onnx.js';
import type { Checkpoint } from '../../src/checkpoint/codec.js';
import { createModel, forward, initModel, type ModelConfig } from '../../src/core/model.js';
import { createRng } from '../../src/core/rng.js';
import { logSoftmaxAt } from '../../src/core/sample.js';
import { vocabFromTokens } from '../../src/core/vocab.js';
import { createWorkspace } from '../../src/core/workspace.js';
import { randomFill } from '../helpers/gradcheck.js';

const V = 9, H = 5;
const base = { peephole: false, hidden: H, vocabSize: V, dropout: 0 };
const variants: [string, Partial<ModelConfig> & Pick<ModelConfig, 'cell' | 'layers' | 'embedding'>][] = [
  ['rnn, one-hot, 2 layers', { cell: 'rnn', layers: 2, embedding: 0 }],
  ['rnn, embedding', { cell: 'rnn', layers: 1, embedding: 4 }],
  ['gru, embedding, 2 layers', { cell: 'gru', layers: 2, embedding: 4 }],
  ['gru, one-hot', { cell: 'gru', layers: 1, embedding: 0 }],
  ['gru-simple, one-hot, 2 layers', { cell: 'gru-simple', layers: 2, embedding: 0 }],
  ['gru-simple, embedding', { cell: 'gru-simple', layers: 1, embedding: 3 }],
  ['lstm, embedding, 2 layers', { cell: 'lstm', layers: 2, embedding: 4 }],
  ['lstm, one-hot', { cell: 'lstm', layers: 1, embedding: 0 }],
  ['lstm with peepholes, embedding, 2 layers', { cell: 'lstm', peephole: true, layers: 2, embedding: 4 }],
  ['lstm with peepholes, one-hot', { cell: 'lstm', peephole: true, layers: 1, embedding: 0 }],
  ['lstm, tied', { cell: 'lstm', layers: 2, embedding: H, tied: true }],
  ['gru, adaptive softmax', { cell: 'gru', layers: 2, embedding: 4, cutoffs: [3, 6], adaptiveDiv: 2 }],
  ['lstm with peepholes, adaptive softmax', { cell: 'lstm', peephole: true, layers: 1, embedding: 0, cutoffs: [4], adaptiveDiv: 1 }],
];

function checkpointOf(config: ModelConfig, seed: number): Checkpoint {
  const model = createModel(config);
  initModel(model, createRng(seed));
  randomFill(model.params.data as Float32Array, seed + 10, 0.8); // no gate near 0.5
  return {
    model, tokenizer: { level: 'char', lowercase: false, unkToken: null, sentence: 'line' },
    vocab: vocabFromTokens(['<EOS>', '<UNK>', ...'abcdefg']), counts: null, training: null, meta: { created: 'test' },
  };
}

// three sentences (time-major columns): inputs are the previous token, −1 the zero input of step 1
const T = 6, B = 3;
const targets = [[2, 3, 4, 5, 6, 0], [7, 8, 2, 0, 3, 4], [5, 5, 5, 5, 1, 0]];
const inputs = targets.map((s) => [-1, ...s.slice(0, -1)]);
const timeMajor = (rows: number[][]): number[] => Array.from({ length: T * B }, (_, i) => rows[i % B]![Math.floor(i / B)]!);

async function run(session: ort.InferenceSession, config: ModelConfig, tokens: number[], t: number, h0: Float32Array, c0: Float32Array) {
  const feeds: Record<string, ort.Tensor> = {
    tokens: new ort.Tensor('int64', BigInt64Array.from(tokens.map(BigInt)), [t, B]),
    h0: new ort.Tensor('float32', h0, [config.layers, B, H]),
  };
  if (config.cell === 'lstm') feeds['c0'] = new ort.Tensor('float32', c0, [config.layers, B, H]);
  const out = await session.run(feeds);
  return { logprobs: out['logprobs']!.data as Float32Array, hn: out['hn']!.data as Float32Array, cn: config.cell === 'lstm' ? out['cn']!.data as Float32Array : null };
}

variants.forEach(([name, over], i) => {
  test(`ONNX export, run by onnxruntime = the core's forward: ${name}`, async () => {
    const config: ModelConfig = { ...base, ...over };
    const ck = checkpointOf(config, 3 + i);
    const session = await ort.InferenceSession.create(onnxModel(ck, 'test'));
    // a non-zero initial state, so that h0/c0 are read where rnnlm reads a<0>/c<0>
    const h0 = new Float32Array(config.layers * B * H), c0 = new Float32Array(config.layers * B * H);
    randomFill(h0, 50 + i, 0.5);
    randomFill(c0, 70 + i, 0.5);
    const got = await run(session, config, timeMajor(inputs), T, h0, c0);
    // the core: the same window, its state set from h0/c0 (rnnlm's layout: per layer (B, H))
    const ws = createWorkspace(ck.model, T, B);
    ws.layers.forEach((lb, l) => { lb.hs.set(h0.subarray(l * B * H, (l + 1) * B * H)); lb.cs?.set(c0.subarray(l * B * H, (l + 1) * B * H)); });
    forward(ck.model, ws, Int32Array.from(timeMajor(inputs)), T, null);
    let worst = 0;
    const y = timeMajor(targets);
    for (let r = 0; r < T * B; r++) {
      for (const v of [y[r]!, 0, V - 1]) {
        const want = logSoftmaxAt(ws.logits, r * V, V, v);
        worst = Math.max(worst, Math.abs(got.logprobs[r * V + v]! - want));
      }
      let mass = 0;
      for (let v = 0; v < V; v++) mass += Math.exp(got.logprobs[r * V + v]!);
      assert.ok(Math.abs(mass - 1) < 1e-5, `row ${r} sums to ${mass}`);
    }
    assert.ok(worst < 1e-5, `${name}: worst |Δ log P| ${worst}`);
    ws.layers.forEach((lb, l) => {
      for (let k = 0; k < B * H; k++) {
        assert.ok(Math.abs(got.hn[l * B * H + k]! - lb.hs[T * B * H + k]!) < 1e-5, `hn layer ${l}`);
        if (got.cn) assert.ok(Math.abs(got.cn[l * B * H + k]! - lb.cs![T * B * H + k]!) < 1e-5, `cn layer ${l}`);
      }
    });
    // stepping: the first 2 steps, then the other 4 from hn/cn, = the 6 steps in one run
    const all = timeMajor(inputs);
    const first = await run(session, config, all.slice(0, 2 * B), 2, h0, c0);
    const rest = await run(session, config, all.slice(2 * B), T - 2, first.hn, first.cn ?? c0);
    for (let r = 0; r < (T - 2) * B; r++) {
      for (let v = 0; v < V; v++) assert.ok(Math.abs(rest.logprobs[r * V + v]! - got.logprobs[(2 * B + r) * V + v]!) < 1e-5, 'continued from hn/cn');
    }
  });
});

test('the ONNX model carries the checkpoint\'s description (vocabulary, tokenizer, config) in its metadata', async () => {
  const ck = checkpointOf({ ...base, cell: 'gru', layers: 1, embedding: 0 }, 1);
  const bytes = onnxModel(ck, 'test');
  const text = new TextDecoder().decode(bytes);
  const at = text.indexOf('{"format":"rnnlm-checkpoint"');
  assert.ok(at > 0, 'the description is in the file');
  const session = await ort.InferenceSession.create(bytes);
  assert.deepEqual([...session.inputNames], ['tokens', 'h0']);
  assert.deepEqual([...session.outputNames], ['logprobs', 'hn']);
});

/**
 * Sentence mode 'stream' (the Penn Treebank / WikiText convention): every line
 * is a sentence ending with <EOS>, and the lines are read as one stream with
 * the state carried. evaluate()'s cross-entropy, read in windows of 2 steps
 * in one lane, equals one forward pass over the whole stream in one window
 * (inputs: the zero input, then each previous token, <EOS> included); the
 * held-out part is the last lines.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { evaluate } from '../../src/api/evaluate.js';
import { basicPlatform } from '../../src/api/platform.js';
import { forward } from '../../src/core/model.js';
import { encode } from '../../src/core/tokenize.js';
import { splitTrainVal } from '../../src/core/data.js';
import { createRng } from '../../src/core/rng.js';
import { EOS } from '../../src/core/vocab.js';
import { createWorkspace } from '../../src/core/workspace.js';
import { tinyModel, type TinyModel } from './tiny-model.js';

let m: TinyModel;
before(async () => { m = await tinyModel({ level: 'word', sentence: 'stream', embedding: 4, batch: 2, bptt: 4 }); });
after(() => rmSync(m.dir, { recursive: true, force: true }));

test('stream mode: the lines with an <EOS> each, the state carried across them: evaluate() in 2-step windows = one window over the whole stream', async () => {
  assert.equal(m.ref.tokenizer.sentence, 'stream');
  const text = 'a b c\nb a\n\nc c a b\n';
  const e = await evaluate(basicPlatform(), m.ref, text, { batch: 1, bptt: 2 });
  const lines = ['a b c', 'b a', 'c c a b'];
  const ids: number[] = [];
  for (const l of lines) ids.push(...encode(l, m.ref.vocab, m.ref.tokenizer).ids, EOS);
  assert.equal(e.tokens, ids.length);
  assert.equal(e.sentences, 3);
  const N = ids.length;
  const model = m.ref.model;
  const ws = createWorkspace(model, N, 1);
  forward(model, ws, Int32Array.from([-1, ...ids.slice(0, N - 1)]), N, null);
  const V = model.config.vocabSize;
  let sum = 0;
  for (let t = 0; t < N; t++) {
    let max = -Infinity;
    for (let v = 0; v < V; v++) max = Math.max(max, ws.logits[t * V + v]!);
    let z = 0;
    for (let v = 0; v < V; v++) z += Math.exp(ws.logits[t * V + v]! - max);
    sum -= ws.logits[t * V + ids[t]!]! - max - Math.log(z);
  }
  assert.ok(Math.abs(e.crossEntropy - sum / N) < 1e-9, `${e.crossEntropy} vs ${sum / N}`);
  // and not what independent sentences give
  const independent = await evaluate(basicPlatform(), { ...m.ref, tokenizer: { ...m.ref.tokenizer, sentence: 'line' } }, text, { batch: 1, bptt: 2 });
  assert.ok(Math.abs(independent.crossEntropy - e.crossEntropy) > 1e-6);
});

test('stream mode holds out the last lines (consecutive), not lines drawn at random', () => {
  const lines = Array.from({ length: 20 }, (_, i) => `line ${i}`);
  const s = splitTrainVal(lines, 0.25, createRng(3), 'stream');
  assert.deepEqual(s.train, lines.slice(0, 15));
  assert.deepEqual(s.val, lines.slice(15));
});

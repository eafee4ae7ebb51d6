/**
 * An adaptive softmax model through the api: its vocabulary runs from the
 * most frequent token down (so the clusters are ranges of ids), the default
 * cut-offs follow the training tokens' coverage, every next-token
 * distribution sums to 1, the command line's backend scores what the
 * reference does, and sampling, evaluation and the file all work.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { basicPlatform } from '../../src/api/platform.js';
import { score } from '../../src/api/score.js';
import { evaluate } from '../../src/api/evaluate.js';
import { sample } from '../../src/api/sample.js';
import { createStepper } from '../../src/api/step.js';
import { train } from '../../src/api/train.js';
import { parseCheckpoint, serializeCheckpoint } from '../../src/checkpoint/codec.js';
import { defaultCutoffs } from '../../src/core/adaptive.js';
import { nodeBackend } from '../../src/node/backend.js';
import { nodePlatform } from '../../src/node/platform.js';

const words = ['the', 'cat', 'sat', 'on', 'mat', 'a', 'dog', 'ran', 'far', 'away', 'big', 'red', 'sun', 'is', 'hot', 'we', 'eat', 'pears', 'birds', 'sing'];
// word i appears about 40/(i+1) times: a Zipf-like corpus
const lines: string[] = [];
for (let k = 0; k < 60; k++) lines.push(Array.from({ length: 6 }, (_, j) => words[Math.floor(words.length * ((((k * 7 + j * 13) % 97) / 97) ** 3))]!).join(' '));
const text = lines.join('\n') + '\n';

test('adaptive softmax through the api: frequency-ordered vocabulary, distributions that sum to 1, the same scores on both backends, sampling and evaluation', async () => {
  const out = await train(basicPlatform(), text, { level: 'word', adaptive: true, hidden: 16, embedding: 8, layers: 1, maxSteps: 15, valFraction: 0, seed: 2, adaptiveDiv: 2 });
  const ck = out.checkpoint;
  const counts = ck.counts!;
  for (let i = 3; i < counts.length; i++) assert.ok(counts[i - 1]! >= counts[i]!, `id ${i - 1} is at least as frequent as id ${i}`);
  const cut = ck.model.config.cutoffs!;
  assert.ok(cut.length >= 1 && cut[0]! >= 2 && cut[cut.length - 1]! < ck.vocab.tokens.length);
  const st = createStepper(basicPlatform(), ck);
  for (const w of ['the', 'cat', 'sat', 'far']) {
    const p = st.distribution();
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-6, 'sums to 1');
    st.feedText(w);
  }
  const onNode = parseCheckpoint(serializeCheckpoint(ck), nodeBackend({}));
  const sentences = ['the cat sat on the mat', 'birds sing', 'away away red'];
  const a = await score(basicPlatform(), ck, sentences), b = await score(nodePlatform({}), onNode, sentences);
  a.forEach((s, i) => assert.ok(Math.abs(s.logProb - b[i]!.logProb) < 1e-4 * Math.abs(s.logProb), `${s.logProb} vs ${b[i]!.logProb}`));
  assert.equal(sample(basicPlatform(), ck, { n: 3, seed: 1 }).length, 3);
  const e = await evaluate(basicPlatform(), ck, text);
  const total = -(await score(basicPlatform(), ck, lines)).reduce((s, x) => s + x.logProb, 0);
  assert.ok(Math.abs(e.crossEntropy - total / e.tokens) < 1e-5 * e.crossEntropy, 'eval = the scorer over the same lines');
});

test('defaultCutoffs: the head covers 90% of the tokens, a first cluster up to 98%', () => {
  // ids 0..9 with counts 50, 20, 10, 8, 5, 3, 2, 1, 1, 0 (100 tokens)
  const counts = [50, 20, 10, 8, 5, 3, 2, 1, 1, 0];
  const ids = counts.flatMap((n, id) => Array<number>(n).fill(id));
  // cumulative 50 70 80 88 93 96 98 99 100: 90% at id 4 (5 ids), 98% at id 6 (7 ids)
  assert.deepEqual(defaultCutoffs(ids, 10), [5, 7]);
  assert.deepEqual(defaultCutoffs(ids, 8), [5], 'no second cluster of fewer than 2 ids');
  assert.deepEqual(defaultCutoffs([0, 0, 0], 3), [2], 'at least 2 ids in the head, at most V − 1');
});

/**
 * score, evaluate, sample and info run anywhere too: the same neutral bundle
 * as test/api/neutral.test.ts (esbuild for a neutral platform: a `node:`
 * import on their path fails it), run in a bare `vm` context with no process,
 * require, Buffer, setImmediate or performance, on the basic platform.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runWithoutNode } from '../helpers/neutral.js';

const ENTRY = `
import { train } from './src/api/train.ts';
import { basicPlatform } from './src/api/platform.ts';
import { score } from './src/api/score.ts';
import { evaluate } from './src/api/evaluate.ts';
import { sample } from './src/api/sample.ts';
import { describeCheckpoint } from './src/api/info.ts';
globalThis.run = async () => {
  const platform = basicPlatform();
  const text = 'abcabc\\nbcabca\\ncabcab\\n'.repeat(4);
  const { checkpoint: ck } = await train(platform, text, { hidden: 8, layers: 1, maxSteps: 5, epochs: 100, valFraction: 0, seed: 3 });
  const scores = await score(platform, ck, ['abc', '']);
  const e = await evaluate(platform, ck, text);
  const samples = sample(platform, ck, { n: 2, prime: 'ab', maxLength: 5 });
  return { logProbs: scores.map((s) => s.logProb), tokens: e.tokens, ce: e.crossEntropy, samples, parameters: describeCheckpoint(ck).model.parameters };
};
`;

test('score, evaluate, sample and describeCheckpoint with no Node at all: a neutral bundle in a bare vm context', async () => {
  const r = await runWithoutNode<{ logProbs: number[]; tokens: number; ce: number; samples: string[]; parameters: number }>(ENTRY);
  assert.ok(r.logProbs.every((lp) => Number.isFinite(lp) && lp < 0));
  assert.equal(r.tokens, 12 * 7, 'twelve lines of six characters, each with its <EOS>');
  assert.ok(Number.isFinite(r.ce) && r.ce > 0);
  assert.equal(r.samples.length, 2);
  for (const s of r.samples) assert.ok(s.startsWith('ab') && [...s].length <= 7, s);
  // LSTM 1×8 on one-hot input of V = 5 (<EOS>, <UNK>, a, b, c), then the decoder: 4H·V + 4H·H + 2·4H + V·H + V
  assert.equal(r.parameters, 4 * 8 * 5 + 4 * 8 * 8 + 2 * 4 * 8 + 5 * 8 + 5);
});

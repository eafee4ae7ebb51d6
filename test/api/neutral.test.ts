/**
 * The api runs anywhere: bundled from the sources with esbuild for a neutral
 * platform (a `node:` import anywhere on its path fails the bundle), then run
 * in a fresh `vm` context that has the language and what every browser has
 * (TextEncoder, TextDecoder) but nothing of Node's: no process, require,
 * Buffer, setImmediate, performance or worker threads. It trains a tiny model
 * on the plain TypeScript backend and checks what it learned.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runWithoutNode } from '../helpers/neutral.js';

const ENTRY = `
import { train } from './src/api/train.ts';
import { basicPlatform } from './src/api/platform.ts';
import { createScorer } from './src/core/score.ts';
import { encode } from './src/core/tokenize.ts';
globalThis.run = async () => {
  const text = 'abcabc\\nbcabca\\ncabcab\\n'.repeat(8);
  const out = await train(basicPlatform(), text, { hidden: 16, layers: 1, maxSteps: 150, epochs: 1000, valFraction: 0, lr: 0.02, seed: 3 });
  const ck = out.checkpoint;
  const ids = (s) => encode(s, ck.vocab, ck.tokenizer).ids;
  const [good, bad] = createScorer(ck.model).score([ids('abcabc'), ids('aaaaaa')]);
  return { reason: out.reason, step: ck.training.state.step, backend: ck.model.backend.name, good: good.logProb, bad: bad.logProb };
};
`;

test('the api trains a model with no Node at all: a neutral bundle in a bare vm context', async () => {
  const r = await runWithoutNode<{ reason: string; step: number; backend: string; good: number; bad: number }>(ENTRY);
  assert.equal(r.reason, 'max-steps');
  assert.equal(r.step, 150);
  assert.equal(r.backend, 'typescript');
  // what it learned: the corpus's own pattern is far likelier than one it never saw
  assert.ok(r.good > r.bad + 5, `log P(abcabc) = ${r.good}, log P(aaaaaa) = ${r.bad}`);
});

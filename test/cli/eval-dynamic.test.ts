/**
 * Dynamic evaluation (issue 13): the model learns from each sentence after
 * scoring it, so on a text that repeats itself the cross-entropy falls below
 * the static one; the model file is not changed; a rate of 0 is the static
 * evaluation exactly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { oneLineError, runCli, tempDir } from '../helpers/fake-host.js';
import { repoPath } from '../helpers/paths.js';

test('eval --dynamic: lower loss on a repeated text than static, the file untouched, --dynamic-lr 0 = static, divergence said', async () => {
  const dir = tempDir();
  const m = join(dir, 'm.json');
  const t = await runCli(['train', repoPath('corpora/sentences.txt'), '-o', m, '--hidden', '32', '--layers', '1', '--max-steps', '60', '--threads', '1', '-q', '--samples', '0']);
  assert.equal(t.code, 0, t.stderr);
  const before = readFileSync(m);
  const text = join(dir, 'rep.txt');
  writeFileSync(text, 'the quick brown fox jumps over the lazy dog.\n'.repeat(20));
  const run = async (...extra: string[]) => {
    const r = await runCli(['eval', '-m', m, text, '--json', ...extra]);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as { crossEntropy: number; dynamicLr: number; tokens: number };
  };
  const fixed = await run();
  const dynamic = await run('--dynamic');
  const zero = await run('--dynamic-lr', '0');
  assert.equal(dynamic.dynamicLr, 0.1);
  assert.equal(dynamic.tokens, fixed.tokens);
  assert.ok(dynamic.crossEntropy < fixed.crossEntropy - 0.05, `dynamic ${dynamic.crossEntropy} vs static ${fixed.crossEntropy}`);
  assert.equal(zero.crossEntropy, fixed.crossEntropy);
  assert.deepEqual(readFileSync(m), before, 'the model file is not changed');
  const text2 = await runCli(['eval', '-m', m, text, '--dynamic-lr', '0.3']);
  assert.match(text2.stdout, /evaluation\s+dynamic: one SGD step of rate 0\.3 after each sentence/);
  for (const v of ['-1', 'NaN', 'Infinity', 'abc']) {
    const bad = await runCli(['eval', '-m', m, text, '--dynamic-lr', v]);
    assert.equal(bad.code, 2);
    assert.match(oneLineError(bad.stderr), /--dynamic-lr must be a number at least 0 and at most 100/);
  }
  // the flag takes no value, so it cannot swallow the corpus
  const order = await runCli(['eval', '-m', m, '--dynamic', text, '--json']);
  assert.equal(order.code, 0, order.stderr);
  // a rate that makes the model worse than a uniform guess: said
  const wild = await runCli(['eval', '-m', m, text, '--dynamic-lr', '100']);
  assert.match(wild.stderr, /warning: dynamic evaluation diverged: .* — lower --dynamic-lr/);
});

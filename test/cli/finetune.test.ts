/**
 * rnnlm train --init-from (fine-tuning) on the command line: the tuned file
 * keeps the model's vocabulary and architecture, counts its own steps, says
 * the new corpus's <UNK> rate; --add-tokens grows the vocabulary; the
 * refusals (with --resume, --add-tokens alone, a changed architecture); info
 * shows the command that made it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCheckpoint } from '../../src/checkpoint/codec.js';
import { runCli, tempDir } from '../helpers/fake-host.js';

const Q = ['--samples', '0'];

async function setup() {
  const d = tempDir();
  const base = join(d, 'base.json');
  writeFileSync(join(d, 'old.txt'), 'ab\nabc\nbca\ncab\n');
  // a b d x a: 2 of 5 tokens unknown to {a, b, c}
  writeFileSync(join(d, 'new.txt'), 'abd\nxa\n');
  const r = await runCli(['train', join(d, 'old.txt'), '-o', base, '--hidden', '6', '--layers', '1', '--max-steps', '3', '--val-fraction', '0', '-q', ...Q]);
  assert.equal(r.code, 0, r.stderr);
  return { d, base, corpus: join(d, 'new.txt') };
}

test('train --init-from: the model\'s vocabulary and architecture, a new run, the <UNK> rate in a note; info shows the command', async () => {
  const { d, base, corpus } = await setup();
  const out = join(d, 'tuned.json');
  const r = await runCli(['train', corpus, '--init-from', base, '-o', out, '--max-steps', '2', '--val-fraction', '0', '--lr', '0.01', ...Q]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /fine-tuning .*base\.json/);
  assert.match(r.stderr, /note: fine-tuning with the model's vocabulary of 5 tokens: 2 of the corpus's 5 tokens \(40\.0%\) are <UNK> \(--add-tokens adds/);
  const b = parseCheckpoint(readFileSync(base, 'utf8')), t = parseCheckpoint(readFileSync(out, 'utf8'));
  assert.deepEqual(t.vocab.tokens, b.vocab.tokens);
  assert.deepEqual(t.model.config, b.model.config);
  assert.equal(t.training!.state.step, 2);
  assert.equal(t.training!.config.lr, 0.01);
  const info = await runCli(['info', out]);
  assert.equal(info.code, 0, info.stderr);
  assert.match(info.stdout, /command +rnnlm train \S*new\.txt --output \S*tuned\.json --init-from \S*base\.json /);

  const grown = join(d, 'grown.json');
  const g = await runCli(['train', corpus, '--init-from', base, '--add-tokens', '-o', grown, '--max-steps', '1', '--val-fraction', '0', '-q', ...Q]);
  assert.equal(g.code, 0, g.stderr);
  assert.deepEqual(parseCheckpoint(readFileSync(grown, 'utf8')).vocab.tokens, [...b.vocab.tokens, 'd', 'x']);
});

test('train --init-from refusals: with --resume, --add-tokens alone, a changed architecture (both values), a missing model', async () => {
  const { d, base, corpus } = await setup();
  const out = join(d, 'x.json');
  const both = await runCli(['train', corpus, '--init-from', base, '--resume', base, '-o', out, ...Q]);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /^rnnlm: --resume and --init-from cannot go together — /m);
  // written over its base, the base model would be gone: the same file in two roles
  const before = readFileSync(base);
  const over = await runCli(['train', corpus, '--init-from', base, '-o', base, ...Q]);
  assert.equal(over.code, 1);
  assert.match(over.stderr, /the output \(-o\) and the model to fine-tune \(--init-from\) are both/);
  assert.deepEqual(readFileSync(base), before);
  const alone = await runCli(['train', corpus, '--add-tokens', '-o', out, ...Q]);
  assert.equal(alone.code, 2);
  assert.match(alone.stderr, /--add-tokens goes with --init-from only/);
  const arch = await runCli(['train', corpus, '--init-from', base, '--hidden', '32', '--layers', '1', '-o', out, ...Q]);
  assert.equal(arch.code, 2);
  assert.match(arch.stderr, /a fine-tuned model keeps the model's architecture and tokenizer, and --hidden 32 differs from its 6 — drop these options/);
  const vocab = await runCli(['train', corpus, '--init-from', base, '--max-vocab', '10', '-o', out, ...Q]);
  assert.equal(vocab.code, 2);
  assert.match(vocab.stderr, /--max-vocab would change the vocabulary.*--add-tokens/);
  const missing = await runCli(['train', corpus, '--init-from', join(d, 'nope.json'), '-o', out, ...Q]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /nope\.json/);
});

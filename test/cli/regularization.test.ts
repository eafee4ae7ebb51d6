/**
 * Regularization and weight sharing on the command line: --tied (the decoder
 * reads the embedding matrix). The arithmetic is checked in the core's tests
 * (gradient checks, equal logits, resume bit-exact); here the flags, what
 * the checkpoint holds, and the refusals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCheckpoint } from '../../src/checkpoint/codec.js';
import { oneLineError, runCli, tempDir } from '../helpers/fake-host.js';

function corpus(): { d: string; file: string } {
  const d = tempDir();
  const file = join(d, 'c.txt');
  writeFileSync(file, 'the cat sat\na dog ran far\ncats nap\nthe sun is hot today\nwe eat pears\nbirds sing\n');
  return { d, file };
}
const quick = ['--max-steps', '3', '--val-fraction', '0', '-q', '--samples', '0', '--layers', '1'];

test('--tied: the embedding follows --hidden, no decoder.weight in the file, V·H fewer parameters; resume and fine-tuning keep it', async () => {
  const { d, file } = corpus();
  const tied = join(d, 'tied.json'), free = join(d, 'free.json');
  assert.equal((await runCli(['train', file, '--level', 'word', '--hidden', '12', '--tied', '-o', tied, ...quick])).code, 0);
  assert.equal((await runCli(['train', file, '--level', 'word', '--hidden', '12', '--embedding', '12', '-o', free, ...quick])).code, 0);
  const a = parseCheckpoint(readFileSync(tied, 'utf8')), b = parseCheckpoint(readFileSync(free, 'utf8'));
  assert.equal(a.model.config.tied, true);
  assert.equal(a.model.config.embedding, 12);
  assert.ok(!a.model.layout.tensors.some((t) => t.name === 'decoder.weight'));
  assert.equal(b.model.layout.total - a.model.layout.total, b.model.config.vocabSize * 12);
  const info = await runCli(['info', tied]);
  assert.match(info.stdout, /embedding of 12, tied/);
  const score = await runCli(['score', '-m', tied, 'the cat sat']);
  assert.equal(score.code, 0, score.stderr);
  const resumed = await runCli(['train', file, '--resume', tied, '-o', tied, '--max-steps', '2', '-q', '--samples', '0']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(parseCheckpoint(readFileSync(tied, 'utf8')).model.config.tied, true);
  const tuned = join(d, 'tuned.json');
  assert.equal((await runCli(['train', file, '--init-from', tied, '-o', tuned, ...quick])).code, 0);
  assert.equal(parseCheckpoint(readFileSync(tuned, 'utf8')).model.config.tied, true);
});

test('--tied refusals: an embedding size other than --hidden; a checkpoint edited to hold a decoder.weight anyway', async () => {
  const { d, file } = corpus();
  const r = await runCli(['train', file, '--tied', '--hidden', '16', '--embedding', '8', '-o', join(d, 'x.json'), ...quick]);
  assert.equal(r.code, 2);
  assert.match(oneLineError(r.stderr), /--embedding must equal the hidden size \(16\) with tied embeddings/);
  const tied = join(d, 'tied.json');
  assert.equal((await runCli(['train', file, '--hidden', '8', '--tied', '-o', tied, ...quick])).code, 0);
  const j = JSON.parse(readFileSync(tied, 'utf8')) as { config: Record<string, unknown> };
  j.config.tied = false; // the tensors of a tied model under an untied config
  writeFileSync(tied, JSON.stringify(j));
  const bad = await runCli(['info', tied]);
  assert.notEqual(bad.code, 0);
  assert.match(oneLineError(bad.stderr), /missing tensor decoder\.weight/);
  j.config.tied = 'yes';
  writeFileSync(tied, JSON.stringify(j));
  assert.match(oneLineError((await runCli(['info', tied])).stderr), /tied/);
});

test('--input-dropout, --word-dropout, --locked-dropout: kept in the config, shown by info, changeable on --resume (said), refused without an embedding', async () => {
  const { d, file } = corpus();
  const out = join(d, 'drop.json');
  const r = await runCli(['train', file, '--level', 'word', '--embedding', '8', '--hidden', '8', '--dropout', '0.1', '--input-dropout', '0.2', '--word-dropout', '0.3', '--locked-dropout', '-o', out, ...quick]);
  assert.equal(r.code, 0, r.stderr);
  const c = parseCheckpoint(readFileSync(out, 'utf8')).model.config;
  assert.deepEqual([c.dropout, c.inputDropout, c.wordDropout, c.lockedDropout], [0.1, 0.2, 0.3, true]);
  assert.match((await runCli(['info', out])).stdout, /dropout +0\.1 between layers and on the output · input 0\.2 · words 0\.3 \(locked/);
  const resumed = await runCli(['train', file, '--resume', out, '-o', out, '--word-dropout', '0.5', '--max-steps', '2', '--samples', '0']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, /changed training settings: --word-dropout 0\.5 \(was 0\.3\)/);
  const oneHot = await runCli(['train', file, '--input-dropout', '0.2', '-o', join(d, 'x.json'), ...quick]);
  assert.equal(oneHot.code, 2);
  assert.match(oneLineError(oneHot.stderr), /--input-dropout needs an embedding, and this model reads one-hot input.*add --embedding N/);
  for (const bad of [['--word-dropout', '1'], ['--input-dropout', '-0.1'], ['--word-dropout', 'lots']]) {
    const e = await runCli(['train', file, '--level', 'word', ...bad, '-o', join(d, 'x.json'), ...quick]);
    assert.equal(e.code, 2, bad.join(' '));
    assert.match(oneLineError(e.stderr), new RegExp(bad[0]!));
  }
});

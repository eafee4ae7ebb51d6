/**
 * Usage errors a hostile review found reported as failures, or not at all:
 * each is one line naming the problem and the fix, exit 2. Nothing here
 * needs a model: every refusal comes before a file is read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { oneLineError, runCli } from '../helpers/fake-host.js';

test('standard input for two roles: refused before reading, naming both (exit 2)', async () => {
  const cases: [string[], RegExp][] = [
    [['score', '-m', '-'], /the sentences and the model cannot both be standard input — give the model as a file: -m model\.json/],
    [['eval', '-m', '-', '-'], /the corpus and the model cannot both be standard input — give the model as a file/],
    [['eval', '-m', 'm.json', '-', '--ngram', '-'], /the corpus and the n-gram model cannot both be standard input/],
    [['rescore', '-m', 'm.json', '--format', 'kaldi', '-', '--scores-file', '-'], /the n-best list and the scores file cannot both be standard input — give the scores as a file: --scores-file/],
    [['rescore', '-m', '-', '-'], /the n-best list and the model cannot both be standard input/],
    [['encode', '-m', '-', '-', '-o', 'ids.safetensors'], /the corpus and the model cannot both be standard input/],
    [['tag', 'predict', '-m', '-'], /the input and the tagger cannot both be standard input — give the tagger as a file: -m tagger\.json/],
    [['tag', 'eval', '-m', '-'], /the gold data and the tagger cannot both be standard input/],
  ];
  for (const [argv, re] of cases) {
    const r = await runCli(argv, { stdin: 'emma\n' });
    assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
    assert.match(oneLineError(r.stderr), re, argv.join(' '));
  }
});

test('no command (rnnlm, rnnlm tag): the help on stderr, exit 2; help asked for: stdout, exit 0', async () => {
  for (const argv of [[], ['tag']]) {
    const r = await runCli(argv);
    assert.equal(r.code, 2, `rnnlm ${argv.join(' ')}`);
    assert.match(r.stderr, /Usage: rnnlm/);
    assert.equal(r.stdout, '');
  }
  for (const argv of [['help'], ['--help'], ['tag', '--help'], ['help', 'tag'], ['tag', 'help']]) {
    const r = await runCli(argv);
    assert.equal(r.code, 0, `rnnlm ${argv.join(' ')}`);
    assert.match(r.stdout, /Usage: rnnlm/);
  }
});

/**
 * Usage errors a hostile review found reported as failures, or not at all:
 * each is one line naming the problem and the fix, exit 2. Nothing here
 * needs a model: every refusal comes before a file is read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { oneLineError, runCli } from '../helpers/fake-host.js';
import { repoPath } from '../helpers/paths.js';

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

test('arguments that are not UTF-8, text or path: exit 2, one line naming the argument', { skip: !existsSync('/proc/self/cmdline') }, () => {
  // bash passes the raw bytes (Latin-1 é, a lone 0xFF) to node, which would read U+FFFD; every check comes before a file is read
  const rnnlm = `"${process.execPath}" "${repoPath('bin/rnnlm.js')}"`;
  const cases: [string, RegExp][] = [
    [`score -m m.json abc $'caf\\xe9'`, /^rnnlm: the sentence argument 2 is not valid UTF-8 \(it would be read as "caf\ufffd"\) — convert it to UTF-8 first/],
    [`sample -m m.json -p $'caf\\xe9'`, /^rnnlm: the --prime text is not valid UTF-8 \(it would be read as "caf\ufffd"\) — convert it to UTF-8 first/],
    [`sample -m m.json --stop $'\\xe9'`, /^rnnlm: the --stop text is not valid UTF-8/],
    [`score -m $'m\\xff.json' x`, /^rnnlm: the model path \(-m\) is not valid UTF-8 \(it would name another file: "m\ufffd\.json"\) — use a name in UTF-8/],
    [`eval -m m.json $'c\\xff.txt'`, /^rnnlm: the corpus path is not valid UTF-8/],
    [`rescore -m m.json nb.txt --ngram $'n\\xff.arpa'`, /^rnnlm: the --ngram path is not valid UTF-8/],
    [`info $'m\\xff.json'`, /^rnnlm: the model path is not valid UTF-8/],
    [`strip m.json -o $'m\\xff.json'`, /^rnnlm: the -o path is not valid UTF-8/],
  ];
  for (const [args, re] of cases) {
    const r = spawnSync('bash', ['-c', `${rnnlm} ${args}`], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    assert.equal(r.status, 2, `${args}: ${r.stderr}`);
    assert.match(oneLineError(r.stderr), re, args);
    assert.equal(r.stdout, '');
  }
});

test("commander's suggestion stays on the error's line: no escaped line break", async () => {
  const cases: [string[], string][] = [
    [['train', 'x.txt', '--hiden', '5'], "rnnlm train: unknown option '--hiden' (did you mean --hidden?) — see 'rnnlm train --help'"],
    [['trian'], "rnnlm: unknown command 'trian' (did you mean train?) — see 'rnnlm --help'"],
    [['tag', 'predcit'], "rnnlm tag: unknown command 'predcit' (did you mean predict?) — see 'rnnlm tag --help'"],
  ];
  for (const [argv, want] of cases) {
    const r = await runCli(argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.equal(oneLineError(r.stderr), want);
  }
});

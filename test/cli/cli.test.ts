/**
 * The command line, in-process: argv in; stdout, stderr and the exit code out.
 * Formats and invariants are checked, never numbers pasted from a run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { oneLineError, runCli, tempDir } from '../helpers/fake-host.js';
import { repoPath } from '../helpers/paths.js';

const tiny = repoPath('test/fixtures/tiny.txt');
const ANSI = /\u001b\[/;


const fast = ['--hidden', '8', '--layers', '1', '--epochs', '3', '--samples', '0', '-q'];

test('--help lists the commands; exit 0', async () => {
  const r = await runCli(['--help']);
  assert.equal(r.code, 0);
  for (const c of ['train', 'score', 'sample']) assert.match(r.stdout, new RegExp(`\\b${c}\\b`));
  const t = await runCli(['train', '--help']);
  assert.equal(t.code, 0);
  assert.match(t.stdout, /Examples:/);
  assert.match(t.stdout, /--max-time/);
});

test('unknown option → exit 2, one line', async () => {
  const r = await runCli(['train', tiny, '--frobnicate']);
  assert.equal(r.code, 2);
  assert.match(oneLineError(r.stderr), /unknown option '--frobnicate'/);
});

test('bad option values → exit 2, the message names the flag and the range', async () => {
  const cases: [string[], RegExp][] = [
    [['train', tiny, '--hidden', '0'], /--hidden must be a whole number from 1 to 4096 \(got "0"\)/],
    [['train', tiny, '--hidden', 'abc'], /--hidden/],
    [['train', tiny, '--cell', 'transformer'], /--cell must be one of rnn, gru, gru-simple, lstm/],
    [['train', tiny, '--dropout', '1'], /--dropout/],
    [['train', tiny, '--max-time', 'soon'], /--max-time must be a duration/],
    [['train', tiny, '--val-fraction', '1'], /--val-fraction/],
    [['train', tiny, '--bptt', '1'], /--bptt must be a whole number from 2/],
    [['train', tiny, '--peephole', '--cell', 'gru'], /--peephole goes with cell lstm only/],
    [['sample', '-m', 'x.json', '--temperature', '0'], /--temperature must be a number greater than 0/],
    [['sample', '-m', 'x.json', '-n', '-3'], /--number/],
  ];
  for (const [argv, re] of cases) {
    const r = await runCli(argv);
    assert.equal(r.code, 2, argv.join(' ') + ': ' + r.stderr);
    assert.match(oneLineError(r.stderr), re);
  }
});

test('missing, empty, binary and non-UTF-8 corpora → exit 1, one line, no output file', async () => {
  const dir = tempDir();
  const out = join(dir, 'm.json');
  writeFileSync(join(dir, 'empty.txt'), '\n\n   \n');
  writeFileSync(join(dir, 'bin.txt'), Uint8Array.from([0x61, 0x00, 0x62]));
  writeFileSync(join(dir, 'latin1.txt'), Uint8Array.from([0x63, 0x61, 0x66, 0xe9, 0x0a]));
  const cases: [string, RegExp][] = [
    [join(dir, 'nope.txt'), /does not exist/],
    [join(dir, 'empty.txt'), /no text to train on/],
    [join(dir, 'bin.txt'), /binary file/],
    [join(dir, 'latin1.txt'), /not valid UTF-8/],
    [dir, /is a directory/],
  ];
  for (const [file, re] of cases) {
    const r = await runCli(['train', file, '-o', out, ...fast]);
    assert.equal(r.code, 1, `${file}: ${r.stderr}`);
    assert.match(oneLineError(r.stderr), re);
    assert.ok(!existsSync(out));
  }
  const b = await runCli(['train', tiny, '-o', out, '--batch', '100', '--val-fraction', '0', ...fast]);
  assert.equal(b.code, 2);
  assert.match(oneLineError(b.stderr), /--batch 100 is larger than the 6 training sentences/);
  const o = await runCli(['train', tiny, '-o', join(dir, 'no/such/dir/m.json'), ...fast]);
  assert.equal(o.code, 1);
  assert.match(oneLineError(o.stderr), /does not exist/);
  assert.deepEqual(readdirSync(dir).sort(), ['bin.txt', 'empty.txt', 'latin1.txt']);
});

test('corrupt or missing checkpoint → exit 1, one line', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'bad.json'), '{"format": "something else"}');
  writeFileSync(join(dir, 'trunc.json'), '{"format": "rnnlm-checkpoint", "vers');
  for (const [file, re] of [['bad.json', /not an rnnlm checkpoint/], ['trunc.json', /JSON|truncated/], ['none.json', /does not exist/]] as const) {
    for (const cmd of [['score', '-m', join(dir, file), 'abc'], ['sample', '-m', join(dir, file)]]) {
      const r = await runCli(cmd);
      assert.equal(r.code, 1, r.stderr);
      assert.match(oneLineError(r.stderr), re);
    }
  }
});

test('train → score → sample on a tiny corpus; stdin with -; data on stdout only', async () => {
  const dir = tempDir();
  const model = join(dir, 'm.json');
  const t = await runCli(['train', '-', '-o', model, '--hidden', '16', '--layers', '1', '--epochs', '5', '--samples', '2'],
    { stdin: readFileSync(tiny, 'utf8') });
  assert.equal(t.code, 0, t.stderr);
  assert.equal(t.stdout, '', 'train writes nothing on stdout');
  assert.match(t.stderr, /parameters/);
  assert.ok(!ANSI.test(t.stderr));
  assert.ok(existsSync(model));
  assert.ok(!readdirSync(dir).some((f) => f.includes('.tmp-')), 'no temporary files left');

  const s = await runCli(['score', '-m', model, 'abc', 'cab']);
  assert.equal(s.code, 0, s.stderr);
  const lines = s.stdout.trim().split('\n');
  assert.equal(lines.length, 2);
  for (const [i, line] of lines.entries()) {
    const [lp, ppl, n, unk, text] = line.split('\t');
    assert.equal(text, ['abc', 'cab'][i]);
    assert.equal(n, '4', '3 characters + <EOS>');
    assert.equal(unk, '0');
    assert.ok(Number(lp) < 0);
    // perplexity = exp(−log P / N), from the printed (rounded) numbers
    assert.ok(Math.abs(Number(ppl) - Math.exp(-Number(lp) / 4)) < 0.01 * Number(ppl));
  }
  assert.match(s.stderr, /2 sentences, 8 tokens/);

  const piped = await runCli(['score', '-m', model, '--json'], { stdin: 'abc\nzzz\n' });
  assert.equal(piped.code, 0);
  const recs = piped.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(recs.length, 2);
  assert.equal(recs[1].unk, 3, 'z is not in the vocabulary: three <UNK>s, no crash');
  assert.equal(recs[0].unit, 'ln');

  const bits = await runCli(['score', '-m', model, '--bits', '--per-token', 'abc']);
  const first = bits.stdout.split('\n')[0]!.split('\t');
  assert.ok(Math.abs(Number(first[0]) - Number(lines[0]!.split('\t')[0]) / Math.LN2) < 1e-3, 'bits = nats / ln 2');
  assert.equal(bits.stdout.trim().split('\n').length, 1 + 4, 'one line per token with --per-token');

  const a = await runCli(['sample', '-m', model, '-n', '5', '--seed', '3']);
  const b = await runCli(['sample', '-m', model, '-n', '5', '--seed', '3']);
  assert.equal(a.code, 0);
  assert.equal(a.stdout, b.stdout, 'same seed, same output');
  assert.equal(a.stdout.split('\n').length, 6);
  assert.equal(a.stderr, '');
  const p = await runCli(['sample', '-m', model, '-n', '2', '--prime', 'ab', '--seed', '1', '--max-length', '3']);
  for (const line of p.stdout.trim().split('\n')) {
    assert.ok(line.startsWith('ab'));
    assert.ok([...line].length <= 5);
  }
  const u = await runCli(['sample', '-m', model, '-n', '1', '--prime', 'q', '--seed', '1']);
  assert.equal(u.code, 0);
  assert.match(u.stderr, /not in the model's vocabulary.*"q"/);
});

test('sample stops quietly when the reader goes away', async () => {
  const dir = tempDir();
  const model = join(dir, 'm.json');
  await runCli(['train', tiny, '-o', model, ...fast]);
  const r = await runCli(['sample', '-m', model, '-n', '1000000', '--seed', '1'], { closeStdoutAfter: 1 });
  assert.equal(r.code, 0);
  assert.equal(r.stdout.split('\n').length, 2);
});

test('Ctrl-C during train: finishes the step, saves, says how to resume, exits 130', async () => {
  const dir = tempDir();
  const model = join(dir, 'm.json');
  const r = await runCli(['train', repoPath('corpora/sentences.txt'), '-o', model, '--hidden', '8', '--layers', '1', '--epochs', '1000', '--samples', '0'], {
    onInterruptRegistered: (interrupt) => setTimeout(interrupt, 300),
  });
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /interrupted/);
  assert.match(r.stderr, /--resume/);
  assert.ok(existsSync(model) || existsSync(join(dir, 'm.last.json')));
});

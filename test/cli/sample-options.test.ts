/**
 * rnnlm sample's issue-14 options on the command line: output that keeps a
 * file-mode model's newlines (--raw, --separator, -0), --json's logProb and
 * copy, --beam, --stop, --top-p, --min-length, --novel and the copy note,
 * and the combinations refused. Every expected output is built from the
 * library's own draws (startSampling on Node's platform, the backend the
 * command line computes on) and the options' documented formats, never from
 * the command's output.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startSampling, type Sample, type SampleOptionsInput } from '../../src/api/sample.js';
import type { Checkpoint } from '../../src/checkpoint/codec.js';
import { nodePlatform } from '../../src/node/platform.js';
import { oneLineError, runCli } from '../helpers/fake-host.js';
import { ENV, tinyModel, type TinyModel } from '../api/tiny-model.js';

let lineModel: TinyModel;
let fileModel: TinyModel;
before(async () => {
  lineModel = await tinyModel();
  // the whole text as one stream: '\n' is a token, so samples hold line breaks
  fileModel = await tinyModel({ sentence: 'file', bptt: 8, batch: 1 });
});
after(() => { for (const m of [lineModel, fileModel]) rmSync(m.dir, { recursive: true, force: true }); });

/** The library's samples with these options, on the command line's backend. */
function draws(ck: Checkpoint, options: SampleOptionsInput): Sample[] {
  const run = startSampling(nodePlatform(ENV), ck, options);
  const out: Sample[] = [];
  for (let s = run.next(); s !== null; s = run.next()) out.push(s);
  return out;
}

test('file-mode samples: --raw prints each text as it is then a blank line; -0 a NUL; --separator its text; the default one line per sample', async () => {
  assert.ok(fileModel.node.vocab.tokens.includes('\n'), 'the file-mode model knows the line break');
  const texts = draws(fileModel.node, { n: 6, seed: 3, prime: 'ab\nc', maxLength: 20 }).map((s) => s.text);
  assert.ok(texts.every((t) => t.startsWith('ab\nc')), 'the prime with its newline, as given');
  const base = ['sample', fileModel.file, '-n', '6', '--seed', '3', '--prime', 'ab\nc', '--max-length', '20'];
  const cases: [string[], string][] = [
    [[], texts.map((t) => t.replace(/\n/g, ' ') + '\n').join('')],
    [['--raw'], texts.map((t) => t + '\n\n').join('')],
    [['-0'], texts.map((t) => t + '\0').join('')],
    [['--null'], texts.map((t) => t + '\0').join('')],
    [['--raw', '--null'], texts.map((t) => t + '\0').join('')],
    [['--separator', '<->'], texts.map((t) => t + '<->').join('')],
    [['--raw', '--separator', '\n%\n'], texts.map((t) => t + '\n%\n').join('')],
  ];
  for (const [extra, want] of cases) {
    const r = await runCli([...base, ...extra]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, want, extra.join(' '));
  }
  // an empty separator would run the samples together: refused (as an empty --stop is)
  const empty = await runCli([...base, '--separator', '']);
  assert.equal(empty.code, 2);
  assert.match(empty.stderr, /--separator must not be empty/);
  // -0 output splits back into the samples exactly
  const z = await runCli([...base, '-0']);
  assert.deepEqual(z.stdout.split('\0').slice(0, -1), texts);
});

test('--json: text, prime, tokens, end, logProb, copy, seed, index, the numbers the library\'s', async () => {
  const want = draws(lineModel.node, { n: 8, seed: 11, prime: 'b', topP: 0.9, minLength: 1 });
  const r = await runCli(['sample', lineModel.file, '-n', '8', '--seed', '11', '--prime', 'b', '--top-p', '0.9', '--min-length', '1', '--json']);
  assert.equal(r.code, 0, r.stderr);
  r.stdout.trim().split('\n').map((l) => JSON.parse(l)).forEach((rec, i) => {
    assert.deepEqual(Object.keys(rec), ['text', 'prime', 'tokens', 'end', 'logProb', 'copy', 'seed', 'index']);
    const s = want[i]!;
    assert.deepEqual(rec, { text: s.text, prime: 'b', tokens: s.tokens, end: s.end, logProb: s.logProb, copy: s.copy, seed: 11, index: i });
    assert.ok(rec.tokens >= 1, '--min-length 1');
    assert.equal(typeof rec.copy, 'boolean', 'a line-mode model keeps its training sentences');
  });
  const f = await runCli(['sample', fileModel.file, '-n', '1', '--json']);
  assert.equal(JSON.parse(f.stdout).copy, null, 'a file-mode model keeps no set: null');
});

test('--beam K: the library\'s K sentences best first, seed null; --stop repeatable; both as the library draws them', async () => {
  const beam = draws(lineModel.node, { beam: 4, maxLength: 6 });
  const b = await runCli(['sample', lineModel.file, '--beam', '4', '--max-length', '6', '--json']);
  assert.equal(b.code, 0, b.stderr);
  const recs = b.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(recs.map((r) => [r.text, r.logProb, r.end, r.seed]), beam.map((s) => [s.text, s.logProb, s.end, null]));
  for (let i = 1; i < recs.length; i++) assert.ok(recs[i - 1].logProb >= recs[i].logProb);
  const text = await runCli(['sample', lineModel.file, '--beam', '4', '--max-length', '6']);
  assert.equal(text.stdout, beam.map((s) => s.text + '\n').join(''));

  const stopped = draws(lineModel.node, { n: 20, seed: 6, stop: ['c', ' a'] });
  assert.ok(stopped.some((s) => s.end === 'stop'));
  const s = await runCli(['sample', lineModel.file, '-n', '20', '--seed', '6', '--stop', 'c', '--stop', ' a', '-q']);
  assert.equal(s.stdout, stopped.map((x) => x.text + '\n').join(''));
});

test('copies: a note on stderr counting them; --novel prints only new ones; --novel without a set is refused (exit 1)', async () => {
  const lines = lineModel.text.split('\n').filter((l) => l.trim() !== '');
  const all = draws(lineModel.node, { n: 100, seed: 2, maxLength: 8, temperature: 0.5 });
  const copies = all.filter((x) => x.copy).length;
  assert.equal(copies, all.filter((x) => x.end === 'eos' && lines.includes(x.text)).length, 'copy means: one of the training lines');
  assert.ok(copies > 1);
  const r = await runCli(['sample', lineModel.file, '-n', '100', '--seed', '2', '--max-length', '8', '-t', '0.5']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, all.map((x) => x.text + '\n').join(''), 'stdout stays the samples only');
  assert.equal(r.stderr, `note: ${copies} of 100 samples copy training sentences (--novel draws only new ones)\n`);
  assert.equal((await runCli(['sample', lineModel.file, '-n', '100', '--seed', '2', '--max-length', '8', '-t', '0.5', '-q'])).stderr, '');

  const n = await runCli(['sample', lineModel.file, '-n', '30', '--seed', '2', '--max-length', '8', '-t', '0.5', '--novel']);
  assert.equal(n.code, 0, n.stderr);
  const out = n.stdout.split('\n').slice(0, -1);
  assert.equal(out.length, 30);
  for (const t of out) assert.ok(!lines.includes(t), t);
  assert.equal(n.stderr, '');

  const no = await runCli(['sample', fileModel.file, '--novel']);
  assert.equal(no.code, 1);
  // retraining a file-mode model would not help: the hint says why, not "train it again"
  assert.match(oneLineError(no.stderr), /^rnnlm: --novel: this model does not keep its training sentences, so copies cannot be told — a model trained with --sentence file reads its text as one stream and keeps no sentences to compare with: drop --novel$/);
});

test('refused before any sample: two output formats, two separators, drawing options with --beam, --min-length over the cap, an empty --stop', async () => {
  const cases: [string[], RegExp][] = [
    [['--json', '--raw'], /^rnnlm: --json and --raw are two output formats — give one of them/],
    [['--json', '-0'], /^rnnlm: --json and --null are two output formats/],
    [['--json', '--separator', 'x'], /^rnnlm: --json and --separator are two output formats/],
    [['--separator', 'x', '-0'], /^rnnlm: --separator and --null both say what follows a sample — give one of them/],
    [['--beam', '3', '-n', '2'], /^rnnlm: --number goes with drawing samples, not with --beam — /],
    [['--beam', '3', '--top-p', '0.5'], /^rnnlm: --top-p goes with drawing samples, not with --beam/],
    [['--beam', '3', '--temperature', '2'], /^rnnlm: --temperature goes with drawing samples, not with --beam/],
    [['--beam', '0'], /^rnnlm: --beam must be a whole number from 1 to 1000 \(got "0"\)/],
    [['--top-p', '0'], /^rnnlm: --top-p must be a number greater than 0 and at most 1 \(got "0"\)/],
    [['--top-p', '1.5'], /^rnnlm: --top-p must be a number greater than 0 and at most 1/],
    [['--min-length', '-1'], /^rnnlm: --min-length must be a whole number from 0 to 10000000/],
    [['--min-length', '300'], /^rnnlm: --min-length \(300\) is more than --max-length \(200\): no sample could end at <EOS> — lower --min-length, or raise --max-length/],
    // the empty text named as such, not the list the texts are collected in ("got an array of 1")
    [['--stop', ''], /^rnnlm: --stop must not be empty text \(got ""\) — give the text a sample ends with/],
    [['--stop', '.', '--stop', ''], /^rnnlm: --stop must not be empty text \(got ""\)/],
  ];
  for (const [extra, want] of cases) {
    const r = await runCli(['sample', lineModel.file, ...extra]);
    assert.equal(r.code, 2, `${extra.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.match(oneLineError(r.stderr), want, extra.join(' '));
  }
});

test('sample i depends on the seed and i alone: -n 3 prints the first three lines of -n 40, with the same log P', async () => {
  const few = await runCli(['sample', lineModel.file, '-n', '3', '--seed', '11', '--json']);
  const many = await runCli(['sample', lineModel.file, '-n', '40', '--seed', '11', '--json']);
  assert.equal(few.code, 0);
  assert.equal(many.code, 0);
  const lines = many.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 40);
  assert.equal(few.stdout, lines.slice(0, 3).join('\n') + '\n');
  const other = await runCli(['sample', lineModel.file, '-n', '40', '--seed', '12', '--json']);
  assert.notEqual(other.stdout, many.stdout, 'another seed, other samples');
});

test('many samples (threads on every core): the samples of one thread, bit for bit, --novel included', async () => {
  const want = draws(lineModel.node, { n: 200, seed: 6 });
  const r = await runCli(['sample', lineModel.file, '-n', '200', '--seed', '6', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const got = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { text: string; logProb: number; end: string });
  assert.deepEqual(got.map((g) => [g.text, g.logProb, g.end]), want.map((s) => [s.text, s.logProb, s.end]));
  // --novel: on threads too
  const novel = draws(lineModel.node, { n: 70, seed: 6, novel: true });
  const rn = await runCli(['sample', lineModel.file, '-n', '70', '--seed', '6', '--novel', '--json']);
  assert.equal(rn.code, 0, rn.stderr);
  assert.deepEqual(rn.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { text: string }).text), novel.map((s) => s.text));
});

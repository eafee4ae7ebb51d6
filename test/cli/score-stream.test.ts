/**
 * `rnnlm score` as a filter (issue 13): standard input read as it comes, one
 * output line per input line (blank lines included: a blank sentence is
 * P(<EOS>)), answers flushed when the input pauses, a line that is not UTF-8
 * kept in its place as a NaN record, paragraphs on request.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { fakeHost, runCli, tempDir } from '../helpers/fake-host.js';
import { repoPath } from '../helpers/paths.js';

const CORPUS = repoPath('corpora/names.txt');

async function model(): Promise<string> {
  const m = join(tempDir(), 'm.json');
  const r = await runCli(['train', CORPUS, '-o', m, '--hidden', '16', '--layers', '1', '--max-steps', '20', '--threads', '1', '-q', '--samples', '0']);
  assert.equal(r.code, 0, r.stderr);
  return m;
}

test('one line out per line in: blank lines (P(<EOS>)), CRLF, and a line that is not UTF-8 keeps its place', async () => {
  const m = await model();
  const stdin = Buffer.concat([Buffer.from('emma\n\nava\r\nol'), Buffer.from([0xe9]), Buffer.from('\nmia')]);
  const r = await runCli(['score', '-m', m], { stdin });
  assert.equal(r.code, 1, r.stderr);
  const out = r.stdout.split('\n');
  assert.equal(out.at(-1), '');
  const lines = out.slice(0, -1);
  assert.equal(lines.length, 5);
  // each scored line equals the same sentence given as an argument
  const alone = async (s: string) => (await runCli(['score', '-m', m, s])).stdout.replace(/\n$/, '');
  assert.equal(lines[0], await alone('emma'));
  assert.equal(lines[1], await alone(''));
  assert.equal(lines[2], await alone('ava'));
  assert.equal(lines[3], 'NaN\tNaN\t0\t0\t');
  assert.equal(lines[4], await alone('mia'));
  assert.match(r.stderr, /rnnlm: line 4 is not valid UTF-8 text \(byte 0xE9 at offset 2 of the line\) — scored as NaN; convert the input to UTF-8 \(e\.g\. iconv/);
  assert.match(r.stderr, /^4 sentences, /m);
  const json = await runCli(['score', '-m', m, '--json'], { stdin });
  const recs = json.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(recs[3], { line: 4, error: 'line 4 is not valid UTF-8 text (byte 0xE9 at offset 2 of the line)' });
  assert.equal(recs.length, 5);
});

test('--input paragraph: one line out per blank-line separated paragraph', async () => {
  const m = await model();
  const r = await runCli(['score', '-m', m, '--input', 'paragraph', '--json'], { stdin: 'emma\nava\n\n\nmia\n' });
  assert.equal(r.code, 0, r.stderr);
  const recs = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(recs.map((x) => x.sentence), ['emma\nava', 'mia']);
});

test('answers come while the input is still open: a pause flushes the lines read so far', async () => {
  const m = await model();
  const { host, out } = fakeHost({ stdinPieces: [{ data: 'emma\nava\n' }, { data: 'mia\n', afterMs: 1500 }] });
  const done = main(['score', '-m', m], host);
  await new Promise((r) => setTimeout(r, 800));
  // the first two lines are answered before the third arrives
  assert.equal(out.text.split('\n').filter(Boolean).length, 2, out.text);
  assert.equal(await done, 0);
  assert.equal(out.text.split('\n').filter(Boolean).length, 3);
});

test('a real pipe kept open: the first answer appears before the input ends', { timeout: 30_000 }, async () => {
  const m = await model();
  const child = spawn('bash', ['-c', `(echo emma; sleep 3; echo ava) | "${process.execPath}" "${repoPath('bin/rnnlm.js')}" score -m "${m}" -q`]);
  const t0 = performance.now();
  const first = await new Promise<number>((resolve) => child.stdout.once('data', () => resolve(performance.now() - t0)));
  const code = await new Promise((r) => child.once('exit', r));
  assert.equal(code, 0);
  assert.ok(first < 2500, `first line after ${first.toFixed(0)} ms; the input ended after 3000 ms`);
});

test('a line or paragraph longer than 16 MB: reported at once as an error record, the rest of it skipped, memory bounded', async () => {
  const m = await model();
  const long = 'a'.repeat(17 * 2 ** 20);
  const r = await runCli(['score', '-m', m, '--json'], { stdinPieces: [{ data: 'emma\n' }, { data: long }, { data: long }, { data: '\nava\n' }] });
  assert.equal(r.code, 1);
  const recs = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(recs.map((x) => x.sentence ?? x.error), ['emma', 'line 2 is longer than 16 MB: not scored', 'ava']);
  // the hint is the cause's: split the line (converting it to UTF-8 would not help)
  assert.match(r.stderr, /^rnnlm: line 2 is longer than 16 MB: not scored — scored as NaN; split it into shorter lines/m);
  assert.doesNotMatch(r.stderr, /iconv/);
  const p = await runCli(['score', '-m', m, '--json', '--input', 'paragraph'], { stdinPieces: [{ data: 'emma\n\n' }, ...Array.from({ length: 40 }, () => ({ data: 'x'.repeat(2 ** 20 - 1) + '\n' })), { data: '\nava\n' }] });
  const precs = p.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(precs.map((x) => x.sentence ?? x.error), ['emma', 'the paragraph at line 3 is longer than 16 MB: not scored', 'ava']);
  assert.match(p.stderr, /^rnnlm: the paragraph at line 3 is longer than 16 MB: not scored — scored as NaN; end each paragraph with a blank line/m);
});

/**
 * The rough edges a new user meets (issue 14), on the training side: a time
 * budget alone trains until the time is up, the command line saved as it was
 * typed, a stale latest-state file of an earlier run removed, text cut in the
 * middle of a character said as such, plurals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { oneLineError, runCli, tempDir } from '../helpers/fake-host.js';
import { repoPath } from '../helpers/paths.js';

const CORPUS = repoPath('corpora/sentences.txt');
const TINY = ['--hidden', '8', '--layers', '1', '--threads', '1', '--samples', '0'];

test('--max-time alone trains until the time is up (epochs unbounded unless given), and info shows it as typed', async () => {
  const dir = tempDir();
  const m = join(dir, 'm.json');
  // 10 epochs of this corpus at this size take well under a second: only the time budget can stop it at 2 s
  const r = await runCli(['train', CORPUS, '-o', m, ...TINY, '--max-time', '2s']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /reached --max-time after [\d,]+ steps/);
  const info = await runCli(['info', m]);
  assert.match(info.stdout, /--max-time 2s/);
  // with --epochs given as well, the epochs still count
  const e = await runCli(['train', CORPUS, '-o', join(dir, 'e.json'), ...TINY, '--max-time', '1h', '--epochs', '1']);
  assert.match(e.stderr, /finished 1 epoch after/);
});

test('a latest-state file left by an earlier run is removed when this run\'s latest state is in the best file', async () => {
  const dir = tempDir();
  const m = join(dir, 'm.json');
  const last = join(dir, 'm.last.json');
  // an interrupted-looking earlier run: its latest state in m.last.json
  writeFileSync(last, 'an earlier run\'s latest state');
  // a new run is refused (it would replace that state) unless it is told to with --force
  const refused = await runCli(['train', CORPUS, '-o', m, ...TINY, '--max-steps', '3', '--eval-every', '3']);
  assert.equal(refused.code, 2);
  assert.match(oneLineError(refused.stderr), /m\.last\.json exists already: a new run would replace it .*--resume .*m\.last\.json -o .*m\.json.*--force/);
  assert.equal(readFileSync(last, 'utf8'), 'an earlier run\'s latest state');
  const r = await runCli(['train', CORPUS, '-o', m, ...TINY, '--max-steps', '3', '--eval-every', '3', '--force']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!existsSync(last), 'the stale m.last.json is gone');
  assert.match(r.stderr, /removed .*m\.last\.json: an older state/);
});

test('text cut in the middle of a character: said as such, with where', async () => {
  const dir = tempDir();
  const cut = join(dir, 'cut.txt');
  // "café" with its é (C3 A9) cut after the first byte, as head -c would
  writeFileSync(cut, Buffer.concat([Buffer.from('emma\ncaf'), Buffer.from([0xc3])]));
  const r = await runCli(['train', cut, '-o', join(dir, 'm.json'), ...TINY]);
  assert.equal(r.code, 1);
  assert.match(oneLineError(r.stderr), /is not valid UTF-8 text: it ends in the middle of a character \(the last 1 byte of a 2-byte character\) — was it cut short, e\.g\. by head -c\?/);
  const latin = join(dir, 'latin1.txt');
  writeFileSync(latin, Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a, 0x78])); // "café\nx" in Latin-1
  const l = await runCli(['train', latin, '-o', join(dir, 'm.json'), ...TINY]);
  assert.match(oneLineError(l.stderr), /is not valid UTF-8 text \(byte 0xE9 at offset 3\) — convert it to UTF-8 first/);
  assert.ok(readFileSync(latin).length === 6);
});

test('one step, one epoch: singular', async () => {
  const dir = tempDir();
  const r = await runCli(['train', CORPUS, '-o', join(dir, 'm.json'), ...TINY, '--max-steps', '1']);
  assert.match(r.stderr, /reached --max-steps after 1 step, /);
});

test('the loss chart fits a narrow terminal; the resume hint after training from stdin says to pipe the corpus again', async () => {
  const dir = tempDir();
  const r = await runCli(['train', '-', '-o', join(dir, 'm.json'), ...TINY, '--max-steps', '6', '--eval-every', '2'],
    { stdin: readFileSync(CORPUS, 'utf8'), columns: 50 });
  assert.equal(r.code, 0, r.stderr);
  const chart = r.stderr.split('\n').filter((l) => /[┤│└]/.test(l));
  assert.ok(chart.length >= 3, r.stderr);
  for (const line of chart) assert.ok([...line].length <= 50, `${[...line].length} columns: ${line}`);
  assert.match(r.stderr, /continue with: … \| rnnlm train - --resume .* \(the same corpus on standard input again\)/);
});

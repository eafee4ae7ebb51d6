/**
 * `rnnlm train --val-file`: a validation text of its own, the way Penn
 * Treebank and WikiText come (train / valid / test). The data line counts its
 * tokens; the resume hint repeats it; a resumed run without it, or with it
 * where the run held out a fraction, is refused in one line; it cannot be
 * where the run writes, nor share standard input with the corpus.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { oneLineError, runCli, tempDir } from '../helpers/fake-host.js';

const SMALL = ['--hidden', '8', '--layers', '1', '--threads', '1', '--samples', '0'];

test('train --val-file: validation on that text (its tokens counted: characters + one <EOS> a line), the resume hint gives it again', async () => {
  const dir = tempDir();
  const corpus = join(dir, 'train.txt');
  const valid = join(dir, 'valid.txt');
  writeFileSync(corpus, 'emma\nolivia\nava\nisabella\nsophia\n'.repeat(20));
  writeFileSync(valid, 'mia\nemily\n');
  const m = join(dir, 'm.json');
  const r = await runCli(['train', corpus, '--val-file', valid, '-o', m, '--max-steps', '2', ...SMALL]);
  assert.equal(r.code, 0, r.stderr);
  // (5 + 7 + 4 + 9 + 7)·20 = 640 with the <EOS>s; (3 + 1) + (5 + 1) = 10
  assert.match(r.stderr, /data {4}640 training tokens, 10 validation tokens/);
  assert.match(r.stderr, /val \d+\.\d{4}/);
  assert.match(r.stderr, new RegExp(`continue with: rnnlm train \\S+ --resume \\S+ --val-file \\S*valid\\.txt -o`));
  const again = await runCli(['train', corpus, '--resume', m, '-o', m, '--max-steps', '1', '-q']);
  assert.equal(again.code, 1);
  assert.match(oneLineError(again.stderr), /m\.json: the checkpoint's run was validated on a text of its own \(--val-file\), and none is given — give the same validation text again with --val-file/);
  const ok = await runCli(['train', corpus, '--resume', m, '--val-file', valid, '-o', m, '--max-steps', '1', '-q']);
  assert.equal(ok.code, 0, ok.stderr);
});

test('train --val-file: refused with --val-fraction, as the output, blank, or on standard input with the corpus', async () => {
  const dir = tempDir();
  const corpus = join(dir, 'train.txt');
  writeFileSync(corpus, 'emma\nolivia\nava\n'.repeat(20));
  const blank = join(dir, 'blank.txt');
  writeFileSync(blank, '\n\n  \n');
  const m = join(dir, 'm.json');
  const both = await runCli(['train', corpus, '--val-file', corpus, '--val-fraction', '0.1', '-o', m, ...SMALL]);
  assert.equal(both.code, 2);
  assert.match(oneLineError(both.stderr), /--val-file and --val-fraction cannot go together/);
  const same = await runCli(['train', corpus, '--val-file', m, '-o', m, ...SMALL]);
  assert.equal(same.code, 1, 'as for the corpus given as the output');
  assert.match(oneLineError(same.stderr), /the output \(-o\) and the validation text \(--val-file\) are both/);
  const empty = await runCli(['train', corpus, '--val-file', blank, '-o', m, ...SMALL]);
  assert.equal(empty.code, 1);
  assert.match(oneLineError(empty.stderr), /blank\.txt: the validation text is empty or only blank lines/);
  const stdin = await runCli(['train', '-', '--val-file', '-', '-o', m, ...SMALL], { stdin: 'emma\n' });
  assert.equal(stdin.code, 2);
  assert.match(oneLineError(stdin.stderr), /the corpus and the validation text cannot both be standard input/);
  const held = join(dir, 'held.json');
  assert.equal((await runCli(['train', corpus, '-o', held, '--max-steps', '1', '-q', ...SMALL])).code, 0);
  const changed = await runCli(['train', corpus, '--resume', held, '--val-file', corpus, '-o', held, '--max-steps', '1', '-q']);
  assert.equal(changed.code, 2);
  assert.match(oneLineError(changed.stderr), /was not validated on a text of its own, so --val-file would change its data split/);
});

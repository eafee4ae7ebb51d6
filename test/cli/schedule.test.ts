/**
 * The learning-rate schedule on the command line: --lr-warmup, --lr-plateau,
 * --lr-plateau-patience, read back from the --log lines (rates derived by
 * hand from the documented formula) and the checkpoint; changeable on resume.
 * The cut's arithmetic is checked in test/core/train.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCheckpoint } from '../../src/checkpoint/codec.js';
import { runCli, tempDir } from '../helpers/fake-host.js';

test('--lr-warmup scales the rate of step s by (s + 1) / N; --lr-plateau and its patience are kept in the checkpoint and changeable on --resume', async () => {
  const d = tempDir();
  const file = join(d, 'c.txt');
  writeFileSync(file, 'emma\nolivia\nava\nisabella\nsophia\nmia\ncharlotte\namelia\n');
  const out = join(d, 'm.json'), log = join(d, 'log.ndjson');
  const r = await runCli(['train', file, '--hidden', '8', '--layers', '1', '--batch', '2', '--lr', '0.01', '--lr-warmup', '100', '--lr-plateau', '0.25', '--lr-plateau-patience', '2',
    '--eval-every', '5', '--max-steps', '10', '--log', log, '-o', out, '-q', '--samples', '0']);
  assert.equal(r.code, 0, r.stderr);
  const rows = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number; lr: number });
  // the rate a log line shows is the next step's: after step s, (s + 1) / 100 of 0.01 (no cut: it takes 3 evaluations without improvement)
  for (const row of rows.filter((x) => x.step < 100)) assert.ok(Math.abs(row.lr - (0.01 * (row.step + 1)) / 100) < 1e-15, JSON.stringify(row));
  assert.ok(rows.length >= 2);
  const tc = parseCheckpoint(readFileSync(out, 'utf8')).training!.config;
  assert.deepEqual([tc.lrWarmup, tc.lrPlateau, tc.lrPlateauPatience], [100, 0.25, 2]);
  const again = await runCli(['train', file, '--resume', out, '-o', out, '--lr-plateau', '0.5', '--max-steps', '1', '--samples', '0']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /changed training settings: --lr-plateau 0\.5 \(was 0\.25\)/);
});

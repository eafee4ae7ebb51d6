/**
 * SIGKILL while checkpoints are being written: with an evaluation (and a write)
 * after every step, a hard kill at arbitrary moments lands in the middle of
 * writes; whatever is at model.json afterwards must be a whole, valid
 * checkpoint (temporary file, fsync, rename), never a truncated one. The
 * temporary files of killed writes are removed by the next successful write,
 * and only those: a user's file that merely looks like one stays.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCheckpoint } from '../../src/checkpoint/codec.js';
import { tempDir } from '../helpers/fake-host.js';
import { isOurTemporary, temporaryName } from '../../src/node/files.js';
import { repoPath } from '../helpers/paths.js';

test('SIGKILL during training never leaves a broken model.json', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const out = join(dir, 'm.json');
  let checked = 0;
  let deadPid = 0;
  for (const delay of [700, 1100, 1500, 1900, 2300]) {
    const child = spawn(process.execPath, [repoPath('bin/rnnlm.js'), 'train', repoPath('corpora/sentences.txt'), '-o', out,
      '--hidden', '64', '--eval-every', '1', '--val-fraction', '0', '--epochs', '1000', '--threads', '1', '-q', '--samples', '0', '--force'],
    { stdio: 'ignore', env: { ...process.env, NO_COLOR: '1' } });
    await new Promise((r) => setTimeout(r, delay));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    deadPid = child.pid!;
    if (existsSync(out)) {
      const ck = parseCheckpoint(readFileSync(out, 'utf8')); // throws on a truncated or broken file
      assert.ok(ck.training!.state.step >= 1);
      checked++;
    }
  }
  assert.ok(checked >= 3, `a checkpoint existed after ${checked} of 5 kills`);
  // only whole checkpoints and, at most, temporary files of killed writes are left
  for (const f of readdirSync(dir)) assert.ok(f === 'm.json' || isOurTemporary(f, 'm.json'), f);
  // one more run that writes: no temporary file of a dead process is left (one is planted for sure),
  // and files that are not provably rnnlm's temporaries are left alone
  writeFileSync(join(dir, temporaryName('m.json', deadPid)), '{"half a checkp');
  const lookalikes = [`m.json.tmp-${deadPid}`, `.rnnlm-${deadPid}-0123456789abcdef-00000000.tmp`];
  for (const f of lookalikes) writeFileSync(join(dir, f), 'the user\'s own file');
  const again = spawn(process.execPath, [repoPath('bin/rnnlm.js'), 'train', repoPath('corpora/sentences.txt'), '-o', out,
    '--hidden', '16', '--max-steps', '1', '--val-fraction', '0', '--threads', '1', '-q', '--samples', '0', '--force'], { stdio: 'ignore' });
  assert.equal(await new Promise((r) => again.once('exit', r)), 0);
  assert.deepEqual(readdirSync(dir).sort(), ['m.json', ...lookalikes].sort());
  for (const f of lookalikes) assert.equal(readFileSync(join(dir, f), 'utf8'), 'the user\'s own file');
});

/**
 * Training through the CLI: resume equivalence across a real checkpoint file,
 * and the textbook's example of what a language model is for.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCheckpoint } from '../../src/checkpoint/codec.js';
import { runCli, tempDir } from '../helpers/fake-host.js';
import { repoPath } from '../helpers/paths.js';

const sentences = repoPath('corpora/sentences.txt');

/** The latest state a run left: m.last.json when the final state was not the best, else m.json. */
function latest(dir: string) {
  const last = join(dir, 'm.last.json');
  return parseCheckpoint(readFileSync(existsSync(last) ? last : join(dir, 'm.json'), 'utf8'));
}

test('train N steps, --resume for M more = N+M steps in one run, bit for bit (through the checkpoint file)', async () => {
  const common = ['--hidden', '12', '--layers', '2', '--dropout', '0.1', '--batch', '8', '--bptt', '6', '--samples', '0', '-q', '--eval-every', '4'];
  const a = tempDir(), b = tempDir();
  const straight = await runCli(['train', sentences, '-o', join(a, 'm.json'), ...common, '--max-steps', '17']);
  assert.equal(straight.code, 0, straight.stderr);
  const first = await runCli(['train', sentences, '-o', join(b, 'm.json'), ...common, '--max-steps', '9']);
  assert.equal(first.code, 0, first.stderr);
  const from = existsSync(join(b, 'm.last.json')) ? join(b, 'm.last.json') : join(b, 'm.json');
  const second = await runCli(['train', sentences, '-o', join(b, 'm.json'), '--resume', from, '--max-steps', '8', '-q', '--samples', '0']);
  assert.equal(second.code, 0, second.stderr);
  const x = latest(a), y = latest(b);
  assert.equal(x.training!.state.step, 17);
  assert.equal(y.training!.state.step, 17);
  const bytes = (c: typeof x) => new Uint8Array(c.model.params.data.buffer, c.model.params.data.byteOffset, c.model.params.data.byteLength);
  assert.deepEqual(bytes(y), bytes(x));
  assert.deepEqual(y.training!.state.rng, x.training!.state.rng);
});

test('--resume refuses changed architecture options', async () => {
  const d = tempDir();
  await runCli(['train', sentences, '-o', join(d, 'm.json'), '--hidden', '8', '--layers', '1', '--max-steps', '2', '-q', '--samples', '0']);
  const r = await runCli(['train', sentences, '-o', join(d, 'm.json'), '--resume', join(d, 'm.json'), '--hidden', '16']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--hidden/);
});

test('a model of a corpus with "pear salad" and no "pair salad" prefers the pear', async () => {
  const d = tempDir();
  const model = join(d, 'm.json');
  const t = await runCli(['train', sentences, '-o', model, '--level', 'word', '--embedding', '16', '--hidden', '32', '--layers', '1',
    '--epochs', '25', '--val-fraction', '0', '--batch', '16', '--lr', '0.01', '-q', '--samples', '0']);
  assert.equal(t.code, 0, t.stderr);
  const s = await runCli(['score', '-m', model, '--json', 'The apple and pear salad.', 'The apple and pair salad.']);
  assert.equal(s.code, 0, s.stderr);
  const [pear, pair] = s.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(pear.unk, 0);
  assert.equal(pair.unk, 0, '"pair" is in the vocabulary (a pair of shoes)');
  assert.ok(pear.logProb > pair.logProb, `pear ${pear.logProb} vs pair ${pair.logProb}`);
});

test('--log writes one JSON line per evaluation, which plot reads', async () => {
  const d = tempDir();
  const log = join(d, 'log.ndjson');
  const t = await runCli(['train', sentences, '-o', join(d, 'm.json'), '--hidden', '8', '--layers', '1', '--max-steps', '12', '--eval-every', '4', '--log', log, '-q', '--samples', '0']);
  assert.equal(t.code, 0, t.stderr);
  const recs = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(recs.map((r) => r.step), [4, 8, 12]);
  for (const r of recs) for (const k of ['epoch', 'tokensSeen', 'trainLoss', 'valLoss', 'lr', 'elapsedMs', 'tokensPerSec']) assert.ok(k in r, k);
  const p = await runCli(['plot', log, '-o', join(d, 'c.svg')]);
  assert.equal(p.code, 0, p.stderr);
  assert.match(readFileSync(join(d, 'c.svg'), 'utf8'), /^<svg[\s\S]*<\/svg>\s*$/);
});

test('a failed checkpoint write is reported, training goes on, the next evaluation saves', async () => {
  const d = tempDir();
  const out = join(d, 'm.json');
  const t = await runCli(['train', sentences, '-o', out, '--hidden', '8', '--layers', '1', '--max-steps', '12', '--eval-every', '4', '--val-fraction', '0', '--samples', '0'],
    { failWrite: (path, attempt) => path === out && attempt === 2 });
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stderr, /not saved: .*disk is full.*still holds step 4.*trying again/);
  const ck = parseCheckpoint(readFileSync(out, 'utf8'));
  assert.equal(ck.training!.state.step, 12);
});

// Adam moves each weight by about lr per step, so --lr 1e38 overflows float32 within a few steps: NaN.
test('a diverging run stops with a message naming the step; the best checkpoint stays loadable', async () => {
  const d = tempDir();
  const out = join(d, 'm.json');
  const t = await runCli(['train', sentences, '-o', out, '--hidden', '16', '--layers', '1', '--epochs', '50', '--eval-every', '1', '--lr', '1e38', '--clip', '0', '--samples', '0', '-q']);
  assert.equal(t.code, 1, t.stderr);
  assert.match(t.stderr, /^rnnlm: training diverged: the (loss|gradient norm) became (NaN|Infinity|-Infinity) at step \d+.*lower the learning rate/m);
  assert.equal(t.stderr.trim().split('\n').length, 1);
  if (existsSync(out)) parseCheckpoint(readFileSync(out, 'utf8'));
});

/**
 * rnnlm info: every number in the report is the checkpoint's own (parsed here
 * independently), and a checkpoint without training state says so.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCheckpoint, serializeCheckpoint, type Checkpoint } from '../../src/checkpoint/codec.js';
import { oneLineError, runCli, tempDir } from '../helpers/fake-host.js';
import { repoPath } from '../helpers/paths.js';

const tiny = repoPath('test/fixtures/tiny.txt');

let dir = '';
let model = '';
let ck: Checkpoint;


before(async () => {
  dir = tempDir();
  model = join(dir, 'm.json');
  const r = await runCli(['train', tiny, '-o', model, '--hidden', '8', '--layers', '1', '--epochs', '3', '--val-fraction', '0.34', '--samples', '0', '-q']);
  assert.equal(r.code, 0, r.stderr);
  ck = parseCheckpoint(readFileSync(model, 'utf8'));
});

test('info: the report names the cell and gives the parameter count and vocabulary size of the checkpoint', async () => {
  const r = await runCli(['info', model]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  const total = ck.model.layout.total;
  assert.match(r.stdout, new RegExp(`parameters\\s+${total.toLocaleString('en-US')} \\(`));
  assert.match(r.stdout, new RegExp(`size\\s+${ck.vocab.tokens.length} tokens \\(char level`));
  assert.match(r.stdout, new RegExp(`cell\\s+${ck.model.config.cell}\\b`));
  assert.match(r.stdout, new RegExp(`steps\\s+${ck.training!.state.step}\\n`));
  assert.match(r.stdout, new RegExp(`best val loss\\s+${ck.training!.state.bestValLoss!.toFixed(4)} nats/token at step ${ck.training!.state.bestStep}`));
  assert.match(r.stdout, /bits\/char/, 'char level: bits per character');
  assert.match(r.stdout, /command\s+rnnlm train \S+tiny\.txt .*--hidden 8/);
  // the space of "a b c" is shown as a JSON string
  assert.ok(ck.vocab.tokens.includes(' '));
  assert.match(r.stdout, /^\s+(top \d+)?\s+" "\s+\d/m);
});

test('info --json: one object whose numbers are the checkpoint\'s', async () => {
  const r = await runCli(['info', model, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n').length, 1);
  const j = JSON.parse(r.stdout);
  const c = ck.model.config;
  const s = ck.training!.state;
  assert.equal(j.fileBytes, statSync(model).size);
  assert.equal(j.model.cell, c.cell);
  assert.equal(j.model.layers, c.layers);
  assert.equal(j.model.hidden, c.hidden);
  assert.equal(j.model.embedding, c.embedding);
  assert.equal(j.model.parameters, ck.model.layout.total);
  assert.equal(j.model.parameterBytes, 4 * ck.model.layout.total);
  assert.equal(j.vocabulary.size, ck.vocab.tokens.length);
  assert.equal(j.vocabulary.level, ck.tokenizer.level);
  assert.equal(j.vocabulary.sentence, ck.tokenizer.sentence);
  assert.equal(j.vocabulary.counted, ck.counts!.reduce((a, b) => a + b, 0));
  assert.equal(j.training.steps, s.step);
  assert.equal(j.training.epochs, s.epoch);
  assert.equal(j.training.tokensSeen, s.tokensSeen);
  assert.equal(j.training.elapsedMs, s.elapsedMs);
  assert.equal(j.training.evaluations, s.history.length);
  assert.equal(j.training.bestValLoss, s.bestValLoss);
  assert.equal(j.training.bestStep, s.bestStep);
  assert.equal(j.training.bestPerplexity, Math.exp(s.bestValLoss!));
  assert.equal(j.training.bestBitsPerChar, s.bestValLoss! / Math.LN2);
  assert.deepEqual(j.training.options, ck.training!.options);
  assert.deepEqual(j.meta, ck.meta);
});

test('info: the most frequent tokens come in order of their counts, the first with the highest count', async () => {
  const j = JSON.parse((await runCli(['info', model, '--json'])).stdout);
  const counts = ck.counts!;
  const top: { token: string; count: number }[] = j.vocabulary.top;
  assert.equal(top.length, Math.min(10, counts.filter((n) => n > 0).length));
  assert.equal(top[0]!.count, Math.max(...counts));
  for (const t of top) assert.equal(t.count, counts[ck.vocab.tokens.indexOf(t.token)]);
  for (let i = 1; i < top.length; i++) assert.ok(top[i - 1]!.count >= top[i]!.count);
  // nothing left out outranks what is listed
  const listed = new Set(top.map((t) => t.token));
  counts.forEach((n, id) => { if (!listed.has(ck.vocab.tokens[id]!)) assert.ok(n <= top[top.length - 1]!.count); });
  const three = JSON.parse((await runCli(['info', model, '--json', '--top', '3'])).stdout);
  assert.deepEqual(three.vocabulary.top, top.slice(0, 3));
});

test('info: a checkpoint without training state says so', async () => {
  const bare = join(dir, 'bare.json');
  writeFileSync(bare, serializeCheckpoint({ ...ck, training: null }));
  const r = await runCli(['info', bare]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /not trained with rnnlm train \/ no training state/);
  const j = JSON.parse((await runCli(['info', bare, '--json'])).stdout);
  assert.equal(j.training, null);
  const piped = await runCli(['info', '-', '--json'], { stdin: readFileSync(bare) });
  assert.equal(piped.code, 0, piped.stderr);
  assert.equal(JSON.parse(piped.stdout).model.parameters, ck.model.layout.total);
});

test('info: missing or corrupt file → exit 1, one line; bad flag value → exit 2 naming it; --help has examples', async () => {
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, '{"format": "rnnlm-checkpoint", "vers');
  for (const [file, re] of [[join(dir, 'none.json'), /does not exist/], [bad, /JSON|truncated/]] as const) {
    const r = await runCli(['info', file]);
    assert.equal(r.code, 1);
    assert.match(oneLineError(r.stderr), re);
    assert.equal(r.stdout, '');
  }
  const t = await runCli(['info', model, '--top', '-1']);
  assert.equal(t.code, 2);
  assert.match(oneLineError(t.stderr), /--top must be a whole number/);
  const h = await runCli(['info', '--help']);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /Examples:/);
});

test('info: why a model keeps no training-sentence set — its mode for a stream model, the cap or an older rnnlm for a line model', async () => {
  const stream = join(dir, 'stream.json');
  const t = await runCli(['train', tiny, '-o', stream, '--sentence', 'stream', '--hidden', '4', '--layers', '1', '--max-steps', '1', '--samples', '0', '-q']);
  assert.equal(t.code, 0, t.stderr);
  assert.match((await runCli(['info', stream])).stdout, /\n {2}sentences +no training-sentence set \(stream mode reads one stream\): sample cannot mark copies\n/);
  const old = join(dir, 'no-set.json');
  writeFileSync(old, serializeCheckpoint({ ...ck, trainSentences: null }));
  assert.match((await runCli(['info', old])).stdout, /\n {2}sentences +no training-sentence set \(a corpus of more than 1,000,000 sentences, or an older rnnlm\): sample cannot mark copies\n/);
});

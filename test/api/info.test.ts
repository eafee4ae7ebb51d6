/**
 * api/info.ts: what `rnnlm info` reports, as a plain object. The parameter
 * count follows from the architecture by hand, the token counts from the
 * corpus by hand, and the command line's --json is the file plus exactly
 * this object. trainingCurve orders a history and finds its best point.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { describeCheckpoint, topTokens, trainingCurve, type EvalRecord } from '../../src/api/info.js';
import { runCli } from '../helpers/fake-host.js';
import { tinyModel, type TinyModel } from './tiny-model.js';

let m: TinyModel;
before(async () => { m = await tinyModel({ cell: 'lstm', peephole: true }); });
after(() => rmSync(m.dir, { recursive: true, force: true }));

test('parameters by hand: LSTM 1×8 with peepholes on one-hot input of V, then the decoder', () => {
  const i = describeCheckpoint(m.ref);
  const V = 6, H = 8; // <EOS>, <UNK>, a, b, c, space
  assert.equal(i.vocabulary.size, V);
  const lstm = 4 * H * V + 4 * H * H + 4 * H + 4 * H + 3 * H;
  assert.equal(i.model.parameters, lstm + V * H + V);
  assert.equal(i.model.parameterBytes, 4 * i.model.parameters);
  assert.deepEqual([i.model.cell, i.model.peephole, i.model.layers, i.model.hidden, i.model.input], ['lstm', true, 1, 8, 'one-hot']);
});

test('the most frequent tokens, counted by hand in tiny.txt (ties: the lower id first); the training summary', () => {
  const lines = m.text.split('\n').filter((l) => l !== '');
  const count = (ch: string) => [...lines.join('')].filter((c) => c === ch).length;
  // the counts are the corpus's tokens: <EOS> and <UNK> are not in the text, so not counted
  const hand = new Map<string, number>([['a', count('a')], ['b', count('b')], ['c', count('c')], [' ', count(' ')]]);
  const i = describeCheckpoint(m.ref, 3);
  assert.equal(i.vocabulary.counted, [...hand.values()].reduce((a, b) => a + b, 0));
  assert.equal(i.vocabulary.top.length, 3);
  for (const t of i.vocabulary.top) assert.equal(t.count, hand.get(t.token), t.token);
  const sorted = [...hand.values()].sort((a, b) => b - a).slice(0, 3);
  assert.deepEqual(i.vocabulary.top.map((t) => t.count), sorted);
  assert.deepEqual(topTokens(m.ref, 100).length, hand.size, 'every token seen, the specials (never in the text) left out');
  const t = i.training!;
  assert.equal(t.steps, 20);
  assert.equal(t.bestValLoss, null, 'no validation data');
  assert.equal(t.config.optimizer, 'adam');
  assert.equal(t.options['hidden'], 8);
});

test('rnnlm info --json is the file, its size, then exactly describeCheckpoint', async () => {
  const r = await runCli(['info', m.file, '--json', '--top', '4']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), JSON.parse(JSON.stringify({ file: m.file, fileBytes: readFileSync(m.file).length, ...describeCheckpoint(m.ref, 4) })));
});

test('trainingCurve: records in step order; the best is the lowest finite validation loss, the first of equals; none without one', () => {
  const rec = (step: number, valLoss: number | null): EvalRecord => ({ step, epoch: 0, tokensSeen: step, trainLoss: 1, valLoss, lr: 0.1, elapsedMs: step });
  const c = trainingCurve([rec(30, 0.4), rec(10, 0.9), rec(20, 0.4), rec(40, NaN), rec(50, null)]);
  assert.deepEqual(c.history.map((r) => r.step), [10, 20, 30, 40, 50]);
  assert.equal(c.best!.step, 20);
  assert.equal(trainingCurve([rec(1, null), rec(2, NaN)]).best, null);
  assert.equal(trainingCurve([]).best, null);
});

/**
 * lossChart: a plain-character loss curve for the terminal. Shape (lines,
 * width), labels (min/max loss, first/last step) and marks, derived from the
 * records given.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EvalRecord } from '../../src/core/train.js';
import { lossChart, TRAIN_MARK, VAL_MARK } from '../../src/cli/chart.js';

const rec = (step: number, trainLoss: number, valLoss: number | null): EvalRecord => ({ step, epoch: 0, tokensSeen: step * 64, trainLoss, valLoss, lr: 0.002, elapsedMs: step });
const cps = (s: string) => [...s].length;
/** Lines below the plot rows: the axis, its labels, the legend. */
const EXTRA = 3;

function curve(n: number): EvalRecord[] {
  return Array.from({ length: n }, (_, i) => rec(10 * (i + 1), 1.5 + 2 / (i + 1), 1.8 + 1.5 / (i + 1)));
}

test('lossChart: height + 3 lines, none wider than the width, for several sizes', () => {
  for (const [w, h] of [[60, 10], [80, 20], [30, 5], [8, 1], [12, 2]] as const) {
    const lines = lossChart(curve(25), w, h);
    assert.equal(lines.length, h + EXTRA, `${w}×${h}`);
    for (const l of lines) assert.ok(cps(l) <= w, `${JSON.stringify(l)} fits in ${w}`);
    assert.ok(!/\u001b\[/.test(lines.join('\n')), 'no colour codes');
  }
});

test('lossChart: the y axis is labelled with the max and min loss, the x axis with the first and last step', () => {
  const h = curve(12);
  const lines = lossChart(h, 70, 8);
  const losses = h.flatMap((r) => [r.trainLoss, r.valLoss!]);
  const max = Math.max(...losses), min = Math.min(...losses);
  const digits = max - min >= 1 ? 2 : 3;
  assert.ok(lines[0]!.trimStart().startsWith(max.toFixed(digits)), lines[0]);
  assert.ok(lines[7]!.trimStart().startsWith(min.toFixed(digits)), lines[7]);
  assert.match(lines[8]!, /└─+$/);
  const axis = lines[9]!.trim().split(/\s+/);
  assert.deepEqual([axis[0], axis[axis.length - 1]], [String(h[0]!.step), String(h[h.length - 1]!.step)]);
  assert.match(lines[9]!, /step/);
  const legend = lines[10]!;
  assert.ok(legend.includes(`${TRAIN_MARK} train`) && legend.includes(`${VAL_MARK} validation`));
  assert.ok(legend.includes('nats/token'));
  const best = h.reduce((b, r) => (r.valLoss! < b.valLoss! ? r : b));
  assert.ok(legend.includes(`best ${best.valLoss!.toFixed(digits)} at step ${best.step}`));
  // the highest loss is the first training point: top row, first column
  const plotStart = lines[0]!.indexOf('┤') + 1;
  assert.equal([...lines[0]!][plotStart], TRAIN_MARK);
  const body = lines.slice(0, 8).join('\n');
  assert.ok(body.includes(TRAIN_MARK) && body.includes(VAL_MARK));
});

test('lossChart: one record, NaN training losses, no validation, no records', () => {
  const one = lossChart([rec(50, NaN, 2.5)], 40, 4);
  assert.equal(one.length, 4 + EXTRA);
  assert.equal(one.join('').split(VAL_MARK).length - 1, 1 + 1, 'one validation mark in the plot, one in the legend');
  assert.ok(!one.slice(0, 4).join('').includes(TRAIN_MARK), 'NaN training loss is not drawn');
  assert.ok(one.some((l) => l.includes('2.500')));
  assert.ok(one.some((l) => /\b50 step/.test(l)));

  const nan = lossChart([rec(0, NaN, 3), rec(10, 2.5, 2.6), rec(20, NaN, 2.4), rec(30, 2.1, 2.3)], 40, 6);
  assert.equal(nan.length, 6 + EXTRA);
  assert.ok(!nan.join('\n').includes('NaN'));

  const noVal = lossChart([rec(10, 3, null), rec(20, 2, null)], 40, 5);
  assert.equal(noVal.length, 5 + EXTRA);
  assert.ok(!noVal.slice(0, 5).join('').includes(VAL_MARK));
  assert.match(noVal[noVal.length - 1]!, /no validation/);

  const none = lossChart([], 30, 3);
  assert.equal(none.length, 3 + EXTRA);
  for (const l of none) assert.ok(cps(l) <= 30);
});

test('lossChart: losses at the ends of the float range (max − min overflows) draw, labelled, without NaN', () => {
  const M = Number.MAX_VALUE;
  for (const history of [[rec(1, 1e308, null), rec(2, -1e308, -1e308), rec(9, 3, 1e308)], [rec(1, M, -M), rec(5, -M, M)], [rec(3, -M, null)]]) {
    const lines = lossChart(history, 60, 6);
    assert.equal(lines.length, 6 + EXTRA);
    const text = lines.join('\n');
    assert.ok(!/NaN|Infinity/.test(text), text);
    assert.ok(text.includes(TRAIN_MARK));
  }
});

/**
 * The progress line's epoch: "epoch 2/5" when the run has a number of
 * epochs, "epoch 2" when a time budget alone ends it (no total of a million).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Chalk } from 'chalk';
import { createReporter, type StepInfo } from '../../src/cli/progress.js';
import { fakeHost } from '../helpers/fake-host.js';

const step: StepInfo = { step: 7, epoch: 1, epochProgress: 0.5, loss: 2, tokensPerSec: 100, elapsedMs: 20_000, valLoss: null };

test('an epoch count shows its total; a run bounded by its time budget alone shows none, and its ETA is the budget left', () => {
  const style = new Chalk({ level: 0 });
  const counted = fakeHost();
  createReporter(counted.host, style, { epochs: 5, epochWindows: 10, maxTimeMs: 0 }, false).step(step);
  assert.match(counted.err.text, /^step 7 · epoch 2\/5 \(50%\)/);
  const timed = fakeHost();
  createReporter(timed.host, style, { epochs: null, epochWindows: 10, maxTimeMs: 60_000 }, false).step(step);
  assert.match(timed.err.text, /^step 7 · epoch 2 \(50%\) · .* ETA 40s\n$/);
});

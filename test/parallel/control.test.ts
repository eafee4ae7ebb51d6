/**
 * The threads' protocol (src/parallel/control.ts): a worker that ends unasked
 * after it said ready (a crash outside its commands) makes the next command
 * fail at once instead of waiting for it forever; a pool with a failed thread
 * takes no more commands; stopping the workers then still returns.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { command, startWorker, stopWorkers, offsetAt } from '../../src/parallel/control.js';

const W = { seq: 0, cmd: 1, done: 2, failed: 3 };

test('a worker that ends unasked: the next command throws, and so does every one after it', async () => {
  const ctl = new Int32Array(new SharedArrayBuffer(16));
  // says ready, then ends on its own
  const code = "import { parentPort } from 'node:worker_threads'; parentPort.postMessage('ready'); setTimeout(() => process.exit(3), 10);";
  const { worker, ready } = await startWorker<string>(new URL(`data:text/javascript,${encodeURIComponent(code)}`), null, ctl, W);
  assert.equal(ready, 'ready');
  worker.ref();
  await once(worker, 'exit');
  let mine = 0;
  assert.throws(() => command(ctl, W, 1, 1, () => { mine++; }, 'a thread failed'), /a thread failed/);
  assert.equal(mine, 0, 'nothing posted to a failed pool');
  assert.throws(() => command(ctl, W, 1, 1, () => {}, 'a thread failed'), /a thread failed/);
  await stopWorkers(ctl, W, 2, [worker]);
});

test('offsetAt: a byte offset past 2 GB kept in an Int32 control word reads back whole, not negative', () => {
  const ctl = new Int32Array(4);
  for (const off of [0, 8, 2 ** 31 - 4, 2 ** 31, 2 ** 31 + 174_752, 2 ** 32 - 4]) {
    ctl[2] = off;
    assert.equal(offsetAt(ctl, 2), off);
  }
});

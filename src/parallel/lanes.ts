/**
 * Lanes (core/lanes.ts) on several threads: the main thread and `threads − 1`
 * workers each step a workspace of `width` lanes, all on the one shared
 * WebAssembly memory, so the parameters are shared in place and the main
 * thread reads every lane's logits, and sets every lane's state, where the
 * lane's thread keeps them: per step only the lanes' token ids are written.
 * Each thread's batch has the same width as one thread's would, so a lane's
 * numbers are the same on any number of threads. Synchronisation: control.ts.
 */
import type { Worker } from 'node:worker_threads';
import type { Vec } from '../core/kernels.js';
import { localLanes, workspaceLanes, type ThreadLanes } from '../core/lanes.js';
import type { Model } from '../core/model.js';
import { createWorkspace } from '../core/workspace.js';
import type { WasmKernels } from '../core/wasm/wasm-kernels.js';
import { command, sharedBackend, startWorker, stopWorkers } from './control.js';

/** Int32 words of the control block. */
export const LaneCtl = { seq: 0, cmd: 1, done: 2, failed: 3 } as const;
export const LaneCmd = { step: 1, exit: 2 } as const;

export interface LaneWorkerSetup {
  memory: WasmKernels['memory'];
  config: Model['config'];
  paramsOffset: number;
  /** lanes per thread, and this worker's index (1.., the main thread is 0) */
  width: number;
  index: number;
  control: SharedArrayBuffer;
  /** Int32 (threads · width): every lane's token id for the step */
  ids: SharedArrayBuffer;
}

/** Where a worker's lanes live in the shared memory (byte offsets; −1: no c, not an LSTM). */
export interface LaneWorkerReady {
  logits: number;
  h: number[];
  c: number[];
}

/**
 * `threads` × `width` lanes, lane b on thread ⌊b / width⌋. On one thread, or
 * when the model's parameters are not in a WebAssembly memory threads can
 * share (the TypeScript reference), the lanes of one workspace here.
 */
export async function createThreadLanes(model: Model, width: number, threads: number): Promise<ThreadLanes> {
  const wasm = sharedBackend(model);
  if (threads <= 1 || !wasm) return localLanes(model, createWorkspace(model, 1, width));
  const V = model.config.vocabSize;
  const H = model.config.hidden;
  const control = new SharedArrayBuffer(4 * 4);
  const ctl = new Int32Array(control);
  const idsBuf = new SharedArrayBuffer(4 * threads * width);
  const ids = new Int32Array(idsBuf);
  const own = workspaceLanes(model, createWorkspace(model, 1, width));
  const workers: Worker[] = [];
  const parts: { logits: Vec[]; h: Vec[][]; c: (Vec | null)[][] }[] = [];
  try {
    for (let w = 1; w < threads; w++) {
      const setup: LaneWorkerSetup = { memory: wasm.memory, config: model.config, paramsOffset: model.params.data.byteOffset, width, index: w, control, ids: idsBuf };
      const { worker, ready } = await startWorker<LaneWorkerReady>(new URL('./lanes-worker.js', import.meta.url), setup, ctl, LaneCtl);
      workers.push(worker);
      const rows = (off: number, n: number, len: number): Vec[] => Array.from({ length: n }, (_, b) => wasm.view(off + 4 * b * len, len));
      parts.push({
        logits: rows(ready.logits, width, V),
        h: ready.h.map((off) => rows(off, width, H)),
        c: ready.c.map((off) => (off < 0 ? Array.from({ length: width }, () => null) : rows(off, width, H))),
      });
    }
  } catch (err) {
    await stopWorkers(ctl, LaneCtl, LaneCmd.exit, workers);
    throw err;
  }
  let closing: Promise<void> | null = null;
  const mine = ids.subarray(0, width);
  return {
    count: threads * width,
    threads,
    logits(b) {
      const t = Math.floor(b / width);
      return t === 0 ? own.logits(b) : parts[t - 1]!.logits[b % width]!;
    },
    setState(b, h, c) {
      const t = Math.floor(b / width);
      if (t === 0) { own.setState(b, h, c); return; }
      const p = parts[t - 1]!, r = b % width;
      p.h.forEach((rows, l) => rows[r]!.set(h[l]!.subarray(0, H)));
      p.c.forEach((rows, l) => rows[r]?.set(c[l]!.subarray(0, H)));
    },
    step(next) {
      ids.set(next.subarray(0, threads * width));
      command(ctl, LaneCtl, LaneCmd.step, threads - 1, () => own.step(mine), 'a sampling thread failed');
    },
    close() {
      // a second close waits for the same exits
      closing ??= stopWorkers(ctl, LaneCtl, LaneCmd.exit, workers);
      return closing;
    },
  };
}

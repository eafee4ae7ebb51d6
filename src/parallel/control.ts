/**
 * The protocol every pool of threads here speaks (training, tagger training,
 * sampling lanes): Int32 words of a shared control block, read and written
 * with Atomics. The main thread posts a command and bumps `seq`, does its own
 * part, and waits until each worker has bumped `done`; a worker whose part
 * throws sets `failed`. No messages per step: a worker started with its setup
 * answers once with where its buffers are, then only waits on the block.
 */
import { Worker, parentPort } from 'node:worker_threads';
import type { Backend } from '../core/backend.js';
import type { Vec } from '../core/kernels.js';
import type { WasmKernels } from '../core/wasm/wasm-kernels.js';

/** A model's backend when threads can share it: WebAssembly, the parameters in its memory (else null). */
export function sharedBackend(model: { backend: Backend; params: { data: Vec } }): WasmKernels | null {
  const bk = model.backend as Partial<WasmKernels>;
  return bk.name === 'wasm' && bk.owns?.(model.params.data) ? (model.backend as WasmKernels) : null;
}

/**
 * A byte offset of the memory kept in a control block's Int32 word: stored
 * as it is, read back unsigned, so that offsets past 2 GB (a memory grows to
 * 4 GB) are not read as negative numbers.
 */
export function offsetAt(ctl: Int32Array, word: number): number {
  return ctl[word]! >>> 0;
}

/** Where the protocol's words are in a control block. */
export interface ControlWords {
  readonly seq: number;
  readonly cmd: number;
  readonly done: number;
  readonly failed: number;
}

/** Workers told to exit: their exit is no failure. */
const stopping = new WeakSet<Worker>();

/**
 * A worker on `url` with `setup` as its workerData, and its first message
 * (where its buffers are). From then on it waits on the control block, so it
 * is unref'd: it does not keep the process alive. Should it end unasked (a
 * crash outside its commands), the block's `failed` is set: the next command
 * fails instead of waiting for it.
 */
export async function startWorker<Ready>(url: URL, setup: unknown, ctl: Int32Array, w: ControlWords): Promise<{ worker: Worker; ready: Ready }> {
  const worker = new Worker(url, { workerData: setup });
  try {
    const ready = await new Promise<Ready>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    worker.on('error', () => {}); // its exit follows, and says it
    worker.on('exit', () => {
      if (stopping.has(worker)) return;
      Atomics.store(ctl, w.failed, 1);
      Atomics.notify(ctl, w.done);
    });
    worker.unref();
    return { worker, ready };
  } catch (err) {
    await worker.terminate();
    throw err;
  }
}

/**
 * Post `cmd` to the `workers` workers, run `own` here, wait for all of them;
 * `failure` is thrown when one failed (now or before: a pool with a failed
 * thread takes no more commands).
 */
export function command(ctl: Int32Array, w: ControlWords, cmd: number, workers: number, own: () => void, failure: string): void {
  if (Atomics.load(ctl, w.failed)) throw new Error(failure);
  Atomics.store(ctl, w.done, 0);
  Atomics.store(ctl, w.cmd, cmd);
  Atomics.add(ctl, w.seq, 1);
  Atomics.notify(ctl, w.seq);
  own();
  for (let d = Atomics.load(ctl, w.done); d < workers && !Atomics.load(ctl, w.failed); d = Atomics.load(ctl, w.done)) Atomics.wait(ctl, w.done, d, 1000);
  if (Atomics.load(ctl, w.failed)) throw new Error(failure);
}

/** Post the `exit` command and wait until every worker has exited. */
export async function stopWorkers(ctl: Int32Array, w: ControlWords, exit: number, workers: readonly Worker[]): Promise<void> {
  for (const wk of workers) stopping.add(wk);
  Atomics.store(ctl, w.cmd, exit);
  Atomics.add(ctl, w.seq, 1);
  Atomics.notify(ctl, w.seq);
  await Promise.all(workers.map((wk) => new Promise((done) => {
    wk.ref();
    if (wk.threadId < 0) done(undefined); // already gone
    else wk.once('exit', done);
  })));
}

/**
 * A worker's side: say ready (`message`, where its buffers are), then loop:
 * wait for a command, `handle` it (a throw sets `failed` and goes to
 * `onError`), acknowledge; until `exit`.
 */
export function serve(ctl: Int32Array, w: ControlWords, exit: number, message: unknown, handle: (cmd: number) => void, onError?: (err: unknown) => void): void {
  // the command count before saying ready: a command posted right after is not missed
  let seen = Atomics.load(ctl, w.seq);
  parentPort!.postMessage(message);
  for (;;) {
    Atomics.wait(ctl, w.seq, seen);
    seen = Atomics.load(ctl, w.seq);
    const cmd = Atomics.load(ctl, w.cmd);
    if (cmd === exit) break;
    try {
      handle(cmd);
    } catch (err) {
      Atomics.store(ctl, w.failed, 1);
      onError?.(err);
    }
    Atomics.add(ctl, w.done, 1);
    Atomics.notify(ctl, w.done);
  }
}

/**
 * What the training threads share: a control block of Int32 words, read and
 * written with Atomics (the main thread posts a command and bumps `seq`; each
 * worker does its part and bumps `done`), and the setup a worker receives.
 */
import type { ModelConfig } from '../core/model.js';
import type { WasmMemory } from '../core/wasm/wasm-kernels.js';

export const Cmd = { gradients: 1, reset: 2, carry: 3, saveCarry: 4, loadCarry: 5, reduce: 6, exit: 7 } as const;

/** Int32 word indices in the control block. */
export const Ctl = {
  seq: 0, cmd: 1, T: 2, hasSeed: 3, seed: 4, done: 5, failed: 6,
  /** from here, one word per thread: byte offset of its gradient arena (thread 0's: the arena train() passes) */
  gradsOffsets: 8,
} as const;

/** Int32 words in the control block for `threads` threads. */
export function controlWords(threads: number): number {
  return Ctl.gradsOffsets + threads;
}

export interface WorkerSetup {
  memory: WasmMemory;
  config: ModelConfig;
  /** byte offset of the parameter arena in the shared memory */
  paramsOffset: number;
  T: number;
  /** slots of the whole batch, this worker's first slot and its slot count */
  fullB: number;
  slot0: number;
  B: number;
  /** this worker's index (1.., the main thread is 0) and the thread count */
  index: number;
  threads: number;
  control: SharedArrayBuffer;
  /** Float64: [scale, loss of thread 0, loss of thread 1, …] */
  numbers: SharedArrayBuffer;
  /** Int32: inputs (T·fullB) then targets (T·fullB) of the current window */
  window: SharedArrayBuffer;
}

export interface WorkerReady {
  /** byte offsets in the shared memory of the worker's gradient arena and carry block */
  gradsOffset: number;
  carryOffset: number;
  carryLength: number;
}

/** [start, end) of the slice `i` of `n` items cut in `parts` nearly equal pieces. */
export function slice(n: number, parts: number, i: number): [number, number] {
  const base = Math.floor(n / parts), extra = n % parts;
  const start = i * base + Math.min(i, extra);
  return [start, start + base + (i < extra ? 1 : 0)];
}

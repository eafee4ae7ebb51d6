/**
 * What the training threads share: a control block of Int32 words, read and
 * written with Atomics (the main thread posts a command and bumps `seq`; each
 * worker does its part and bumps `done`), and the setup a worker receives.
 */
import type { ModelConfig } from '../core/model.js';
import type { WasmMemory } from '../core/wasm/wasm-kernels.js';

export const Cmd = { gradients: 1, reset: 2, carry: 3, saveCarry: 4, loadCarry: 5, reduce: 6, exit: 7, update: 8, logProbs: 9 } as const;

/** Int32 word indices in the control block. */
export const Ctl = {
  seq: 0, cmd: 1, T: 2, hasSeed: 3, seed: 4, done: 5, failed: 6,
  /** update: 1 for SGD, 0 for Adam; byte offsets of Adam's m and v arenas */
  sgd: 7, mOffset: 8, vOffset: 9,
  /** from here, one word per thread: byte offset of its gradient arena (thread 0's: the arena train() passes) */
  gradsOffsets: 12,
} as const;

/** Int32 words in the control block for `threads` threads. */
export function controlWords(threads: number): number {
  return Ctl.gradsOffsets + threads;
}

/** Float64 slots of the numbers block: the step's scalars, then per thread its loss, its slice's Σ g² and its count of targets. */
export const Num = { scale: 0, lr: 1, clipScale: 2, step: 3, beta1: 4, beta2: 5, eps: 6, perThread: 8 } as const;
/** Float64 words in the numbers block for `threads` threads. */
export function numberWords(threads: number): number {
  return Num.perThread + 3 * threads;
}
/** Where thread w's loss, its gradient slice's sum of squares and its count of targets go. */
export const numLoss = (w: number): number => Num.perThread + 3 * w;
export const numSquares = (w: number): number => Num.perThread + 3 * w + 1;
export const numCount = (w: number): number => Num.perThread + 3 * w + 2;

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
  /** Float64, laid out as `Num` says */
  numbers: SharedArrayBuffer;
  /** Int32: inputs (T·fullB) then targets (T·fullB) of the current window */
  window: SharedArrayBuffer;
  /** Float64 (T·fullB): the targets' log-probabilities of a forward-only window, each thread its columns */
  logProbs: SharedArrayBuffer;
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

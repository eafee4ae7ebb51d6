/**
 * How much memory a run will ask for, computed from the sizes alone before
 * anything is allocated, so that a run that cannot fit is refused up front
 * (with what it would need and which option to lower) instead of failing
 * half-way. Every float32 buffer of training and scoring lives in one
 * WebAssembly memory, whose 32-bit addresses cap it at 4 GiB.
 */
import type { Vec } from './kernels.js';
import { modelLayout, type Model, type ModelConfig } from './model.js';
import { createWorkspace } from './workspace.js';
import { formatSize, OptionError } from './errors.js';

/** The most one WebAssembly memory can hold: 65,536 pages of 64 KiB. */
export const MEMORY_CEILING_BYTES = 2 ** 32;

export interface MemoryNeed {
  /** Bytes in all. */
  total: number;
  /** The model's parameters. */
  params: number;
  /** Gradients: one arena per thread. */
  grads: number;
  /** Adam's two moments (0 for SGD). */
  optimizer: number;
  /** Activations and scratch of the windows (T × B), over all threads. */
  activations: number;
}

const EMPTY = new Float32Array(0);
const NO_INTS = new Int32Array(0);

/** Floats a workspace for (T, B) holds, counted by building it with an allocator that allocates nothing. */
export function workspaceFloats(config: ModelConfig, T: number, B: number): number {
  let n = 0;
  createWorkspace({ config } as Model, T, B, (k: number): Vec => { n += k; return EMPTY; }, () => NO_INTS);
  return n;
}

/**
 * Bytes a run needs for (T, B) windows on `threads` threads: training when
 * `optimizer` is given, forward-only scoring when it is null. The batch is
 * split by slots, so each of min(threads, B) threads has its share of B.
 */
export function memoryNeed(config: ModelConfig, T: number, B: number, threads: number, optimizer: 'adam' | 'sgd' | null): MemoryNeed {
  const P = modelLayout(config).total;
  const W = Math.max(1, Math.min(threads, B));
  const share = Math.ceil(B / W);
  const per = workspaceFloats(config, T, share) + config.layers * 2 * share * config.hidden; // + the carried state
  const params = 4 * P;
  const grads = optimizer === null ? 0 : 4 * P * W; // one arena per thread (the main thread's is the training loop's)
  const moments = optimizer === 'adam' ? 8 * P : 0;
  const activations = 4 * per * W;
  return { total: params + grads + moments + activations, params, grads, optimizer: moments, activations };
}

/**
 * Refuse, before anything is allocated, a run that cannot fit in memory:
 * an OptionError with the sizes and the options that would shrink the
 * largest part. `name` spells an option (`--hidden` or `hidden`).
 */
export function refuseIfTooLarge(need: MemoryNeed, name: (key: string) => string = (k) => k): void {
  if (need.total <= MEMORY_CEILING_BYTES * 0.98) return;
  const weights = need.params + need.grads + need.optimizer;
  const lower = weights >= need.activations
    ? `${name('hidden')}, ${name('layers')} or the vocabulary (${name('maxVocab')}, ${name('embedding')})`
    : `${name('batch')} or ${name('bptt')}`;
  throw new OptionError(
    `this run needs about ${formatSize(need.total)} of memory (parameters ${formatSize(need.params)}, gradients ${formatSize(need.grads)}, optimizer ${formatSize(need.optimizer)}, activations ${formatSize(need.activations)}); rnnlm's memory holds at most 4 GB`,
    `lower ${lower}`);
}

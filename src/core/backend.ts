/**
 * A backend: the arithmetic the core runs on, as one value that is passed
 * explicitly — to a model when it is created (every forward, backward, loss
 * and workspace of that model then uses it), to an engine, to a worker. No
 * module-level table is ever swapped: the plain TypeScript backend and the
 * WebAssembly one are two values of this type, and a process may hold both.
 *
 *   kernels      the matrix products (kernels.ts)
 *   elementwise  σ, tanh, exp, softmax rows, lookups (elementwise.ts)
 *   steps        fast versions of the cells' fused element-wise steps, by
 *                cell kind (cells/steps.ts); a kind left out runs the
 *                reference step in its cell file (cells/lstm.ts, cells/gru.ts)
 *   alloc        where zeroed float buffers come from (parameters, gradients,
 *                optimizer moments, activations): the products run fastest on
 *                buffers their own memory holds
 */
import { referenceElementwise, type Elementwise } from './elementwise.js';
import { referenceKernels, type Kernels } from './kernels.js';
import type { Alloc } from './params.js';
import type { CellSteps } from './cells/steps.js';

export interface Backend {
  /** 'typescript', 'typescript-float64' or 'wasm': for messages and checks. */
  readonly name: string;
  readonly kernels: Kernels;
  readonly elementwise: Elementwise;
  /** The cells' fast element-wise steps, registered by cell kind; empty: every cell runs its reference step. */
  readonly steps: CellSteps;
  readonly alloc: Alloc;
}

/** No fast cell steps: each cell runs its own reference step. */
const NO_STEPS: CellSteps = Object.freeze({});

/** The plain TypeScript reference: float32 buffers, the reference kernels (runs anywhere). */
export const referenceBackend: Backend = Object.freeze({
  name: 'typescript', kernels: referenceKernels, elementwise: referenceElementwise, steps: NO_STEPS, alloc: (n: number) => new Float32Array(n),
});

/** The reference in float64, for gradient checks against finite differences. */
export const float64Backend: Backend = Object.freeze({
  name: 'typescript-float64', kernels: referenceKernels, elementwise: referenceElementwise, steps: NO_STEPS, alloc: (n: number) => new Float64Array(n),
});

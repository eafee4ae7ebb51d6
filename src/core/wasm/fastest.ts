/**
 * The fastest backend this runtime has: WebAssembly SIMD in a memory of its
 * own (wasm-kernels.ts), or the TypeScript reference where WebAssembly SIMD or
 * shared memory is unavailable. Where only shared memory is missing (a page
 * opened from disk), `fixedBytes` asks for a memory of that size that is not
 * shared (see WasmKernelOptions.fixedBytes). Each call makes a new one; a program makes
 * one and passes it along (its memory is never freed).
 */
import { referenceBackend, type Backend } from '../backend.js';
import { createWasmKernels } from './wasm-kernels.js';

export function fastestBackend(fixedBytes?: number): Backend {
  return createWasmKernels() ?? (fixedBytes === undefined ? null : createWasmKernels({ fixedBytes })) ?? referenceBackend;
}

/**
 * The fastest backend this runtime has: WebAssembly SIMD in a memory of its
 * own (wasm-kernels.ts), or the TypeScript reference where WebAssembly SIMD or
 * shared memory is unavailable. Each call makes a new one; a program makes
 * one and passes it along (its memory is never freed).
 */
import { referenceBackend, type Backend } from '../backend.js';
import { createWasmKernels } from './wasm-kernels.js';

export function fastestBackend(): Backend {
  return createWasmKernels() ?? referenceBackend;
}

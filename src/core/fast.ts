/**
 * Switch the core to the WebAssembly SIMD kernels: install them in the
 * kernel table (products, `K`) and the element-wise table (σ, tanh, exp,
 * softmax rows, `E`), and allocate every float32 buffer (parameters, gradients,
 * optimizer moments, activations) in their memory, so the products run in
 * WebAssembly. Idempotent. Returns false (and changes nothing) where
 * WebAssembly SIMD is unavailable: the reference kernels stay in place.
 *
 * Memory handed out this way is never freed (a bump allocator): create
 * models and workspaces once and reuse them.
 */
import { referenceElementwise, useElementwise } from './elementwise.js';
import { referenceKernels, useKernels } from './kernels.js';
import { useAlloc32 } from './params.js';
import { createWasmKernels, type WasmKernels } from './wasm/wasm-kernels.js';

let active: WasmKernels | null = null;

export function useFastKernels(): boolean {
  if (active) return true;
  const wasm = createWasmKernels();
  if (!wasm) return false;
  active = wasm;
  useKernels(wasm.kernels);
  useElementwise(wasm.elementwise);
  useAlloc32(wasm.alloc);
  return true;
}

/** Back to the plain TypeScript kernels and ordinary Float32Arrays. */
export function useReferenceKernels(): void {
  useKernels(referenceKernels);
  useElementwise(referenceElementwise);
  useAlloc32(null);
  active = null;
}

/** The active WebAssembly kernels, or null. */
export function fastKernels(): WasmKernels | null {
  return active;
}

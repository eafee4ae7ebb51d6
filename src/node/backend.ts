/**
 * The backend a Node process computes on, made once per process (its
 * WebAssembly memory is never freed, so one is enough): WebAssembly SIMD, or
 * the TypeScript reference when RNNLM_KERNELS=js or where WebAssembly SIMD is
 * unavailable.
 */
import { referenceBackend, type Backend } from '../core/backend.js';
import { fastestBackend } from '../core/wasm/fastest.js';

let made: Backend | null = null;

export function nodeBackend(env: Readonly<Record<string, string | undefined>> = process.env): Backend {
  if (env['RNNLM_KERNELS'] === 'js') return referenceBackend;
  return (made ??= fastestBackend());
}

/**
 * The backend a Node process computes on, made once per process (its
 * WebAssembly memory is never freed, so one is enough): WebAssembly SIMD, or
 * the TypeScript reference when RNNLM_KERNELS=js or where WebAssembly's
 * memory cannot be made (an address-space limit: see address-space.ts).
 */
import { referenceBackend, type Backend } from '../core/backend.js';
import { fastestBackend } from '../core/wasm/fastest.js';

let made: Backend | null = null;

export function nodeBackend(env: Readonly<Record<string, string | undefined>> = process.env): Backend {
  if (env['RNNLM_KERNELS'] === 'js') return referenceBackend;
  return (made ??= fastestBackend());
}

/** Whether the WebAssembly kernels were wanted (RNNLM_KERNELS is not js) and could not be had. */
export function kernelsLost(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  return env['RNNLM_KERNELS'] !== 'js' && nodeBackend(env) === referenceBackend;
}

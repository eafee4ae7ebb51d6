/**
 * The fast kernels as the command line and the library install them.
 *
 * The products' inner loops are fastest with relaxed SIMD's fused
 * multiply-add (`f32x4.relaxed_madd`: one instruction instead of a multiply
 * and an add; measured 20–30% more GFLOP/s on the model's shapes). V8 ships
 * relaxed SIMD from Node 22; Node 20's V8 (11.3) has it behind
 * `--experimental-wasm-relaxed-simd`, which can be switched on at run time
 * before the module is compiled. Only the kernels' own module uses it, and
 * where it still does not compile they fall back to plain SIMD.
 */
import { setFlagsFromString } from 'node:v8';
import { useFastKernels as installFastKernels } from '../core/fast.js';

/**
 * A module with one function using `f32x4.relaxed_madd` (opcode 0xfd 0x105):
 * validates only where the engine has relaxed SIMD.
 */
const RELAXED_SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, // type: (v128 v128 v128) → v128
  0x03, 0x02, 0x01, 0x00, // one function of that type
  0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b, // local.get 0 1 2; relaxed_madd; end
]);

let checked = false;

/** Switch V8's relaxed SIMD on if this Node has it only behind a flag. True when it is available. */
export function enableRelaxedSimd(): boolean {
  const validate = (): boolean => {
    try {
      const wasm = (globalThis as { WebAssembly?: { validate(bytes: Uint8Array): boolean } }).WebAssembly;
      return wasm?.validate(RELAXED_SIMD_PROBE) === true;
    } catch {
      return false;
    }
  };
  if (validate()) return true;
  if (!checked) {
    checked = true;
    try {
      setFlagsFromString('--experimental-wasm-relaxed-simd');
    } catch {
      // not this engine's flag: plain SIMD it is
    }
  }
  return validate();
}

/**
 * Install the WebAssembly kernels (core `useFastKernels`) with relaxed SIMD
 * enabled first, so the products use fused multiply-add where the CPU has it.
 * Returns false where WebAssembly SIMD is unavailable (the reference kernels stay).
 */
export function useFastKernels(): boolean {
  enableRelaxedSimd();
  return installFastKernels();
}

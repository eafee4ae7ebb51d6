/**
 * WebAssembly SIMD implementation of the `Kernels` interface.
 *
 * The kernels can only read and write their own linear memory, so the model
 * allocates everything a product touches (parameters, gradients, optimizer
 * moments, activations, workspaces) with `alloc`, which hands out zeroed
 * Float32Array views into that memory. Any call with an operand that is not
 * such a view (a Float64Array in a gradient check, an ordinary
 * Float32Array), or whose offsets/leading dimensions would reach outside its
 * view, is passed to `referenceKernels` unchanged.
 *
 * Operands are checked on every call (Float32Array, buffer one of this
 * memory's, offsets and leading dimensions inside the view): O(1) work.
 *
 * Memory: one SHARED WebAssembly.Memory (growing it never detaches earlier
 * views; another thread can attach the same memory with
 * `createWasmKernels({ memory })`). A bump allocator whose pointer lives in
 * the first bytes of the memory itself (updated with Atomics, so instances
 * on several threads share it) hands out 64-byte aligned blocks; nothing is
 * ever freed.
 *
 * Blocking (all in this file, the SIMD inner loops in `gemm-module.ts`):
 * - mmNN / mmTN: K in blocks of `kc`, N in blocks of `nc`, then strips of 4
 *   rows of C across the N block (`kc4`/`rc4`, remainder rows `kc1..3`/
 *   `rc1..3`). From M ≥ `packBMinM` each kc×nc block of B is first copied
 *   into contiguous 8-column panels (`packB`; with a power-of-two row
 *   stride, B read in place keeps evicting itself from the cache); below,
 *   B is read in place. mmTN also copies each 4-column strip of A into a
 *   contiguous panel (`pack4`) for the same reason.
 * - mmNT: computed as Cᵀ = B·Aᵀ: a block of up to `mb` rows of A (by `kcT`
 *   of K) is packed transposed into a per-instance scratch area, then each
 *   group of 4 rows of B is broadcast against it (`nt4`), the result being
 *   written into C transposed. The big operand (the weights, B) is read in
 *   place, row by row; only the small one is packed.
 *   With M < `dotMaxM` (e.g. generation with batch 1) it uses 4-way SIMD
 *   dot products instead (`dot`), which waste no lanes.
 *
 * Element-wise (`elementwise`: σ, tanh, exp, the softmax rows, the
 * scatter-add of rows) and the cells' fused steps (`steps`, registered by
 * cell kind: `lstm`, `gru`): a second module (`elementwise-module.ts`)
 * instantiated on the same memory, behind the same ownership checks; where it
 * cannot be compiled, `elementwise` is the reference, `steps` is empty (each
 * cell runs its reference step) and the products still run in WebAssembly.
 */

import { referenceElementwise, type Elementwise } from '../elementwise.js';
import { lstmBackwardUnits, lstmForwardUnits } from '../cells/lstm.js';
import { gruBackResetUnits, gruBackUpdateUnits, gruGatesUnits, gruOutputUnits } from '../cells/gru.js';
import type { CellSteps, GruSteps, LstmSteps } from '../cells/steps.js';
import { referenceKernels, type Kernels, type Vec } from '../kernels.js';
import type { Backend } from '../backend.js';
import { formatSize, MEMORY_HINT, OutOfMemoryError } from '../errors.js';
import { buildElementwiseModule } from './elementwise-module.js';
import { KERNEL_NAMES, buildGemmModule } from './gemm-module.js';

// ------------------------------------------------------------ the WebAssembly API (typed here: not in lib ES2022)

/** The part of `WebAssembly.Memory` used here. */
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(deltaPages: number): number;
}
interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
}
function wasmApi(): WasmApi | undefined {
  return (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
}

// ------------------------------------------------------------ public API

export interface WasmKernels extends Backend {
  readonly name: 'wasm';
  kernels: Kernels;
  /** σ, tanh, exp, the softmax rows and the scatter-add in WebAssembly SIMD (float32), for arrays in this memory. */
  elementwise: Elementwise;
  /** The LSTM's and the GRU's fused steps in WebAssembly SIMD (float32), for arrays in this memory. */
  steps: CellSteps;
  /** Float32Array of n zeros inside wasm memory (64-byte aligned); the model allocates params, grads, optimizer moments and activations through this. */
  alloc(n: number): Float32Array;
  /** Bytes reserved so far (by every instance sharing the memory, including alignment padding and the kernels' packing scratch). */
  bytes(): number;
  /**
   * A Float32Array of `length` floats at `byteOffset` of the memory (e.g. a block
   * another thread allocated and sent by offset), recognised by the kernels.
   */
  view(byteOffset: number, length: number): Float32Array;
  /** True when the kernels run `x` in WebAssembly (a Float32Array inside this memory). */
  owns(x: Vec): boolean;
  /** The shared memory, to attach another instance (e.g. on a worker thread) with `createWasmKernels({ memory })`. */
  readonly memory: WasmMemory;
}

/** Block sizes (in elements). Exposed for the benchmark; the defaults were chosen by measuring. */
export interface WasmTuning {
  /** mmNN/mmTN: K block. */
  kc: number;
  /** mmNN/mmTN: N block. */
  nc: number;
  /** mmNT: rows of A packed at a time (multiple of 8). */
  mb: number;
  /** mmNT: K block of the packed A. */
  kcT: number;
  /** mmNT: below this M use dot products. */
  dotMaxM: number;
  /** mmNN/mmTN: from this M on, pack blocks of B into 8-column panels. */
  packBMinM: number;
}

export const DEFAULT_TUNING: Readonly<WasmTuning> = Object.freeze({ kc: 256, nc: 512, mb: 64, kcT: 512, dotMaxM: 5, packBMinM: 16 });

export interface WasmKernelOptions {
  /** Attach to an existing memory made by another instance (its allocator state lives inside it). */
  memory?: WasmMemory;
  /** Override block sizes (benchmarking). */
  tuning?: Partial<WasmTuning>;
  /**
   * A memory of this many bytes that is neither shared nor grown, for where
   * SharedArrayBuffer does not exist (a page opened from disk is not
   * cross-origin isolated). A memory that is not shared cannot grow without
   * detaching every view already handed out, so it is made at this size once;
   * an allocation past it is an OutOfMemoryError. The kernels and their
   * results are the same as on a shared memory.
   */
  fixedBytes?: number;
}

const PAGE = 65536;
const MAX_PAGES = 65536; // 4 GiB: the whole 32-bit address space
const HEADER_MAGIC = 0x4b4e4e52; // 'RNNK'
const HEAP_START = 64; // bytes 0..63: allocator header
const ALIGN = 64;
/** Highest byte address the allocator hands out (exclusive); keeps the pointer in a Uint32. */
const HEAP_LIMIT = MAX_PAGES * PAGE - PAGE;
/** Grow by at least this many pages at a time (fewer buffer objects, fewer grow calls). */
const MIN_GROW_PAGES = 16;

type Strip = (pa: number, sa: number, pb: number, ldb: number, ps: number, pc: number, ldc: number, K: number, N: number) => void;
type NtStrip = (pb: number, ldb: number, pp: number, ldp: number, mValid: number, pc: number, ldc: number, K: number) => void;
type Dot = (pa: number, pb: number, ldb: number, pc: number, K: number, N: number) => void;
type PackT = (pa: number, lda: number, pp: number, ldp: number, mm: number, kk: number, mp: number) => void;
type Pack4 = (src: number, lds: number, dst: number, kk: number) => void;
type PackB = (src: number, ldb: number, dst: number, kk: number, nn: number) => void;
type MapRows = (p: number, n: number, rows: number, ld: number) => void;
type RowMax = (p: number, n: number) => number;
type ExpSum = (src: number, dst: number, n: number, shift: number, k: number, store: number) => number;
type Scale = (p: number, n: number, k: number) => void;
/** A cell step kernel (lstmFwd, gruGates, …): byte addresses, then B, H, nv. */
type StepKernel = (...args: number[]) => void;
type AddRows = (pd: number, ps: number, pi: number, rows: number, width: number) => void;

/** The compiled modules, per kind of memory they import (shared or not). */
const cachedModules = new Map<string, object | null>();
/** Per memory (and per thread), the buffer objects of the views handed out: a new one after each grow. */
const knownBuffers = new WeakMap<WasmMemory, Set<ArrayBufferLike>>();

/**
 * Compile (once per thread and kind of memory) a module: the products
 * (`gemm`) or the element-wise steps; null if this engine lacks WebAssembly SIMD.
 */
function compiled(api: WasmApi, which: 'gemm' | 'elementwise', shared: boolean): object | null {
  const key = `${which} ${shared}`;
  const known = cachedModules.get(key);
  if (known !== undefined) return known;
  let made: object | null;
  try {
    const limits = { initial: 1, maximum: MAX_PAGES, shared };
    const bytes = which === 'gemm' ? buildGemmModule(limits) : buildElementwiseModule(limits);
    made = api.validate(bytes) ? new api.Module(bytes) : null;
  } catch {
    made = null;
  }
  cachedModules.set(key, made);
  return made;
}

const isCount = (x: number): boolean => Number.isInteger(x) && x >= 0;

/**
 * Instantiate the WebAssembly kernels on a new shared memory (or on `options.memory`).
 * Returns null when WebAssembly SIMD or shared memory is unavailable (with
 * `fixedBytes`: when WebAssembly SIMD is).
 */
export function createWasmKernels(options: WasmKernelOptions = {}): WasmKernels | null {
  const api = wasmApi();
  const fixed = options.fixedBytes;
  if (fixed !== undefined && (!isCount(fixed) || fixed > HEAP_LIMIT || options.memory !== undefined)) throw new RangeError(`createWasmKernels: fixedBytes must be a byte count up to ${HEAP_LIMIT}, without a memory`);
  const shared = fixed === undefined;
  if (api === undefined || typeof Atomics === 'undefined' || (shared && typeof SharedArrayBuffer === 'undefined')) return null;
  const module = compiled(api, 'gemm', shared);
  if (module === null) return null;

  let memory: WasmMemory;
  try {
    const pages = shared ? 1 : Math.max(1, Math.ceil(fixed! / PAGE));
    memory = options.memory ?? new api.Memory(shared ? { initial: 1, maximum: MAX_PAGES, shared: true } : { initial: pages, maximum: pages });
  } catch {
    return null;
  }
  if (shared && !(memory.buffer instanceof SharedArrayBuffer)) throw new TypeError('createWasmKernels: the memory must be shared');

  let exports: Record<string, unknown>;
  try {
    exports = new api.Instance(module, { env: { memory } }).exports;
  } catch {
    return null;
  }
  const tune: WasmTuning = { ...DEFAULT_TUNING, ...options.tuning };
  tune.mb = Math.max(8, Math.ceil(tune.mb / 8) * 8);
  tune.kc = Math.max(1, Math.floor(tune.kc));
  tune.kcT = Math.max(1, Math.floor(tune.kcT));
  tune.nc = Math.max(1, Math.floor(tune.nc));

  // ---- allocator (state in the memory's header, shared by every attached instance)
  const header = new Uint32Array(memory.buffer, 0, HEAP_START / 4);
  if (Atomics.load(header, 0) !== HEADER_MAGIC) {
    Atomics.compareExchange(header, 1, 0, HEAP_START);
    Atomics.compareExchange(header, 0, 0, HEADER_MAGIC);
  }
  const known = knownBuffers.get(memory) ?? new Set<ArrayBufferLike>();
  knownBuffers.set(memory, known);
  known.add(memory.buffer);

  function reserve(byteCount: number): number {
    const size = Math.max(ALIGN, Math.ceil(byteCount / ALIGN) * ALIGN);
    for (;;) {
      const start = Atomics.load(header, 1);
      const end = start + size;
      if (end > HEAP_LIMIT) throw new OutOfMemoryError(`out of memory: ${formatSize(size)} more were asked for, with ${formatSize(start)} in use; rnnlm's memory holds at most ${formatSize(HEAP_LIMIT)}`, MEMORY_HINT);
      if (Atomics.compareExchange(header, 1, start, end) !== start) continue;
      while (memory.buffer.byteLength < end) {
        const missing = Math.ceil((end - memory.buffer.byteLength) / PAGE);
        const have = memory.buffer.byteLength / PAGE;
        try {
          memory.grow(Math.min(MAX_PAGES - have, Math.max(missing, MIN_GROW_PAGES, Math.floor(have / 8))));
        } catch {
          try {
            memory.grow(missing); // the generous step may not fit; the exact one must (or throws)
          } catch {
            throw new OutOfMemoryError(`out of memory: ${formatSize(size)} more were asked for, with ${formatSize(memory.buffer.byteLength)} in use, and the system gave no more`, MEMORY_HINT);
          }
        }
      }
      return start;
    }
  }

  function alloc(n: number): Float32Array {
    if (!isCount(n)) throw new RangeError(`alloc: bad length ${n}`);
    const start = reserve(n * 4);
    return view(start, n);
  }

  function view(byteOffset: number, length: number): Float32Array {
    if (!isCount(byteOffset) || !isCount(length) || byteOffset % 4 !== 0) throw new RangeError(`view: bad offset/length ${byteOffset}, ${length}`);
    const buf = memory.buffer;
    known.add(buf);
    return new Float32Array(buf, byteOffset, length);
  }

  function owns(x: Vec): boolean {
    if (!(x instanceof Float32Array)) return false;
    const b = x.buffer;
    if (known.has(b)) return true;
    if (b === memory.buffer) {
      known.add(b);
      return true;
    }
    return false;
  }

  // ---- kernels
  const fn = <T>(name: string): T => exports[name] as T;
  const kc = KERNEL_NAMES.kc.map((n) => fn<Strip>(n));
  const rc = KERNEL_NAMES.rc.map((n) => fn<Strip>(n));
  const nt = KERNEL_NAMES.nt.map((n) => fn<NtStrip>(n));
  const dot = fn<Dot>('dot');
  const packT = fn<PackT>('packT');
  const pack4 = fn<Pack4>('pack4');
  const packB = fn<PackB>('packB');
  const kc4 = kc[3]!, rc4 = rc[3]!, nt4 = nt[3]!;

  // Packing scratch, per instance (so per thread), allocated on first use.
  let ntPack = -1; // mmNT: mb × kcT floats (A block transposed)
  let tnPack = -1; // mmTN: kc × 4 floats (four columns of A)
  const ntScratch = (): number => (ntPack >= 0 ? ntPack : (ntPack = alloc(tune.mb * tune.kcT).byteOffset));
  const tnScratch = (): number => (tnPack >= 0 ? tnPack : (tnPack = alloc(4 * tune.kc).byteOffset));
  let bPack = -1; // mmNN/mmTN: kc × roundUp(nc, 8) floats (a block of B in 8-column panels)
  const bScratch = (): number => (bPack >= 0 ? bPack : (bPack = alloc(tune.kc * ((tune.nc + 7) & ~7)).byteOffset));

  /** A(rows × cols) at off with leading dimension ld fits in x. */
  const fits = (x: Vec, off: number, ld: number, rows: number, cols: number): boolean =>
    isCount(off) && isCount(ld) && off + (rows - 1) * ld + cols <= x.length;
  const dims = (M: number, N: number, Kd: number): boolean => Number.isInteger(M) && Number.isInteger(N) && Number.isInteger(Kd) && M > 0 && N > 0 && Kd > 0;

  /**
   * C(M×N) += a(M×K)·B(K×N) with a(i, k) at pa + rowStep·i + kStep·k.
   * mmNN: rowStep = lda4, kStep = 4 (rows of A used in place by `kc*`).
   * mmTN: rowStep = 4, kStep = lda4: each strip of 4 columns of A is first
   * packed into a contiguous kc×4 panel (`pack4`) and read by `rc4` with a
   * 16-byte k step; read in place, the power-of-two row strides typical
   * here (lda = 4H) put all of a strip's rows in the same cache sets.
   */
  function blocked(transA: boolean, M: number, N: number, Kd: number, pa: number, lda4: number, pb: number, ldb4: number, pc: number, ldc4: number): void {
    const { kc: KC, nc: NC } = tune;
    const rowStep = transA ? 4 : lda4;
    const kStep = transA ? lda4 : 4;
    const strips = transA ? rc : kc;
    const rem = M & 3;
    const M4 = M - rem;
    const last = rem > 0 ? strips[rem - 1]! : null;
    const scratch = transA ? tnScratch() : 0;
    const packed = M >= tune.packBMinM;
    const bp = packed ? bScratch() : 0;
    for (let k0 = 0; k0 < Kd; k0 += KC) {
      const kk = Math.min(KC, Kd - k0);
      const paK = pa + kStep * k0;
      const pbK = pb + ldb4 * k0;
      for (let n0 = 0; n0 < N; n0 += NC) {
        const nn = Math.min(NC, N - n0);
        const pcN = pc + 4 * n0;
        // B block: in place (rows ldb4 apart), or packed in panels of 8 columns
        let pbN = pbK + 4 * n0, ldbX = ldb4, ps = 32;
        if (packed) {
          packB(pbN, ldb4, bp, kk, nn);
          pbN = bp;
          ldbX = 32;
          ps = 32 * kk;
        }
        if (transA) {
          for (let m = 0; m < M4; m += 4) {
            pack4(paK + 4 * m, lda4, scratch, kk);
            rc4(scratch, 16, pbN, ldbX, ps, pcN + ldc4 * m, ldc4, kk, nn);
          }
        } else {
          for (let m = 0; m < M4; m += 4) kc4(paK + lda4 * m, lda4, pbN, ldbX, ps, pcN + ldc4 * m, ldc4, kk, nn);
        }
        // the last M mod 4 rows, in place (a 4-wide pack could read past the end of A)
        if (last !== null) last(paK + rowStep * M4, lda4, pbN, ldbX, ps, pcN + ldc4 * M4, ldc4, kk, nn);
      }
    }
  }

  const kernels: Kernels = {
    mmNN(M, N, Kd, A, aOff, lda, B, bOff, ldb, C, cOff, ldc) {
      if (!(dims(M, N, Kd) && owns(A) && owns(B) && owns(C) && fits(A, aOff, lda, M, Kd) && fits(B, bOff, ldb, Kd, N) && fits(C, cOff, ldc, M, N))) {
        referenceKernels.mmNN(M, N, Kd, A, aOff, lda, B, bOff, ldb, C, cOff, ldc);
        return;
      }
      blocked(false, M, N, Kd, A.byteOffset + 4 * aOff, 4 * lda, B.byteOffset + 4 * bOff, 4 * ldb, C.byteOffset + 4 * cOff, 4 * ldc);
    },

    mmTN(M, N, Kd, A, aOff, lda, B, bOff, ldb, C, cOff, ldc) {
      if (!(dims(M, N, Kd) && owns(A) && owns(B) && owns(C) && fits(A, aOff, lda, Kd, M) && fits(B, bOff, ldb, Kd, N) && fits(C, cOff, ldc, M, N))) {
        referenceKernels.mmTN(M, N, Kd, A, aOff, lda, B, bOff, ldb, C, cOff, ldc);
        return;
      }
      blocked(true, M, N, Kd, A.byteOffset + 4 * aOff, 4 * lda, B.byteOffset + 4 * bOff, 4 * ldb, C.byteOffset + 4 * cOff, 4 * ldc);
    },

    mmNT(M, N, Kd, A, aOff, lda, B, bOff, ldb, C, cOff, ldc) {
      if (!(dims(M, N, Kd) && owns(A) && owns(B) && owns(C) && fits(A, aOff, lda, M, Kd) && fits(B, bOff, ldb, N, Kd) && fits(C, cOff, ldc, M, N))) {
        referenceKernels.mmNT(M, N, Kd, A, aOff, lda, B, bOff, ldb, C, cOff, ldc);
        return;
      }
      const pa = A.byteOffset + 4 * aOff, pb = B.byteOffset + 4 * bOff, pc = C.byteOffset + 4 * cOff;
      const lda4 = 4 * lda, ldb4 = 4 * ldb, ldc4 = 4 * ldc;
      if (M < tune.dotMaxM) {
        for (let m = 0; m < M; m++) dot(pa + lda4 * m, pb, ldb4, pc + ldc4 * m, Kd, N);
        return;
      }
      const pp = ntScratch();
      const { mb: MB, kcT: KC } = tune;
      const rem = N & 3;
      const N4 = N - rem;
      const last = rem > 0 ? nt[rem - 1]! : null;
      for (let m0 = 0; m0 < M; m0 += MB) {
        const mm = Math.min(MB, M - m0);
        const mp = (mm + 3) & ~3; // packed width: whole 4-lane vectors
        const ldp = 4 * mp;
        for (let k0 = 0; k0 < Kd; k0 += KC) {
          const kk = Math.min(KC, Kd - k0);
          // P(k, i) = A(m0 + i, k0 + k), zero in the padding lanes
          packT(pa + lda4 * m0 + 4 * k0, lda4, pp, ldp, mm, kk, mp);
          const pbK = pb + 4 * k0;
          const pcM = pc + ldc4 * m0;
          for (let n = 0; n < N4; n += 4) nt4(pbK + ldb4 * n, ldb4, pp, ldp, mm, pcM + 4 * n, ldc4, kk);
          if (last !== null) last(pbK + ldb4 * N4, ldb4, pp, ldp, mm, pcM + 4 * N4, ldc4, kk);
        }
      }
    },
  };

  // ---- element-wise, and the cells' steps
  const { elementwise, steps } = wasmElementwise(api, memory, shared, owns, alloc);

  return {
    name: 'wasm',
    kernels,
    elementwise,
    steps,
    alloc,
    bytes: () => Atomics.load(header, 1) - HEAP_START,
    view,
    owns,
    memory,
  };
}

/**
 * The element-wise functions and the cells' steps on `memory` (the reference
 * functions and no steps where the module is unavailable). Each call checks
 * that the array is a view of the memory (`owns`) and that the range fits,
 * else runs the reference unchanged.
 */
function wasmElementwise(
  api: WasmApi, memory: WasmMemory, shared: boolean, owns: (x: Vec) => boolean, alloc: (n: number) => Float32Array,
): { elementwise: Elementwise; steps: CellSteps } {
  const none = { elementwise: referenceElementwise, steps: {} };
  const module = compiled(api, 'elementwise', shared);
  if (module === null) return none;
  let exports: Record<string, unknown>;
  try {
    exports = new api.Instance(module, { env: { memory } }).exports;
  } catch {
    return none;
  }
  const fn = <T>(name: string): T => exports[name] as T;
  const rowMax = fn<RowMax>('rowMax');
  const expSum = fn<ExpSum>('expSum');
  const scale = fn<Scale>('scale');
  const lstmFwd = fn<StepKernel>('lstmFwd');
  const lstmBwd = fn<StepKernel>('lstmBwd');
  const addRows = fn<AddRows>('addRows');
  const gruKernel = {
    gates: fn<StepKernel>('gruGates'), out: fn<StepKernel>('gruOut'), backU: fn<StepKernel>('gruBackU'), backR: fn<StepKernel>('gruBackR'),
  };
  // addRowsAt's indices, copied into the memory (grown on demand)
  let indices: Int32Array | null = null;
  const ref = referenceElementwise;

  /** x[off .. off + n) is a view of the memory. */
  const spanOk = (x: Vec, off: number, n: number): boolean => owns(x) && isCount(off) && off + n <= x.length;
  /** The byte address of x[off] when x[off .. off + n) is a view of the memory, else −1. */
  const addr = (x: Vec, off: number, n: number): number => (spanOk(x, off, n) ? x.byteOffset + 4 * off : -1);
  /**
   * Groups of 4 units a cell step kernel does: the first ⌊H/4⌋ when every
   * address it needs is valid (their minimum ≥ 0), else none; the reference
   * does the H mod 4 others (or all of them).
   */
  const groups = (st: { B: number; H: number }, minAddr: number): number => (minAddr >= 0 && isCount(st.B) && isCount(st.H) && st.B > 0 ? st.H >> 2 : 0);
  /** Byte address of x[off]. */
  const at = (x: Vec, off: number): number => x.byteOffset + 4 * off;

  /** rows × n at off with row stride ld lies inside x. */
  const rowsFit = (x: Vec, off: number, n: number, rows: number, ld: number): boolean =>
    isCount(off) && isCount(n) && isCount(rows) && isCount(ld) && (rows === 0 || n === 0 || off + (rows - 1) * ld + n <= x.length);

  const map = (name: 'sigmoid' | 'tanh' | 'exp'): Elementwise['sigmoid'] => {
    const fast = fn<MapRows>(name);
    const slow = ref[name];
    return (x, off, n, rows = 1, ld = n) => {
      if (!(owns(x) && rowsFit(x, off, n, rows, ld))) {
        slow(x, off, n, rows, ld);
        return;
      }
      if (n > 0 && rows > 0) fast(x.byteOffset + 4 * off, n, rows, 4 * ld);
    };
  };

  const rowOk = (z: Vec, off: number, V: number): boolean => owns(z) && isCount(off) && Number.isInteger(V) && V >= 1 && off + V <= z.length;

  // softmaxTo's exponentials (the output is a Float64Array outside the memory), grown on demand
  let probs: Float32Array | null = null;

  const elementwise: Elementwise = {
    sigmoid: map('sigmoid'),
    tanh: map('tanh'),
    exp: map('exp'),

    softmaxLse(z, off, V, k) {
      if (!rowOk(z, off, V)) return ref.softmaxLse(z, off, V, k);
      const p = z.byteOffset + 4 * off;
      const m = rowMax(p, V);
      // a row of −∞, or with +∞ or NaN: the reference's answer (−∞ or NaN)
      if (!Number.isFinite(m)) return ref.softmaxLse(z, off, V, k);
      const s = expSum(p, p, V, m, 1, k === null ? 0 : 1); // ≥ 1: the max contributes e^0
      if (k !== null) scale(p, V, k / s);
      return m + Math.log(s);
    },

    softmaxTo(z, off, V, temperature, out) {
      const invT = Math.fround(1 / temperature);
      if (!(rowOk(z, off, V) && temperature > 0 && Number.isFinite(invT) && out.length >= V)) {
        ref.softmaxTo(z, off, V, temperature, out);
        return;
      }
      const p = z.byteOffset + 4 * off;
      const m = rowMax(p, V);
      if (!Number.isFinite(m)) {
        ref.softmaxTo(z, off, V, temperature, out);
        return;
      }
      if (probs === null || probs.length < V) probs = alloc(V);
      const e = probs;
      const s = expSum(p, e.byteOffset, V, m, invT, 1);
      for (let v = 0; v < V; v++) out[v] = e[v]! / s;
    },

    addRowsAt(dst, dOff, src, sOff, idx, rows, width) {
      let maxY = -1;
      for (let r = 0; r < rows; r++) if (idx[r]! > maxY) maxY = idx[r]!;
      if (!(isCount(rows) && isCount(width) && rows <= idx.length && spanOk(src, sOff, rows * width) && spanOk(dst, dOff, (maxY + 1) * width))) {
        ref.addRowsAt(dst, dOff, src, sOff, idx, rows, width);
        return;
      }
      if (rows === 0 || width === 0 || maxY < 0) return;
      if (indices === null || indices.length < rows) {
        const block = alloc(Math.max(rows, 256));
        indices = new Int32Array(block.buffer, block.byteOffset, block.length);
      }
      indices.set(idx.subarray(0, rows));
      addRows(at(dst, dOff), at(src, sOff), indices.byteOffset, rows, width);
    },
  };

  // the cells' fused steps, by cell kind: the first 4·⌊H/4⌋ units of each row
  // in WebAssembly, the H mod 4 others by the cell's reference step
  const lstm: LstmSteps = {
    forward(st) {
      const BH = st.B * st.H;
      const px = addr(st.xp, st.xOff, 4 * BH), pc = addr(st.cache, st.off, 5 * BH), pcp = addr(st.cs, st.cPrev, BH), pcc = addr(st.cs, st.cCur, BH), ph = addr(st.hs, st.hCur, BH);
      const nv = groups(st, Math.min(px, pc, pcp, pcc, ph));
      if (nv > 0) lstmFwd(px, pc, pcp, pcc, ph, st.B, st.H, nv);
      if (4 * nv < st.H) lstmForwardUnits(st, 4 * nv, st.H);
    },
    backward(st) {
      // the kernel has no peephole terms: those steps stay on the reference
      const BH = st.B * st.H;
      const pc = addr(st.cache, st.off, 5 * BH), pcp = addr(st.cs, st.cPrev, BH), pdh = addr(st.dhs, st.hCur, BH), pdc = addr(st.dc, 0, BH), pdx = addr(st.dxp, st.dOff, 4 * BH);
      const nv = st.peep === null ? groups(st, Math.min(pc, pcp, pdh, pdc, pdx)) : 0;
      if (nv > 0) lstmBwd(pc, pcp, pdh, pdc, pdx, st.B, st.H, nv);
      if (4 * nv < st.H) lstmBackwardUnits(st, 4 * nv, st.H);
    },
  };

  const gru: GruSteps = {
    gates(st) {
      const BH = st.B * st.H;
      const px = addr(st.xp, st.xOff, 3 * BH), pc = addr(st.cache, st.off, 4 * BH), php = addr(st.hs, st.hPrev, BH);
      const nv = groups(st, Math.min(px, pc, php));
      if (nv > 0) gruKernel.gates(px, pc, php, st.B, st.H, nv);
      if (4 * nv < st.H) gruGatesUnits(st, 4 * nv, st.H);
    },
    output(st) {
      const BH = st.B * st.H;
      const px = addr(st.xp, st.xOff, 3 * BH), pc = addr(st.cache, st.off, 4 * BH), php = addr(st.hs, st.hPrev, BH), phc = addr(st.hs, st.hCur, BH);
      const nv = groups(st, Math.min(px, pc, php, phc));
      if (nv > 0) gruKernel.out(px, pc, php, phc, st.B, st.H, nv);
      if (4 * nv < st.H) gruOutputUnits(st, 4 * nv, st.H);
    },
    backUpdate(st) {
      const BH = st.B * st.H;
      const pc = addr(st.cache, st.off, 4 * BH), php = addr(st.hs, st.hPrev, BH), pdhc = addr(st.dhs, st.hCur, BH), pdhp = addr(st.dhs, st.hPrev, BH), pdx = addr(st.dxp, st.dOff, 3 * BH);
      const nv = groups(st, Math.min(pc, php, pdhc, pdhp, pdx));
      if (nv > 0) gruKernel.backU(pc, php, pdhc, pdhp, pdx, st.B, st.H, nv);
      if (4 * nv < st.H) gruBackUpdateUnits(st, 4 * nv, st.H);
    },
    backReset(st) {
      const BH = st.B * st.H;
      const pc = addr(st.cache, st.off, 4 * BH), php = addr(st.hs, st.hPrev, BH), pdr = addr(st.drh, 0, BH), pdhp = addr(st.dhs, st.hPrev, BH), pdx = addr(st.dxp, st.dOff, 3 * BH);
      const nv = groups(st, Math.min(pc, php, pdr, pdhp, pdx));
      if (nv > 0) gruKernel.backR(pc, php, pdr, pdhp, pdx, st.B, st.H, nv);
      if (4 * nv < st.H) gruBackResetUnits(st, 4 * nv, st.H);
    },
  };

  return { elementwise, steps: { lstm, gru } };
}

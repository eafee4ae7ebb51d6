import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { referenceKernels, type Kernels, type Vec } from '../../src/core/kernels.js';
import { Func, assembleModule, br_if, f32, f32x4, i32, local, loop, sleb, uleb, v128, type Local } from '../../src/core/wasm/assembler.js';
import { createWasmKernels, type WasmKernels } from '../../src/core/wasm/wasm-kernels.js';

type Kind = keyof Kernels;
const KINDS: Kind[] = ['mmNN', 'mmTN', 'mmNT'];

const created = createWasmKernels();
const wk: WasmKernels = (() => {
  assert.ok(created, 'Node 20 has WebAssembly SIMD and shared memory: createWasmKernels must not return null');
  return created;
})();
/** Tiny blocks so that small products cross every block boundary and take every packing path. */
const tiny = createWasmKernels({ memory: wk.memory, tuning: { kc: 8, nc: 12, mb: 8, kcT: 8, dotMaxM: 3, packBMinM: 5 } })!;

/** Deterministic uniform numbers in [-1, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  };
}

/** Rows and columns of the stored A and B of a product of kind `kind`. */
function operandShapes(kind: Kind, M: number, N: number, K: number): { a: [number, number]; b: [number, number] } {
  return { a: kind === 'mmTN' ? [K, M] : [M, K], b: kind === 'mmNT' ? [N, K] : [K, N] };
}

interface Case {
  kind: Kind;
  M: number;
  N: number;
  K: number;
  aOff: number;
  lda: number;
  bOff: number;
  ldb: number;
  cOff: number;
  ldc: number;
}

function randomCase(kind: Kind, r: () => number, sizes: readonly number[]): Case {
  const pick = (): number => sizes[Math.floor(((r() + 1) / 2) * sizes.length)]!;
  const small = (n: number): number => Math.floor(((r() + 1) / 2) * n);
  const M = pick(), N = pick(), K = pick();
  const { a, b } = operandShapes(kind, M, N, K);
  return { kind, M, N, K, aOff: small(9), lda: a[1] + small(6), bOff: small(9), ldb: b[1] + small(6), cOff: small(9), ldc: N + small(6) };
}

/** Array lengths for a case, with a few spare elements after the last row. */
function lengths(c: Case): { a: number; b: number; c: number } {
  const { a, b } = operandShapes(c.kind, c.M, c.N, c.K);
  return { a: c.aOff + a[0] * c.lda + 3, b: c.bOff + b[0] * c.ldb + 3, c: c.cOff + c.M * c.ldc + 3 };
}

function fill(x: Vec, r: () => number): void {
  for (let i = 0; i < x.length; i++) x[i] = r();
}

/** Exact-ish expected C (float64) and, per element, Σ_k |a·b| + |c0| (the scale of the rounding error). */
function expected(c: Case, A: Vec, B: Vec, C0: Vec): { value: Float64Array; scale: Float64Array } {
  const value = Float64Array.from(C0);
  const scale = Float64Array.from(C0, Math.abs);
  const a = (m: number, k: number): number => (c.kind === 'mmTN' ? A[c.aOff + k * c.lda + m]! : A[c.aOff + m * c.lda + k]!);
  const b = (k: number, n: number): number => (c.kind === 'mmNT' ? B[c.bOff + n * c.ldb + k]! : B[c.bOff + k * c.ldb + n]!);
  for (let m = 0; m < c.M; m++) {
    for (let n = 0; n < c.N; n++) {
      let s = 0, t = 0;
      for (let k = 0; k < c.K; k++) {
        const p = a(m, k) * b(k, n);
        s += p;
        t += Math.abs(p);
      }
      value[c.cOff + m * c.ldc + n] += s;
      scale[c.cOff + m * c.ldc + n] += t;
    }
  }
  return { value, scale };
}

/**
 * Tolerance: whatever the summation order, computing c0 + Σ_k a_k·b_k in float32
 * (K roundings of products, K additions) is within γ_{K+1}·(|c0| + Σ|a_k·b_k|)
 * of the exact value, γ_n = n·u/(1 − n·u), u = 2⁻²⁴; the stored result is
 * rounded once more. So |got − exact| ≤ (K + 2)·2⁻²⁴·scale (times 1.01 for the
 * γ denominator): a rigorous bound, not a fudge factor; for K = 65 it is
 * ≈ 4·10⁻⁶ relative to Σ|a·b|.
 */
function checkCase(impl: WasmKernels, c: Case, r: () => number, label: string): void {
  const len = lengths(c);
  const A = impl.alloc(len.a), B = impl.alloc(len.b), C = impl.alloc(len.c);
  fill(A, r);
  fill(B, r);
  fill(C, r); // accumulation: C is pre-filled, and everything outside the block must stay as it is
  const A0 = Float32Array.from(A), B0 = Float32Array.from(B), C0 = Float32Array.from(C);
  impl.kernels[c.kind](c.M, c.N, c.K, A, c.aOff, c.lda, B, c.bOff, c.ldb, C, c.cOff, c.ldc);
  const { value, scale } = expected(c, A0, B0, C0);
  const tol = (c.K + 2) * 2 ** -24 * 1.01;
  const where = (): string => `${label} ${JSON.stringify(c)}`;
  assert.deepEqual(A, A0, `A modified: ${where()}`);
  assert.deepEqual(B, B0, `B modified: ${where()}`);
  for (let i = 0; i < C.length; i++) {
    const err = Math.abs(C[i]! - value[i]!);
    if (!(err <= tol * scale[i]!)) assert.fail(`C[${i}] = ${C[i]}, expected ${value[i]} ± ${tol * scale[i]!} (error ${err}): ${where()}`);
  }
}

const ODD = [1, 2, 3, 4, 5, 7, 8, 9, 12, 13, 16, 17, 33, 65] as const;

describe('wasm kernels: results', () => {
  for (const kind of KINDS) {
    it(`${kind} matches the reference on odd shapes, offsets and leading dimensions (default blocks)`, () => {
      const r = rng(kind.length * 1000 + kind.charCodeAt(2));
      for (let t = 0; t < 150; t++) checkCase(wk, randomCase(kind, r, ODD), r, `#${t}`);
    });

    it(`${kind} matches the reference across block boundaries (tiny blocks)`, () => {
      const r = rng(77 + kind.charCodeAt(2));
      for (let t = 0; t < 150; t++) checkCase(tiny, randomCase(kind, r, [...ODD, 24, 31, 40]), r, `tiny #${t}`);
    });

    it(`${kind} matches the reference on shapes larger than the default blocks`, () => {
      const r = rng(5);
      // K > kc (256) and > kcT (512); N > nc (512); M > mb (128); none a multiple of a tile
      const shapes: Array<[number, number, number]> = [[6, 521, 300], [133, 45, 523], [37, 70, 600]];
      for (const [M, N, K] of shapes) {
        const { a, b } = operandShapes(kind, M, N, K);
        checkCase(wk, { kind, M, N, K, aOff: 3, lda: a[1] + 1, bOff: 1, ldb: b[1] + 2, cOff: 5, ldc: N + 3 }, r, 'large');
      }
    });
  }

  it('mmNT with the batch-1 dot-product path (M below dotMaxM) and K not a multiple of 4', () => {
    const r = rng(11);
    for (const M of [1, 2, 3]) for (const N of [1, 3, 4, 5, 9]) for (const K of [1, 2, 3, 4, 5, 7, 130]) {
      checkCase(wk, { kind: 'mmNT', M, N, K, aOff: 1, lda: K + 1, bOff: 2, ldb: K + 3, cOff: 0, ldc: N }, r, 'dot');
    }
  });

  it('empty products change nothing', () => {
    const A = wk.alloc(16), B = wk.alloc(16), C = wk.alloc(16);
    C.fill(1);
    for (const kind of KINDS) {
      wk.kernels[kind](0, 3, 3, A, 0, 3, B, 0, 3, C, 0, 3);
      wk.kernels[kind](3, 0, 3, A, 0, 3, B, 0, 3, C, 0, 3);
      wk.kernels[kind](3, 3, 0, A, 0, 3, B, 0, 3, C, 0, 3);
    }
    assert.ok(C.every((x) => x === 1));
  });
});

describe('wasm kernels: fallback to the reference', () => {
  /** Run `impl` and the reference on copies; the results must be identical. */
  function sameAsReference(kind: Kind, make: (n: number) => Vec, seed: number): void {
    const r = rng(seed);
    for (let t = 0; t < 20; t++) {
      const c = randomCase(kind, r, ODD);
      const len = lengths(c);
      const A = make(len.a), B = make(len.b), C = make(len.c);
      fill(A, r);
      fill(B, r);
      fill(C, r);
      const C2 = C.slice();
      wk.kernels[kind](c.M, c.N, c.K, A, c.aOff, c.lda, B, c.bOff, c.ldb, C, c.cOff, c.ldc);
      referenceKernels[kind](c.M, c.N, c.K, A, c.aOff, c.lda, B, c.bOff, c.ldb, C2, c.cOff, c.ldc);
      assert.deepEqual(C, C2);
    }
  }
  for (const kind of KINDS) {
    it(`${kind}: Float64Array operands give exactly the reference result`, () => sameAsReference(kind, (n) => new Float64Array(n), 1));
    it(`${kind}: plain (non-wasm) Float32Array operands give exactly the reference result`, () => sameAsReference(kind, (n) => new Float32Array(n), 2));
    it(`${kind}: one operand outside wasm memory gives exactly the reference result`, () => {
      let i = 0;
      sameAsReference(kind, (n) => (i++ % 3 === 2 ? new Float32Array(n) : wk.alloc(n)), 3);
    });
  }

  it('a product reaching past the end of a view falls back (and never writes outside the view)', () => {
    const whole = wk.alloc(64);
    const guard = 1234.5;
    whole.fill(guard);
    const C = whole.subarray(0, 16); // C is 16 floats, the product would write 4×8 with ldc 8
    const A = wk.alloc(32).fill(1), B = wk.alloc(32).fill(1);
    const C2 = new Float32Array(16);
    C2.set(C);
    wk.kernels.mmNN(4, 8, 4, A, 0, 4, B, 0, 8, C, 0, 8);
    referenceKernels.mmNN(4, 8, 4, A, 0, 4, B, 0, 8, C2, 0, 8);
    assert.deepEqual(C, C2);
    assert.ok(whole.subarray(16).every((x) => x === guard), 'memory after the view is untouched');
  });
});

describe('wasm kernels: memory', () => {
  it('alloc hands out zeroed, 64-byte aligned views and counts the bytes', () => {
    const before = wk.bytes();
    const x = wk.alloc(10);
    assert.equal(x.length, 10);
    assert.equal(x.byteOffset % 64, 0);
    assert.ok(x.every((v) => v === 0));
    assert.ok(wk.bytes() >= before + 40);
    assert.ok(wk.owns(x) && wk.owns(x.subarray(3)));
    assert.ok(!wk.owns(new Float32Array(4)) && !wk.owns(new Float64Array(4)));
    const y = wk.alloc(0);
    assert.equal(y.length, 0);
    assert.throws(() => wk.alloc(-1), RangeError);
  });

  it('growing the memory keeps earlier views valid and usable by the kernels', () => {
    const A = wk.alloc(4), B = wk.alloc(4), C = wk.alloc(1);
    A.set([1, 2, 3, 4]);
    B.set([5, 6, 7, 8]);
    const big = wk.alloc(8 << 20); // 32 MiB: forces memory.grow
    assert.equal(big.length, 8 << 20);
    assert.notEqual(big.buffer, A.buffer, 'a grow gives a new buffer object');
    assert.equal(A.length, 4, 'old views are not detached');
    assert.deepEqual([...A], [1, 2, 3, 4]);
    wk.kernels.mmNT(1, 1, 4, A, 0, 4, B, 0, 4, C, 0, 1); // old views still recognised
    assert.equal(C[0], 70);
    big[big.length - 1] = 2;
    const D = wk.alloc(1);
    wk.kernels.mmNN(1, 1, 1, big, big.length - 1, 1, A, 0, 1, D, 0, 1); // new view too
    assert.equal(D[0], 2);
  });

  it('a fixed memory that is not shared (a page from disk) computes the same products and refuses to grow', () => {
    const fixed = createWasmKernels({ fixedBytes: 1 << 20 })!;
    assert.ok(fixed, 'Node 20 has WebAssembly SIMD');
    assert.ok(!(fixed.memory.buffer instanceof SharedArrayBuffer));
    const r = rng(7);
    const M = 13, N = 17, K = 29;
    const A = fixed.alloc(M * K), B = fixed.alloc(K * N), C = fixed.alloc(M * N);
    const A2 = wk.alloc(M * K), B2 = wk.alloc(K * N), C2 = wk.alloc(M * N);
    for (let i = 0; i < A.length; i++) A[i] = A2[i] = r();
    for (let i = 0; i < B.length; i++) B[i] = B2[i] = r();
    fixed.kernels.mmNN(M, N, K, A, 0, K, B, 0, N, C, 0, N);
    wk.kernels.mmNN(M, N, K, A2, 0, K, B2, 0, N, C2, 0, N);
    assert.ok(fixed.owns(C) && !fixed.owns(C2));
    assert.deepEqual([...C], [...C2], 'bit for bit the shared memory\'s result');
    const buffer = fixed.memory.buffer;
    assert.throws(() => fixed.alloc(1 << 20), /out of memory/);
    assert.equal(fixed.memory.buffer, buffer, 'never grown: earlier views stay attached');
    assert.equal(A.length, M * K);
    assert.throws(() => createWasmKernels({ fixedBytes: -1 }), RangeError);
  });

  it('a second instance on the same memory shares the allocator', () => {
    const other = createWasmKernels({ memory: wk.memory })!;
    assert.ok(other);
    const x = wk.alloc(100), y = other.alloc(100);
    assert.ok(y.byteOffset >= x.byteOffset + 400 || x.byteOffset >= y.byteOffset + 400, 'no overlap');
    assert.equal(wk.bytes(), other.bytes());
    assert.ok(other.owns(x) && wk.owns(y));
  });
});

describe('wasm assembler', () => {
  it('encodes LEB128', () => {
    assert.deepEqual(uleb(0), [0]);
    assert.deepEqual(uleb(127), [127]);
    assert.deepEqual(uleb(128), [0x80, 0x01]);
    assert.deepEqual(uleb(624485), [0xe5, 0x8e, 0x26]);
    assert.deepEqual(uleb(2 ** 32 - 1), [0xff, 0xff, 0xff, 0xff, 0x0f]);
    assert.deepEqual(sleb(0), [0]);
    assert.deepEqual(sleb(-1), [0x7f]);
    assert.deepEqual(sleb(63), [0x3f]);
    assert.deepEqual(sleb(64), [0xc0, 0x00]);
    assert.deepEqual(sleb(-64), [0x40]);
    assert.deepEqual(sleb(-65), [0xbf, 0x7f]);
    assert.deepEqual(sleb(-123456), [0xc0, 0xbb, 0x78]);
  });

  it('builds a module that runs: a SIMD sum of n floats (loop, branches, loads)', () => {
    // sum(p, n): Σ mem[p .. p + 4n) as f32, n a positive multiple of 4
    const f = new Func('sum', [['p', 'i32'], ['n', 'i32']], ['f32']);
    const [p, n] = f.params as [Local, Local];
    const acc = f.local('v128');
    f.code(
      local.set(acc, v128.zero()),
      loop('l',
        local.set(acc, f32x4.add(local.get(acc), v128.load(local.get(p)))),
        local.set(p, i32.add(local.get(p), i32.const(16))),
        br_if('l', local.tee(n, i32.sub(local.get(n), i32.const(4)))),
      ),
      f32.add(f32.add(f32x4.extract_lane(local.get(acc), 0), f32x4.extract_lane(local.get(acc), 1)), f32.add(f32x4.extract_lane(local.get(acc), 2), f32x4.extract_lane(local.get(acc), 3))),
    );
    const bytes = assembleModule({ module: 'env', name: 'memory', initial: 1, maximum: 1, shared: true }, [f]);
    const WA = (globalThis as unknown as { WebAssembly: { Memory: new (d: object) => { buffer: SharedArrayBuffer }; Module: new (b: Uint8Array) => object; Instance: new (m: object, i: object) => { exports: { sum(p: number, n: number): number } } } }).WebAssembly;
    const memory = new WA.Memory({ initial: 1, maximum: 1, shared: true });
    const xs = new Float32Array(memory.buffer, 64, 12);
    xs.forEach((_, i) => (xs[i] = i + 1));
    const { sum } = new WA.Instance(new WA.Module(bytes), { env: { memory } }).exports;
    assert.equal(sum(64, 12), 78);
  });
});

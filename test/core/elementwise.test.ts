/**
 * The element-wise functions (elementwise.ts) and their WebAssembly SIMD version
 * (wasm/elementwise-module.ts):
 *  (a) every SIMD instruction the assembler gained computes what its name says
 *      (this pins the opcode numbers: a wrong one fails to validate or computes
 *      something else);
 *  (b) σ, tanh, exp in float32 against the float64 reference (Math.exp /
 *      Math.tanh and kernels.ts `sigmoid`) on random inputs over −100..100,
 *      small magnitudes down to 1e-30, and edge values, within error bounds
 *      derived from the approximation (below); saturation and special values;
 *  (c) the softmax rows and softmaxCrossEntropy / softmaxRow against the
 *      float64 reference, within bounds derived per row;
 *  (d) everything the fast path cannot own (Float64Array, ordinary
 *      Float32Array) gets exactly the reference;
 *  (e) the scatter-add of rows (WebAssembly against the reference).
 * (Each cell's float32 forward with the fast kernels, and the LSTM's and
 * GRU's fused steps, are tested with their cell: test/core/cells/.)
 *
 * Error bounds (u = 2^-24, the unit roundoff of float32; relative errors are
 * taken against max(|f(x)|, FLT_MIN), so in the subnormal range they bound the
 * absolute error by bound·FLT_MIN):
 *  exp:  result 2^n·fl(1 + fl(r·q(r))), |r| ≤ ln2/2. The polynomial's own
 *        error is 1.9e-8 = 0.31u (with float32 coefficients, see the module);
 *        q's Horner evaluation ≤ 1.3u relative; the product r·q adds u; that
 *        term is ≤ 0.41 of a result ≥ 0.707, so ≤ 2.3u·0.41/0.707 = 1.35u; the
 *        final addition u; the range reduction ≤ 0.04u (n·C2 rounding, C2's own
 *        error); the scaling by 2^n is exact (one rounding more only when
 *        subnormal, ≤ 2^-150 absolute). Bound 2.7u = 1.61e-7. Measured: 1.11e-7.
 *  σ:    t = e^−|x| (2.7u), d = fl(1 + t), then fl(1/d) or fl(t/d); the error
 *        of t enters t/(1 + t) damped by 1/(1 + t); two more roundings:
 *        2.7u + u + u = 4.7u = 2.80e-7. Measured: 1.93e-7.
 *  tanh: |x| < 0.625: a + a·s·P(s): the polynomial 8.6e-9 = 0.15u, the
 *        correction term (≤ 4.5u relative, ≤ 0.147 of the result) 0.66u, the
 *        addition u: 1.8u. |x| ≥ 0.625: (1 − t)/(1 + t), t = e^−2|x| ≤ 0.287:
 *        t's error times 2t/(1 − t²) ≤ 0.625: 1.7u, three roundings 3u: 4.7u.
 *        Bound 4.7u = 2.80e-7. Measured: 1.53e-7.
 *  The measured values are the maxima over the inputs of (b) (three seeds) and
 *  over 4M evenly spaced points in each of −1..1, −10..10, −100..100, −104..−86
 *  (Node 20, x64); the largest errors sit where the polynomial error and the
 *  final roundings add up (σ near x = −15.5, tanh just above |x| = 0.625).
 *  The bounds (`BOUND`) live in test/helpers/float32.ts, shared with the
 *  cells' step tests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { referenceElementwise, sigmoid } from '../../src/core/elementwise.js';
import { softmaxCrossEntropy, softmaxRow } from '../../src/core/loss.js';
import { createWasmKernels } from '../../src/core/wasm/wasm-kernels.js';
import { Func, assembleModule, f32, f32x4, f64, f64x2, i32, i32x4, local, v128, type Code } from '../../src/core/wasm/assembler.js';
import { createRng } from '../../src/core/rng.js';
import { BOUND, u } from '../helpers/float32.js';

/** The WebAssembly backend these tests compare with the reference (one memory for all of them). */
const fastBackend = createWasmKernels();

const FLT_MIN = 2 ** -126;
const REF = { exp: Math.exp, sigmoid, tanh: Math.tanh } as const;
type Fn = keyof typeof REF;

/** The global WebAssembly object (not in lib ES2022's types; wasm-kernels.ts types it likewise). */
const Wasm = (globalThis as unknown as {
  WebAssembly: {
    Memory: new (d: { initial: number; maximum: number }) => { buffer: ArrayBuffer };
    Module: new (bytes: Uint8Array) => object;
    Instance: new (m: object, imports: object) => { exports: Record<string, unknown> };
    validate(bytes: Uint8Array): boolean;
  };
}).WebAssembly;

const wk = createWasmKernels();
const W = (): NonNullable<typeof wk> => {
  assert.ok(wk, 'WebAssembly SIMD is available on Node 20');
  return wk;
};

// ------------------------------------------------------------ (a) the new instructions

test('assembler: each new SIMD and scalar instruction computes what its name says', () => {
  const memory = new Wasm.Memory({ initial: 1, maximum: 1 });
  // fn(p): mem[p+32..48) = op(mem[p..16), mem[p+16..32))  (v128 ops)
  type Op = (a: Code, b: Code) => Code;
  const ops: Record<string, Op> = {
    'f32x4.div': f32x4.div, 'f32x4.min': f32x4.min, 'f32x4.max': f32x4.max, 'f32x4.pmin': f32x4.pmin, 'f32x4.pmax': f32x4.pmax,
    'f32x4.abs': (a) => f32x4.abs(a), 'f32x4.neg': (a) => f32x4.neg(a), 'f32x4.sqrt': (a) => f32x4.sqrt(a),
    'f32x4.ceil': (a) => f32x4.ceil(a), 'f32x4.floor': (a) => f32x4.floor(a), 'f32x4.trunc': (a) => f32x4.trunc(a), 'f32x4.nearest': (a) => f32x4.nearest(a),
    'f32x4.eq': f32x4.eq, 'f32x4.ne': f32x4.ne, 'f32x4.lt': f32x4.lt, 'f32x4.gt': f32x4.gt, 'f32x4.le': f32x4.le, 'f32x4.ge': f32x4.ge,
    'f32x4.convert_i32x4_s': (a) => f32x4.convert_i32x4_s(a), 'i32x4.trunc_sat_f32x4_s': (a) => i32x4.trunc_sat_f32x4_s(a),
    'i32x4.add': i32x4.add, 'i32x4.sub': i32x4.sub, 'i32x4.mul': i32x4.mul, 'i32x4.min_s': i32x4.min_s, 'i32x4.max_s': i32x4.max_s,
    'i32x4.eq': i32x4.eq, 'i32x4.lt_s': i32x4.lt_s, 'i32x4.gt_s': i32x4.gt_s,
    'i32x4.shl': (a) => i32x4.shl(a, i32.const(3)), 'i32x4.shr_s': (a) => i32x4.shr_s(a, i32.const(3)), 'i32x4.shr_u': (a) => i32x4.shr_u(a, i32.const(3)),
    'i32x4.splat': () => i32x4.splat(i32.const(-7)), 'i32x4.extract_lane': (a) => i32x4.splat(i32x4.extract_lane(a, 2)),
    'v128.and': v128.and, 'v128.or': v128.or, 'v128.xor': v128.xor, 'v128.andnot': v128.andnot, 'v128.not': (a) => v128.not(a),
    'v128.bitselect': (a, b) => v128.bitselect(a, b, v128.const([0, 0, 0, 0, 255, 255, 255, 255, 0, 0, 255, 255, 0xf0, 0xf0, 0xf0, 0xf0])),
    'v128.any_true': (a) => i32x4.splat(v128.any_true(a)),
    'f32x4.const': () => f32x4.const(1.5, -2, 0.25, 3),
    'f64x2.promote_low_f32x4': (a) => f64x2.promote_low_f32x4(a), 'f32x4.demote_f64x2_zero': (a) => f32x4.demote_f64x2_zero(f64x2.promote_low_f32x4(a)),
    'f64x2.add': (a, b) => f64x2.add(f64x2.promote_low_f32x4(a), f64x2.promote_low_f32x4(b)),
    'f64x2.sub': (a, b) => f64x2.sub(f64x2.promote_low_f32x4(a), f64x2.promote_low_f32x4(b)),
    'f64x2.mul': (a, b) => f64x2.mul(f64x2.promote_low_f32x4(a), f64x2.promote_low_f32x4(b)),
    'f64x2.splat/extract_lane': (a) => f64x2.splat(f64x2.extract_lane(f64x2.promote_low_f32x4(a), 1)),
    // scalar: lane 0 of a and b → lane 0 (f32) or lanes 0..1 (f64)
    'f32.div': (a, b) => f32x4.splat(f32.div(f32x4.extract_lane(a, 0), f32x4.extract_lane(b, 0))),
    'f32.min': (a, b) => f32x4.splat(f32.min(f32x4.extract_lane(a, 0), f32x4.extract_lane(b, 0))),
    'f32.max': (a, b) => f32x4.splat(f32.max(f32x4.extract_lane(a, 0), f32x4.extract_lane(b, 0))),
    'f32.abs': (a) => f32x4.splat(f32.abs(f32x4.extract_lane(a, 1))),
    'f32.neg': (a) => f32x4.splat(f32.neg(f32x4.extract_lane(a, 0))),
    'f64 ops': (a, b) => f64x2.splat(f64.div(
      f64.sub(f64.mul(f64.add(f64.promote_f32(f32x4.extract_lane(a, 0)), f64.const(0.1)), f64.promote_f32(f32x4.extract_lane(b, 0))), f64.const(1)),
      f64.promote_f32(f32x4.extract_lane(b, 1)))),
    'f32.demote_f64': (a) => f32x4.splat(f32.demote_f64(f64.add(f64.promote_f32(f32x4.extract_lane(a, 0)), f64.const(1e-12)))),
  };
  const names = Object.keys(ops);
  const funcs = names.map((name, k) => {
    const f = new Func(`f${k}`, [['p', 'i32']]);
    const p = f.params[0]!;
    return f.code(v128.store(local.get(p), ops[name]!(v128.load(local.get(p)), v128.load(local.get(p), 16)), 32));
  });
  // f64.load/store: copy 8 bytes from p to p+48
  const copy = new Func('copy64', [['p', 'i32']]);
  funcs.push(copy.code(f64.store(local.get(copy.params[0]!), f64.load(local.get(copy.params[0]!)), 48)));
  const bytes = assembleModule({ module: 'env', name: 'memory', initial: 1, maximum: 1, shared: false }, funcs);
  assert.ok(Wasm.validate(bytes), 'the module validates');
  const ex = new Wasm.Instance(new Wasm.Module(bytes), { env: { memory } }).exports as Record<string, (p: number) => void>;

  const F = new Float32Array(memory.buffer, 0, 16);
  const I = new Int32Array(memory.buffer, 0, 16);
  const D = new Float64Array(memory.buffer, 0, 8);
  const fr = Math.fround;
  const a = [2.5, -3.5, -0.5, 7.25].map(fr), b = [0.5, -1, NaN, -7.25].map(fr);
  const ai = [5, -9, 2147483647, -16], bi = [3, 4, 1, -16];
  const run = (name: string, x: number[], y: number[], ints = false): void => {
    (ints ? I : F).set(x, 0);
    (ints ? I : F).set(y, 4);
    ex[`f${names.indexOf(name)}`]!(0);
  };
  const outF = (): number[] => Array.from(F.subarray(8, 12));
  const outI = (): number[] => Array.from(I.subarray(8, 12));
  const mask = (xs: boolean[]): number[] => xs.map((t) => (t ? -1 : 0));
  const same = (name: string, got: number[], want: number[]): void => assert.deepEqual(got, want, name);
  const lanes = <T>(f: (x: number, y: number) => T): T[] => a.map((x, i) => f(x, b[i]!));

  run('f32x4.div', a, b); same('div', outF(), lanes((x, y) => fr(x / y)));
  run('f32x4.min', a, b); same('min', outF(), [0.5, -3.5, NaN, -7.25]);
  run('f32x4.max', a, b); same('max', outF(), [2.5, -1, NaN, 7.25]);
  run('f32x4.pmin', a, b); same('pmin', outF(), [0.5, -3.5, -0.5, -7.25]); // b < a ? b : a
  run('f32x4.pmax', a, b); same('pmax', outF(), [2.5, -1, -0.5, 7.25]); // a < b ? b : a
  run('f32x4.abs', a, b); same('abs', outF(), [2.5, 3.5, 0.5, 7.25]);
  run('f32x4.neg', a, b); same('neg', outF(), [-2.5, 3.5, 0.5, -7.25]);
  run('f32x4.sqrt', [4, 2, 0, 9], b); same('sqrt', outF(), [2, fr(Math.SQRT2), 0, 3]);
  run('f32x4.ceil', a, b); same('ceil', outF(), [3, -3, -0, 8]);
  run('f32x4.floor', a, b); same('floor', outF(), [2, -4, -1, 7]);
  run('f32x4.trunc', a, b); same('trunc', outF(), [2, -3, -0, 7]);
  run('f32x4.nearest', a, b); same('nearest', outF(), [2, -4, -0, 7]); // ties to even
  run('f32x4.eq', a, b); same('eq', outI(), mask(lanes((x, y) => x === y)));
  run('f32x4.ne', a, b); same('ne', outI(), mask(lanes((x, y) => x !== y)));
  run('f32x4.lt', a, b); same('lt', outI(), mask(lanes((x, y) => x < y)));
  run('f32x4.gt', a, b); same('gt', outI(), mask(lanes((x, y) => x > y)));
  run('f32x4.le', a, b); same('le', outI(), mask(lanes((x, y) => x <= y)));
  run('f32x4.ge', a, b); same('ge', outI(), mask(lanes((x, y) => x >= y)));
  run('f32x4.convert_i32x4_s', ai, bi, true); same('convert', outF(), ai.map(fr));
  run('i32x4.trunc_sat_f32x4_s', [2.9, -2.9, 3e9, NaN], b); same('trunc_sat', outI(), [2, -2, 2147483647, 0]);
  run('i32x4.add', ai, bi, true); same('i32 add', outI(), ai.map((x, i) => (x + bi[i]!) | 0));
  run('i32x4.sub', ai, bi, true); same('i32 sub', outI(), ai.map((x, i) => (x - bi[i]!) | 0));
  run('i32x4.mul', ai, bi, true); same('i32 mul', outI(), ai.map((x, i) => Math.imul(x, bi[i]!)));
  run('i32x4.min_s', ai, bi, true); same('min_s', outI(), ai.map((x, i) => Math.min(x, bi[i]!)));
  run('i32x4.max_s', ai, bi, true); same('max_s', outI(), ai.map((x, i) => Math.max(x, bi[i]!)));
  run('i32x4.eq', ai, bi, true); same('i32 eq', outI(), mask(ai.map((x, i) => x === bi[i])));
  run('i32x4.lt_s', ai, bi, true); same('lt_s', outI(), mask(ai.map((x, i) => x < bi[i]!)));
  run('i32x4.gt_s', ai, bi, true); same('gt_s', outI(), mask(ai.map((x, i) => x > bi[i]!)));
  run('i32x4.shl', ai, bi, true); same('shl', outI(), ai.map((x) => x << 3));
  run('i32x4.shr_s', ai, bi, true); same('shr_s', outI(), ai.map((x) => x >> 3));
  run('i32x4.shr_u', ai, bi, true); same('shr_u', outI(), ai.map((x) => (x >>> 3) | 0));
  run('i32x4.splat', ai, bi, true); same('i32 splat', outI(), [-7, -7, -7, -7]);
  run('i32x4.extract_lane', ai, bi, true); same('i32 extract', outI(), [ai[2]!, ai[2]!, ai[2]!, ai[2]!]);
  run('v128.and', ai, bi, true); same('and', outI(), ai.map((x, i) => x & bi[i]!));
  run('v128.or', ai, bi, true); same('or', outI(), ai.map((x, i) => x | bi[i]!));
  run('v128.xor', ai, bi, true); same('xor', outI(), ai.map((x, i) => x ^ bi[i]!));
  run('v128.andnot', ai, bi, true); same('andnot', outI(), ai.map((x, i) => x & ~bi[i]!));
  run('v128.not', ai, bi, true); same('not', outI(), ai.map((x) => ~x));
  run('v128.bitselect', ai, bi, true);
  same('bitselect', outI(), [bi[0]!, ai[1]!, (ai[2]! & 0xffff0000) | (bi[2]! & 0xffff), (ai[3]! & 0xf0f0f0f0) | (bi[3]! & 0x0f0f0f0f)]);
  run('v128.any_true', [0, 0, 0, 0], bi, true); same('any_true 0', outI(), [0, 0, 0, 0]);
  run('v128.any_true', [0, 0, 1 << 20, 0], bi, true); same('any_true 1', outI(), [1, 1, 1, 1]);
  run('f32x4.const', a, b); same('f32x4.const', outF(), [1.5, -2, 0.25, 3]);
  run('f64x2.promote_low_f32x4', a, b); same('promote', Array.from(D.subarray(4, 6)), [a[0]!, a[1]!]);
  run('f32x4.demote_f64x2_zero', a, b); same('demote', outF(), [a[0]!, a[1]!, 0, 0]);
  run('f64x2.add', a, [0.5, -1, 0, 0]); same('f64x2.add', Array.from(D.subarray(4, 6)), [3, -4.5]);
  run('f64x2.sub', a, [0.5, -1, 0, 0]); same('f64x2.sub', Array.from(D.subarray(4, 6)), [2, -2.5]);
  run('f64x2.mul', a, [0.5, -1, 0, 0]); same('f64x2.mul', Array.from(D.subarray(4, 6)), [1.25, 3.5]);
  run('f64x2.splat/extract_lane', a, b); same('f64 splat', Array.from(D.subarray(4, 6)), [a[1]!, a[1]!]);
  run('f32.div', a, b); same('f32.div', outF(), Array(4).fill(fr(a[0]! / b[0]!)));
  run('f32.min', a, [NaN, 0, 0, 0]); same('f32.min NaN', outF(), [NaN, NaN, NaN, NaN]);
  run('f32.min', a, b); same('f32.min', outF(), [0.5, 0.5, 0.5, 0.5]);
  run('f32.max', a, b); same('f32.max', outF(), [2.5, 2.5, 2.5, 2.5]);
  run('f32.abs', a, b); same('f32.abs', outF(), [3.5, 3.5, 3.5, 3.5]);
  run('f32.neg', a, b); same('f32.neg', outF(), [-2.5, -2.5, -2.5, -2.5]);
  run('f64 ops', a, [0.5, 3, 0, 0]); same('f64 ops', Array.from(D.subarray(4, 6)), Array(2).fill(((2.5 + 0.1) * 0.5 - 1) / 3));
  run('f32.demote_f64', [1, 0, 0, 0], b); same('demote_f64', outF(), [1, 1, 1, 1]);
  D[0] = Math.PI;
  ex.copy64!(0);
  assert.equal(D[6], Math.PI, 'f64.load / f64.store');
});

// ------------------------------------------------------------ (b) σ, tanh, exp

/** Random inputs over −100..100 (uniform) and over magnitudes 1e-30..100 (log-uniform, both signs), plus edges. */
function inputs(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = i % 2 === 0 ? 200 * rng.uniform() - 100 : (rng.uniform() < 0.5 ? -1 : 1) * 10 ** (-30 + 32 * rng.uniform());
  }
  const edges = [0, -0, 1e-45, -1e-45, 1e-38, -1e-38, 1e-7, -1e-7, 0.625, -0.625, 0.62499994, -0.62499994, 0.34657359, -0.34657359,
    1, -1, 9, -9, 20, -20, 87.3, -87.3, 88.72, -88.72, 100, -100, 103, -103, 104, -104, 150, -150, 1e30, -1e30, 3.4e38, -3.4e38];
  x.set(edges, 0);
  return x;
}

/** Max of |got − ref| / max(|ref|, FLT_MIN) over x; got computed in place in wasm memory. */
function maxError(fn: Fn, x: Float32Array): { rel: number; at: number } {
  const a = W().alloc(x.length);
  a.set(x);
  W().elementwise[fn](a, 0, a.length);
  let rel = 0, at = NaN;
  for (let i = 0; i < x.length; i++) {
    const xi = x[i]!;
    const ref = REF[fn](xi);
    const got = a[i]!;
    assert.ok(!Number.isNaN(got), `${fn}(${xi}) is NaN`);
    if (fn === 'exp' && xi > 88.7228) {
      // beyond ln(FLT_MAX) (88.72284) the float32 result is ∞; right at it, either FLT_MAX or ∞
      if (xi > 88.7229) assert.equal(got, Infinity, `exp(${xi})`);
      continue;
    }
    const e = Math.abs(got - ref) / Math.max(Math.abs(ref), FLT_MIN);
    if (e > rel) { rel = e; at = xi; }
  }
  return { rel, at };
}

for (const fn of ['exp', 'sigmoid', 'tanh'] as const) {
  test(`${fn}: float32 SIMD within ${(BOUND[fn] / u).toFixed(1)}u = ${BOUND[fn].toExponential(2)} of float64 over −100..100 and tiny inputs`, () => {
    const { rel, at } = maxError(fn, inputs(1 << 19, 11));
    assert.ok(rel <= BOUND[fn], `${fn}: max relative error ${rel.toExponential(3)} at x = ${at}, bound ${BOUND[fn].toExponential(3)}`);
  });
}

test('exp/σ/tanh: saturation and special values', () => {
  const at = (fn: Fn, x: number): number => {
    const a = W().alloc(1);
    a[0] = x;
    W().elementwise[fn](a, 0, 1);
    return a[0]!;
  };
  assert.equal(at('sigmoid', 100), 1);
  assert.equal(at('sigmoid', 17), 1); // 1/(1 + 4e-8) rounds to 1
  assert.equal(at('sigmoid', Infinity), 1);
  assert.equal(at('sigmoid', -Infinity), 0);
  assert.equal(at('sigmoid', 0), 0.5);
  assert.equal(at('sigmoid', -0), 0.5);
  // σ(−100) = e^−100 (1 + O(e^−100)) ≈ 3.78e-44, subnormal in float32: within half a subnormal step
  assert.ok(Math.abs(at('sigmoid', -100) - sigmoid(-100)) <= 2 ** -150);
  assert.equal(at('sigmoid', -110), 0);
  assert.equal(at('tanh', 20), 1);
  assert.equal(at('tanh', -20), -1);
  assert.equal(at('tanh', 9.1), 1);
  assert.equal(at('tanh', Infinity), 1);
  assert.equal(at('tanh', -Infinity), -1);
  assert.ok(Object.is(at('tanh', 0), 0), 'tanh(+0) = +0');
  assert.ok(Object.is(at('tanh', -0), -0), 'tanh(−0) = −0');
  assert.equal(at('tanh', 1e-30), Math.fround(1e-30));
  assert.equal(at('exp', 0), 1);
  assert.equal(at('exp', -0), 1);
  assert.equal(at('exp', -Infinity), 0);
  assert.equal(at('exp', Infinity), Infinity);
  assert.equal(at('exp', -104), 0);
  assert.equal(at('exp', 89), Infinity);
  assert.ok(Number.isFinite(at('exp', 88.72)));
  for (const fn of ['exp', 'sigmoid', 'tanh'] as const) assert.ok(Number.isNaN(at(fn, NaN)), `${fn}(NaN) is NaN`);
});

test('exp/σ/tanh: rows with a stride and every tail length touch exactly their blocks', () => {
  for (const fn of ['exp', 'sigmoid', 'tanh'] as const) {
    for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 9, 13]) {
      const rows = 3, ld = n + 5, off = 2;
      const total = off + rows * ld + 3;
      const src = Float32Array.from({ length: total }, (_, i) => Math.fround(Math.sin(i * 1.7) * 3));
      const a = W().alloc(total);
      a.set(src);
      W().elementwise[fn](a, off, n, rows, ld);
      for (let i = 0; i < total; i++) {
        const inBlock = i >= off && (i - off) % ld < n && i < off + rows * ld;
        if (!inBlock) assert.equal(a[i], src[i], `${fn} n=${n}: element ${i} outside the blocks changed`);
        else {
          const ref = REF[fn](src[i]!);
          assert.ok(Math.abs(a[i]! - ref) <= BOUND[fn] * Math.max(Math.abs(ref), FLT_MIN), `${fn} n=${n}: element ${i}`);
        }
      }
    }
  }
});

// ------------------------------------------------------------ (d) what the fast path does not own

test('Float64Array and ordinary Float32Array get exactly the reference', () => {
  const e = W().elementwise;
  const x = Float64Array.from({ length: 23 }, (_, i) => Math.sin(i) * 30);
  for (const fn of ['exp', 'sigmoid', 'tanh'] as const) {
    for (const make of [(v: Float64Array) => Float64Array.from(v), (v: Float64Array) => Float32Array.from(v)]) {
      const a = make(x), b = make(x);
      e[fn](a, 1, 7, 3, 7);
      referenceElementwise[fn](b, 1, 7, 3, 7);
      assert.deepEqual(a, b, fn);
    }
  }
  const z = Float64Array.from({ length: 40 }, (_, i) => Math.cos(i) * 5);
  const za = Float64Array.from(z), zb = Float64Array.from(z);
  assert.equal(e.softmaxLse(za, 10, 30, 0.5), referenceElementwise.softmaxLse(zb, 10, 30, 0.5));
  assert.deepEqual(za, zb);
  const pa = new Float64Array(30), pb = new Float64Array(30);
  e.softmaxTo(Float32Array.from(z), 10, 30, 0.7, pa);
  referenceElementwise.softmaxTo(Float32Array.from(z), 10, 30, 0.7, pb);
  assert.deepEqual(pa, pb);
  // a range reaching past the view goes to the reference (whose writes past the end are dropped),
  // never to WebAssembly, which would write into whatever follows the view in memory
  const mem = W().alloc(8);
  mem.set([1, 2, 3, 4, 5, 6, 7, 8]);
  const small = mem.subarray(0, 4);
  e.sigmoid(small, 3, 2);
  assert.deepEqual(Array.from(mem), [1, 2, 3, Math.fround(sigmoid(4)), 5, 6, 7, 8]);
});

// ------------------------------------------------------------ (c) softmax rows

/** A row of V float32 logits with the given spread. */
function logitsRow(V: number, spread: number, rng: ReturnType<typeof createRng>): Float32Array {
  return Float32Array.from({ length: V }, () => spread * (2 * rng.uniform() - 1));
}

/** d̄ = Σ_v p_v (m − z_v): the softmax-weighted distance below the max (in float64). */
function meanDistance(z: ArrayLike<number>, k = 1): number {
  let m = -Infinity;
  for (let i = 0; i < z.length; i++) m = Math.max(m, z[i]!);
  let s = 0, sd = 0;
  for (let i = 0; i < z.length; i++) {
    const e = Math.exp((z[i]! - m) * k);
    s += e;
    sd += e * (m - z[i]!) * k;
  }
  return sd / s;
}

test('softmaxLse: lse within u·(2.7 + d̄) and scale·softmax within u·(7.4 + d_v + d̄) of float64 (per row, derived in the comments)', () => {
  // e_v = e^−d_v (1 + δ_v), |δ_v| ≤ (2.7 + d_v)u: exp's bound plus the rounding of z_v − m (≤ u·d_v);
  // Σ e_v in float64 (exact enough), so lse = m + log Σ e_v is off by ≤ Σ p_v|δ_v| ≤ (2.7 + d̄)u.
  // With a scale: fl(e_v · fl(scale/s)): δ_v, s's error (2.7 + d̄)u, and two roundings.
  const rng = createRng(5);
  for (const V of [1, 2, 3, 4, 5, 7, 8, 65, 1000, 10000]) {
    for (const spread of [0.01, 3, 30]) {
      const z = logitsRow(V, spread, rng);
      const dbar = meanDistance(z);
      let m = -Infinity;
      for (const v of z) m = Math.max(m, v);
      const ref64 = Float64Array.from(z);
      const lseRef = referenceElementwise.softmaxLse(ref64, 0, V, null);
      const a = W().alloc(V + 2);
      a.set(z, 1);
      const lse = W().elementwise.softmaxLse(a, 1, V, null);
      const tol = (2.7 + dbar) * u * 1.01 + 1e-12 * (1 + Math.abs(lseRef));
      assert.ok(Math.abs(lse - lseRef) <= tol, `V=${V} spread=${spread}: lse ${lse} vs ${lseRef}, tolerance ${tol}`);
      assert.deepEqual(a.subarray(1, V + 1), z, 'without a scale the row is left alone');
      // with a scale
      const scale = 0.37;
      referenceElementwise.softmaxLse(ref64, 0, V, scale);
      W().elementwise.softmaxLse(a, 1, V, scale);
      assert.equal(a[0], 0);
      assert.equal(a[V + 1], 0);
      for (let v = 0; v < V; v++) {
        const tolV = (7.4 + (m - z[v]!) + dbar) * u * 1.01 * ref64[v]!;
        assert.ok(Math.abs(a[v + 1]! - ref64[v]!) <= tolV + FLT_MIN, `V=${V} spread=${spread}: ŷ[${v}] ${a[v + 1]} vs ${ref64[v]}`);
      }
    }
  }
  // special rows: all −∞ gives −∞ as in the reference; a single entry gives lse = z
  const inf = W().alloc(5);
  inf.fill(-Infinity);
  assert.equal(W().elementwise.softmaxLse(inf, 0, 5, null), -Infinity);
  const one = W().alloc(1);
  one[0] = 3.25;
  assert.equal(W().elementwise.softmaxLse(one, 0, 1, 2), 3.25);
  assert.equal(one[0], 2);
});

test('softmaxTo: probabilities with a temperature within u·(5.4 + 3·d_v/T + 3·d̄/T) of float64', () => {
  // the argument fl(fl(z − m)·fl(1/T)) carries ≤ 3u relative error (three roundings) → e^(...) gains 3u·d_v/T
  const rng = createRng(8);
  for (const V of [1, 3, 4, 9, 65, 5000]) {
    for (const T of [0.3, 1, 2.5]) {
      const z = logitsRow(V, 8, rng);
      const a = W().alloc(V);
      a.set(z);
      const got = new Float64Array(V), ref = new Float64Array(V);
      W().elementwise.softmaxTo(a, 0, V, T, got);
      referenceElementwise.softmaxTo(Float64Array.from(z), 0, V, T, ref);
      let m = -Infinity;
      for (const v of z) m = Math.max(m, v);
      const dbar = meanDistance(z, 1 / T);
      let total = 0;
      for (let v = 0; v < V; v++) {
        const tol = (5.4 + 3 * (m - z[v]!) / T + 3 * dbar) * u * 1.01 * ref[v]! + 1e-300;
        assert.ok(Math.abs(got[v]! - ref[v]!) <= tol, `V=${V} T=${T}: p[${v}] ${got[v]} vs ${ref[v]}`);
        total += got[v]!;
      }
      assert.ok(Math.abs(total - 1) < 1e-12, 'sums to 1 (normalised in float64)');
    }
  }
});

test('softmaxCrossEntropy and softmaxRow with the fast kernels: same loss, log-probabilities and gradient as float64', () => {
  assert.ok(fastBackend, 'WebAssembly SIMD is available on Node 20');
  {
    const rng = createRng(21);
    for (const V of [5, 65, 3001]) {
      const R = 9;
      const z = Float32Array.from({ length: R * V }, () => 6 * (2 * rng.uniform() - 1));
      const targets = Int32Array.from({ length: R }, (_, r) => (r === 4 ? -1 : rng.int(V)));
      const fast = fastBackend!.alloc(R * V);
      fast.set(z);
      const ref = Float64Array.from(z);
      const lpFast = new Float64Array(R), lpRef = new Float64Array(R);
      const a = softmaxCrossEntropy(fastBackend!.elementwise, fast, R, V, targets, true, 0.25, lpFast);
      // the float64 reference path (Float64Array is never owned, but make it explicit)
      const b = softmaxCrossEntropy(referenceElementwise, ref, R, V, targets, true, 0.25, lpRef);
      assert.equal(a.count, b.count);
      // per row |Δlp| ≤ (2.7 + d̄)u with d̄ ≤ 12 here (spread 6): ≤ 15u; the sum over 8 rows ≤ 8·15u
      assert.ok(Math.abs(a.sum - b.sum) <= 8 * 15 * u, `loss ${a.sum} vs ${b.sum}`);
      for (let r = 0; r < R; r++) assert.ok(Math.abs(lpFast[r]! - lpRef[r]!) <= 15 * u, `log p row ${r}`);
      assert.equal(lpFast[4], 0);
      for (let i = 0; i < R * V; i++) {
        // ≤ (7.4 + 12 + 12)u relative on 0.25·ŷ, plus the rounding of the target entry (u·0.25)
        assert.ok(Math.abs(fast[i]! - ref[i]!) <= 32 * u * Math.abs(ref[i]! + (ref[i]! < 0 ? 0.25 : 0)) + 0.25 * u + FLT_MIN, `grad ${i}: ${fast[i]} vs ${ref[i]}`);
      }
      for (let v = 4 * V; v < 5 * V; v++) assert.equal(fast[v], 0, 'masked row: zero gradient');
      // softmaxRow (sampling)
      fast.set(z);
      const pf = new Float64Array(V), pr = new Float64Array(V);
      softmaxRow(fastBackend!.elementwise, fast, 2 * V, V, 0.8, pf);
      referenceElementwise.softmaxTo(Float64Array.from(z), 2 * V, V, 0.8, pr);
      // (5.4 + 3·d_v/T + 3·d̄/T)u with d_v, d̄ ≤ 12 and T = 0.8: ≤ 96u
      for (let v = 0; v < V; v++) assert.ok(Math.abs(pf[v]! - pr[v]!) <= 96 * u * pr[v]! + 1e-300, `softmaxRow ${v}`);
    }
  }
});

// ------------------------------------------------------------ (e) scatter-add of rows

test('addRowsAt: WebAssembly gives exactly the reference (float32 additions in row order), repeated and negative indices, every tail width', () => {
  const w = W();
  const rng = createRng(21);
  for (const width of [1, 2, 3, 4, 5, 7, 8, 13, 64]) {
    const rows = 37, V = 6, dOff = 3, sOff = 5;
    const idx = Int32Array.from({ length: rows + 2 }, () => rng.int(V + 2) - 2); // −2..V−1: some rows skipped, many repeated
    const src = Float32Array.from({ length: sOff + rows * width + 1 }, () => rng.uniform() * 2 - 1);
    const dst0 = Float32Array.from({ length: dOff + V * width + 2 }, () => rng.uniform() * 2 - 1);
    const fastDst = w.alloc(dst0.length), fastSrc = w.alloc(src.length);
    fastDst.set(dst0);
    fastSrc.set(src);
    const refDst = Float32Array.from(dst0);
    w.elementwise.addRowsAt(fastDst, dOff, fastSrc, sOff, idx, rows, width);
    referenceElementwise.addRowsAt(refDst, dOff, src, sOff, idx, rows, width);
    assert.deepEqual(fastDst, refDst, `width ${width}`);
    // and the reference is the definition: each named row gets the sum of its source rows
    for (let y = 0; y < V; y++) for (let j = 0; j < width; j++) {
      let want = dst0[dOff + y * width + j]!;
      for (let r = 0; r < rows; r++) if (idx[r] === y) want = Math.fround(want + src[sOff + r * width + j]!);
      assert.equal(refDst[dOff + y * width + j], want);
    }
  }
  // arrays outside the memory: the reference, unchanged
  const a = Float32Array.of(1, 2, 3, 4), b = Float32Array.of(10, 20);
  w.elementwise.addRowsAt(a, 0, b, 0, Int32Array.of(1), 1, 2);
  assert.deepEqual(a, Float32Array.of(1, 2, 13, 24));
});

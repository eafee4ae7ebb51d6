/**
 * The WebAssembly SIMD element-wise kernels (f32x4), written with the
 * assembler in `assembler.ts`: the transcendental functions of the cells
 * (σ, tanh) and of the softmax (exp), built into a second module that
 * imports the same shared memory as the products (`gemm-module.ts`).
 *
 * Every function works on byte addresses into that memory; strides are in
 * BYTES. The JavaScript wrapper (`wasm-kernels.ts`) checks that the arrays
 * are views of the memory and that the ranges fit before calling.
 *
 * - `sigmoid`, `tanh`, `exp` (p, n, rows, ld): in place on `rows` rows of `n`
 *   floats, row r starting at p + r·ld. Four lanes at a time; the last
 *   n mod 4 of a row are loaded lane by lane (the other lanes hold copies of
 *   the row's first element), computed as a vector and stored lane by lane.
 * - `rowMax(p, n) → f32`: max of n ≥ 1 floats (a NaN may or may not be
 *   seen: the sum of the exponentials is NaN then anyway).
 * - `expSum(src, dst, n, shift, k, store) → f64`: e_i = exp((src_i − shift)·k),
 *   written to dst when store ≠ 0 (dst may be src), returns Σ e_i summed in
 *   float64 (each f32x4 of e widened to two f64x2).
 * - `scale(p, n, k)`: p_i ← k·p_i.
 * - `lstmFwd`, `lstmBwd`: the LSTM step's element-wise work, forward and
 *   backward (no peepholes), fused into one pass over the B rows (see below).
 * - `gruGates`, `gruOut`, `gruBackU`, `gruBackR`: the GRU step's, in the two
 *   parts around the candidate's product, forward and backward.
 * - `addRows`: rows added into the rows of another matrix that an index
 *   array names (the gradient of a lookup).
 *
 * The approximations (all in float32 arithmetic, no fused multiply-add):
 *
 *   exp(x): clamp x to [−104, 89] (beyond, exp underflows to 0 or overflows
 *     to ∞ in float32: e^−103.3 < 2^−149/2, e^88.73 > FLT_MAX, so the clamp
 *     changes no result); n = nearest(x·log₂e) (by adding and subtracting
 *     1.5·2^23, which also leaves n in the mantissa bits); r = x − n·C1 − n·C2 with
 *     C1 + C2 = ln 2 (C1 = 0.693359375 has 9 significant bits, so n·C1 is
 *     exact for |n| ≤ 150 and x − n·C1 is exact by Sterbenz's lemma);
 *     e^r ≈ 1 + r·q(r) on |r| ≤ ln2/2 with q of degree 5 (EXP_Q); then
 *     2^n = 2^n1 · 2^n2 with n1 = n >> 1, n2 = n − n1, each built from its
 *     exponent bits: both factors stay normal for n ∈ [−150, 128], so results
 *     in the subnormal range come out gradually (one rounding) and n = 128
 *     overflows to ∞ as it should. NaN stays NaN.
 *   σ(x) = 1/(1 + e^−|x|) for x ≥ 0, e^−|x|/(1 + e^−|x|) for x < 0 (no
 *     cancellation on either side; σ(100) = 1, σ(−100) = e^−100 (subnormal)).
 *   tanh(x) = sign(x)·t(|x|) with, for a = |x|,
 *     t(a) = a + a·a²·P(a²)               a < 0.625 (P of degree 4, TANH_P)
 *     t(a) = (1 − e^−2a)/(1 + e^−2a)      a ≥ 0.625 (e^−2a ≤ 0.287: no cancellation)
 *   tanh(±0) = ±0, tanh(±20) = ±1, tanh(±∞) = ±1.
 *
 * Coefficients: weighted minimax (Remez exchange, in float64 with numpy;
 * the error then checked with mpmath at 30 digits, the coefficients rounded
 * to float32 as they are used):
 *   q(r) ≈ (e^r − 1)/r on [−ln2/2, ln2/2], weight r/e^r (relative error of
 *     1 + r·q): 1.9e-8 with the float32 coefficients;
 *   P(s) ≈ (tanh √s − √s)/s^1.5 on [0, 0.625²], weight s^1.5/tanh √s
 *     (relative error of t): 8.6e-9 with the float32 coefficients.
 * Both are well under a float32 ulp (2^-24 … 2^-23 relative), so the error
 * of every function is that of the float32 roundings of its few operations;
 * `test/core/elementwise.test.ts` measures it against float64 Math.exp /
 * Math.tanh and states the bounds.
 */

import {
  Func, assembleModule, block, br, br_if, f32, f32x4, f64, f64x2, i32, i32x4, if_, local, loop, v128,
  type Code, type Local, type MemoryImport,
} from './assembler.js';

const { get, set } = local;
const c32 = i32.const;
const addI = (l: Local, x: Code | number): Code => set(l, i32.add(get(l), typeof x === 'number' ? c32(x) : x));
const k4 = (x: number): Code => f32x4.const(x);

/** q(r) ≈ (e^r − 1)/r, lowest degree first (see the header). */
export const EXP_Q = [1.00000003216503, 0.4999999420905292, 0.1666643126270346, 0.0416680020346989, 0.008374155305761431, 0.0013843653545346519] as const;
/** P(s) ≈ (tanh √s − √s)/s^1.5, lowest degree first. */
export const TANH_P = [-0.33333281942021076, 0.13331442198476115, -0.053739715115237466, 0.02063908735266759, -0.005704987124810588] as const;
/** Below this |x| tanh uses the odd polynomial. */
export const TANH_SMALL = 0.625;
const LOG2E = 1.4426950408889634;
const LN2_HI = 0.693359375;
const LN2_LO = Math.LN2 - LN2_HI; // −2.12194440e-4
const EXP_MIN = -104;
/** 1.5·2^23: x + ROUNDER − ROUNDER rounds x to an integer for |x| < 2^22. */
const ROUNDER = 12582912;
const EXP_MAX = 89;

/** Scratch locals an element-wise body may use (declared once per function). */
interface Tmp {
  fn: Local; r: Local; q: Local; ni: Local; n1: Local; a: Local; t: Local; u: Local;
}
function tmps(f: Func): Tmp {
  const v = (name: string): Local => f.local('v128', name);
  return { fn: v('fn'), r: v('r'), q: v('q'), ni: v('ni'), n1: v('n1'), a: v('a'), t: v('t'), u: v('u') };
}

/** Horner: c[0] + s·(c[1] + s·(…)) with s a local. */
function horner(c: readonly number[], s: Local): Code {
  let acc: Code = k4(c[c.length - 1]!);
  for (let i = c.length - 2; i >= 0; i--) acc = f32x4.add(f32x4.mul(acc, get(s)), k4(c[i]!));
  return acc;
}

/** out ← e^x for the vector x (evaluated once). Uses fn, r, q, ni, n1. */
function expInto(out: Local, x: Code, w: Tmp): Code {
  return [
    // clamp; pmax/pmin (one instruction each) keep a NaN x when it is the first operand
    set(w.r, f32x4.pmin(f32x4.pmax(x, k4(EXP_MIN)), k4(EXP_MAX))),
    // n = nearest(x·log₂e): adding 1.5·2^23 rounds to an integer (ties to even) and leaves
    // n in the low mantissa bits, so n = bits(x·log₂e + S) − bits(S) and fn = (x·log₂e + S) − S
    set(w.fn, f32x4.add(f32x4.mul(get(w.r), k4(LOG2E)), k4(ROUNDER))),
    set(w.ni, i32x4.sub(get(w.fn), k4(ROUNDER))),
    set(w.fn, f32x4.sub(get(w.fn), k4(ROUNDER))),
    // r = x − n·ln2 in two steps
    set(w.r, f32x4.sub(get(w.r), f32x4.mul(get(w.fn), k4(LN2_HI)))),
    set(w.r, f32x4.sub(get(w.r), f32x4.mul(get(w.fn), k4(LN2_LO)))),
    // e^r ≈ 1 + r·q(r)
    set(w.q, f32x4.add(k4(1), f32x4.mul(get(w.r), horner(EXP_Q, w.r)))),
    // 2^n = 2^n1 · 2^n2, n1 = n >> 1, n2 = n − n1; 2^k has the bits (k + 127) << 23
    set(w.n1, i32x4.shr_s(get(w.ni), c32(1))),
    set(w.ni, i32x4.sub(get(w.ni), get(w.n1))),
    set(out, f32x4.mul(
      f32x4.mul(get(w.q), i32x4.shl(i32x4.add(get(w.n1), i32x4.splat(c32(127))), c32(23))),
      i32x4.shl(i32x4.add(get(w.ni), i32x4.splat(c32(127))), c32(23)),
    )),
  ];
}

/** out ← σ(x), x a local (may be out). */
function sigmoidInto(out: Local, x: Local, w: Tmp): Code {
  return [
    expInto(w.t, f32x4.neg(f32x4.abs(get(x))), w), // t = e^−|x| ∈ [0, 1]
    // (x ≥ 0 ? 1 : t) / (1 + t); NaN: the comparison is false, t is NaN
    set(out, f32x4.div(v128.bitselect(k4(1), get(w.t), f32x4.ge(get(x), v128.zero())), f32x4.add(k4(1), get(w.t)))),
  ];
}

/** out ← tanh(x), x a local (may be out). */
function tanhInto(out: Local, x: Local, w: Tmp): Code {
  return [
    set(w.a, f32x4.abs(get(x))),
    // large |x|: (1 − e^−2a)/(1 + e^−2a)
    expInto(w.t, f32x4.mul(get(w.a), k4(-2)), w),
    set(w.t, f32x4.div(f32x4.sub(k4(1), get(w.t)), f32x4.add(k4(1), get(w.t)))),
    // small |x|: a + a·s·P(s), s = a²
    set(w.u, f32x4.mul(get(w.a), get(w.a))),
    set(w.u, f32x4.add(get(w.a), f32x4.mul(f32x4.mul(get(w.a), get(w.u)), horner(TANH_P, w.u)))),
    set(w.t, v128.bitselect(get(w.u), get(w.t), f32x4.lt(get(w.a), k4(TANH_SMALL)))),
    // the sign of x (t ≥ 0, or NaN)
    set(out, v128.or(get(w.t), v128.and(get(x), i32x4.splat(c32(-0x80000000))))),
  ];
}

type Body = (v: Local, w: Tmp) => Code;

/**
 * `name`(p, n, rows, ld): v ← body(v) in place over rows × n floats.
 * The tail of each row (n mod 4) goes through the same vector body lane by lane.
 */
function mapKernel(name: string, body: Body): Func {
  const f = new Func(name, [['p', 'i32'], ['n', 'i32'], ['rows', 'i32'], ['ld', 'i32']]);
  const [p, n, rows, ld] = f.params as [Local, Local, Local, Local];
  const q = f.local('i32', 'q');
  const i = f.local('i32', 'i');
  const v = f.local('v128', 'v');
  const w = tmps(f);
  return f.code(
    block('done', loop('rows',
      br_if('done', i32.le_s(get(rows), c32(0))),
      set(q, get(p)),
      set(i, get(n)),
      block('vecDone', loop('vec',
        br_if('vecDone', i32.lt_s(get(i), c32(4))),
        set(v, v128.load(get(q))),
        body(v, w),
        v128.store(get(q), get(v)),
        addI(q, 16),
        set(i, i32.sub(get(i), c32(4))),
        br('vec'),
      )),
      if_(i32.gt_s(get(i), c32(0)), [
        set(v, f32x4.splat(f32.load(get(q)))),
        if_(i32.gt_s(get(i), c32(1)), set(v, f32x4.replace_lane(get(v), 1, f32.load(get(q), 4)))),
        if_(i32.gt_s(get(i), c32(2)), set(v, f32x4.replace_lane(get(v), 2, f32.load(get(q), 8)))),
        body(v, w),
        f32.store(get(q), f32x4.extract_lane(get(v), 0)),
        if_(i32.gt_s(get(i), c32(1)), f32.store(get(q), f32x4.extract_lane(get(v), 1), 4)),
        if_(i32.gt_s(get(i), c32(2)), f32.store(get(q), f32x4.extract_lane(get(v), 2), 8)),
      ]),
      addI(p, get(ld)),
      set(rows, i32.sub(get(rows), c32(1))),
      br('rows'),
    )),
  );
}

/** `rowMax`(p, n) → f32, n ≥ 1. */
function rowMaxKernel(): Func {
  const f = new Func('rowMax', [['p', 'i32'], ['n', 'i32']], ['f32']);
  const [p, n] = f.params as [Local, Local];
  const m = f.local('v128', 'm');
  const i = f.local('i32', 'i');
  const x = f.local('f32', 'x');
  return f.code(
    // start from the first element in every lane (then any tail can be padded with it)
    set(m, v128.load32_splat(get(p))),
    set(i, get(n)),
    block('vecDone', loop('vec',
      br_if('vecDone', i32.lt_s(get(i), c32(4))),
      set(m, f32x4.pmax(get(m), v128.load(get(p)))),
      addI(p, 16),
      set(i, i32.sub(get(i), c32(4))),
      br('vec'),
    )),
    set(m, f32x4.pmax(get(m), f32x4.shuffle(get(m), get(m), [2, 3, 0, 1]))),
    set(m, f32x4.pmax(get(m), f32x4.shuffle(get(m), get(m), [1, 0, 3, 2]))),
    set(x, f32x4.extract_lane(get(m), 0)),
    block('tailDone', loop('tail',
      br_if('tailDone', i32.le_s(get(i), c32(0))),
      set(x, f32.max(get(x), f32.load(get(p)))),
      addI(p, 4),
      set(i, i32.sub(get(i), c32(1))),
      br('tail'),
    )),
    get(x),
  );
}

/** `expSum`(src, dst, n, shift, k, store) → f64: Σ exp((src_i − shift)·k), written to dst if store ≠ 0. */
function expSumKernel(): Func {
  const f = new Func('expSum', [['src', 'i32'], ['dst', 'i32'], ['n', 'i32'], ['shift', 'f32'], ['k', 'f32'], ['store', 'i32']], ['f64']);
  const [src, dst, n, shift, kk, store] = f.params as [Local, Local, Local, Local, Local, Local];
  const i = f.local('i32', 'i');
  const vs = f.local('v128', 'vs');
  const vk = f.local('v128', 'vk');
  const e = f.local('v128', 'e');
  const s0 = f.local('v128', 's0');
  const s1 = f.local('v128', 's1');
  const w = tmps(f);
  const s = f.local('f64', 's');

  const expOf = (x: Code): Code => expInto(e, f32x4.mul(f32x4.sub(x, get(vs)), get(vk)), w);
  const vecLoop = (write: boolean): Code => [
    set(i, get(n)),
    block('vecDone', loop('vec',
      br_if('vecDone', i32.lt_s(get(i), c32(4))),
      expOf(v128.load(get(src))),
      write ? v128.store(get(dst), get(e)) : [],
      set(s0, f64x2.add(get(s0), f64x2.promote_low_f32x4(get(e)))),
      set(s1, f64x2.add(get(s1), f64x2.promote_low_f32x4(f32x4.shuffle(get(e), get(e), [2, 3, 2, 3])))),
      addI(src, 16),
      addI(dst, 16),
      set(i, i32.sub(get(i), c32(4))),
      br('vec'),
    )),
  ];
  /** The lanes < i of the tail vector: add to s and store. */
  const tailLane = (l: number): Code => if_(i32.gt_s(get(i), c32(l)), [
    set(s, f64.add(get(s), f64.promote_f32(f32x4.extract_lane(get(e), l)))),
    if_(get(store), f32.store(get(dst), f32x4.extract_lane(get(e), l), 4 * l)),
  ]);

  return f.code(
    set(vs, f32x4.splat(get(shift))),
    set(vk, f32x4.splat(get(kk))),
    set(s0, v128.zero()),
    set(s1, v128.zero()),
    if_(get(store), vecLoop(true), vecLoop(false)),
    set(s0, f64x2.add(get(s0), get(s1))),
    set(s, f64.add(f64x2.extract_lane(get(s0), 0), f64x2.extract_lane(get(s0), 1))),
    if_(i32.gt_s(get(i), c32(0)), [
      set(w.u, f32x4.splat(f32.load(get(src)))),
      if_(i32.gt_s(get(i), c32(1)), set(w.u, f32x4.replace_lane(get(w.u), 1, f32.load(get(src), 4)))),
      if_(i32.gt_s(get(i), c32(2)), set(w.u, f32x4.replace_lane(get(w.u), 2, f32.load(get(src), 8)))),
      expOf(get(w.u)),
      tailLane(0), tailLane(1), tailLane(2),
    ]),
    get(s),
  );
}

/** `scale`(p, n, k): p_i ← k·p_i. */
function scaleKernel(): Func {
  const f = new Func('scale', [['p', 'i32'], ['n', 'i32'], ['k', 'f32']]);
  const [p, n, kk] = f.params as [Local, Local, Local];
  const vk = f.local('v128', 'vk');
  const i = f.local('i32', 'i');
  return f.code(
    set(vk, f32x4.splat(get(kk))),
    set(i, get(n)),
    block('vecDone', loop('vec',
      br_if('vecDone', i32.lt_s(get(i), c32(4))),
      v128.store(get(p), f32x4.mul(v128.load(get(p)), get(vk))),
      addI(p, 16),
      set(i, i32.sub(get(i), c32(4))),
      br('vec'),
    )),
    block('tailDone', loop('tail',
      br_if('tailDone', i32.le_s(get(i), c32(0))),
      f32.store(get(p), f32.mul(f32.load(get(p)), get(kk))),
      addI(p, 4),
      set(i, i32.sub(get(i), c32(1))),
      br('tail'),
    )),
  );
}

/**
 * `lstmFwd`(px, pc, pcp, pcc, ph, B, H, nv): the LSTM step forward on the
 * first 4·nv units of B rows (the caller does the H mod 4 others). Byte
 * addresses: px = the pre-activations (row stride 16H bytes: pre_u | pre_f |
 * pre_c̃ | pre_o), pc = row 0 of the cache (row stride 20H bytes: Γu | Γf | c̃ |
 * Γo | tanh c), pcp = c<t-1>, pcc = c<t>, ph = a<t> (row stride 4H bytes).
 *   Γu, Γf, Γo = σ(pre), c̃ = tanh(pre) into the cache; c = Γu·c̃ + Γf·c<t-1>;
 *   tanh(c) into the fifth block; a = Γo·tanh(c).
 */
function lstmForwardKernel(): Func {
  const f = new Func('lstmFwd', [['px', 'i32'], ['pc', 'i32'], ['pcp', 'i32'], ['pcc', 'i32'], ['ph', 'i32'], ['B', 'i32'], ['H', 'i32'], ['nv', 'i32']]);
  const [px, pc, pcp, pcc, ph, B, H, nv] = f.params as [Local, Local, Local, Local, Local, Local, Local, Local];
  const [x, u, fg, g, o, c] = ['x', 'u', 'fg', 'g', 'o', 'c'].map((n) => f.local('v128', n)) as [Local, Local, Local, Local, Local, Local];
  const w = tmps(f);
  return unitLoop(f, B, H, nv, [[px, 4], [pc, 5], [pcp, 1], [pcc, 1], [ph, 1]], ([qx, qc, qcp, qcc, qh], at) => {
    const gate = (k: number, out: Local, fn: typeof sigmoidInto): Code => [set(x, v128.load(at(qx!, k))), fn(out, x, w), v128.store(at(qc!, k), get(out))];
    return [
      gate(0, u, sigmoidInto),
      gate(1, fg, sigmoidInto),
      gate(2, g, tanhInto),
      gate(3, o, sigmoidInto),
      set(c, f32x4.add(f32x4.mul(get(u), get(g)), f32x4.mul(get(fg), v128.load(get(qcp!))))),
      v128.store(get(qcc!), get(c)),
      tanhInto(c, c, w),
      v128.store(at(qc!, 4), get(c)),
      v128.store(get(qh!), f32x4.mul(get(o), get(c))),
    ];
  });
}

/**
 * `lstmBwd`(pc, pcp, pdh, pdc, pdx, B, H, nv): the LSTM step backwards (no
 * peepholes) on the first 4·nv units of B rows. pc = the cache as `lstmFwd`
 * left it, pcp = c<t-1>, pdh = ∂a<t>, pdc = ∂c<t> in and ∂c<t-1> out (row
 * stride 4H bytes), pdx = ∂pre (row stride 16H bytes: u | f | c̃ | o). The
 * same products in the same order as the reference (`lstmBackwardUnits`).
 */
function lstmBackwardKernel(): Func {
  const f = new Func('lstmBwd', [['pc', 'i32'], ['pcp', 'i32'], ['pdh', 'i32'], ['pdc', 'i32'], ['pdx', 'i32'], ['B', 'i32'], ['H', 'i32'], ['nv', 'i32']]);
  const [pc, pcp, pdh, pdc, pdx, B, H, nv] = f.params as [Local, Local, Local, Local, Local, Local, Local, Local];
  const [u, fg, ct, o, tc, dh, dct] = ['u', 'fg', 'ct', 'o', 'tc', 'dh', 'dct'].map((n) => f.local('v128', n)) as [Local, Local, Local, Local, Local, Local, Local];
  const mul = f32x4.mul;
  const oneMinus = (a: Code): Code => f32x4.sub(k4(1), a);
  return unitLoop(f, B, H, nv, [[pc, 5], [pcp, 1], [pdh, 1], [pdc, 1], [pdx, 4]], ([qc, qcp, qdh, qdc, qdx], at) => [
    set(u, v128.load(at(qc!, 0))), set(fg, v128.load(at(qc!, 1))), set(ct, v128.load(at(qc!, 2))),
    set(o, v128.load(at(qc!, 3))), set(tc, v128.load(at(qc!, 4))),
    set(dh, v128.load(get(qdh!))),
    // ∂pre_o = ∂a·tanh c·Γo·(1 − Γo);  ∂c = ∂c<t> + ∂a·Γo·(1 − tanh²c)
    v128.store(at(qdx!, 3), mul(mul(mul(get(dh), get(tc)), get(o)), oneMinus(get(o)))),
    set(dct, f32x4.add(v128.load(get(qdc!)), mul(mul(get(dh), get(o)), oneMinus(mul(get(tc), get(tc)))))),
    // ∂pre_u = ∂c·c̃·Γu·(1 − Γu);  ∂pre_f = ∂c·c<t-1>·Γf·(1 − Γf);  ∂pre_c̃ = ∂c·Γu·(1 − c̃²)
    v128.store(at(qdx!, 0), mul(mul(mul(get(dct), get(ct)), get(u)), oneMinus(get(u)))),
    v128.store(at(qdx!, 1), mul(mul(mul(get(dct), v128.load(get(qcp!))), get(fg)), oneMinus(get(fg)))),
    v128.store(at(qdx!, 2), mul(mul(get(dct), get(u)), oneMinus(mul(get(ct), get(ct))))),
    // ∂c<t-1> = ∂c·Γf
    v128.store(get(qdc!), mul(get(dct), get(fg))),
  ]);
}

/**
 * The GRU step, on the first 4·nv units of B rows (byte addresses; row
 * strides: px, pdx 12H bytes: pre (or ∂pre) r | u | c̃; pc 16H: Γr | Γu | c̃ |
 * Γr·c<t-1>; php = c<t-1>, phc = c<t>, pdhc = ∂c<t>, pdhp = ∂c<t-1>, pdr =
 * ∂(Γr·c<t-1>): 4H). The same operations in the same order as the reference
 * (`gruGatesUnits` … in elementwise.ts), in float32.
 * `gruGates`(px, pc, php, B, H, nv): Γr = σ, Γu = σ, Γr·c<t-1> into the cache.
 */
function gruGatesKernel(): Func {
  const f = new Func('gruGates', [['px', 'i32'], ['pc', 'i32'], ['php', 'i32'], ['B', 'i32'], ['H', 'i32'], ['nv', 'i32']]);
  const [px, pc, php, B, H, nv] = f.params as [Local, Local, Local, Local, Local, Local];
  const [x, r] = ['x', 'r'].map((n) => f.local('v128', n)) as [Local, Local];
  const w = tmps(f);
  return unitLoop(f, B, H, nv, [[px, 3], [pc, 4], [php, 1]], ([qx, qc, qhp], at) => [
    set(x, v128.load(at(qx!, 0))), sigmoidInto(r, x, w), v128.store(at(qc!, 0), get(r)),
    v128.store(at(qc!, 3), f32x4.mul(get(r), v128.load(get(qhp!)))),
    set(x, v128.load(at(qx!, 1))), sigmoidInto(x, x, w), v128.store(at(qc!, 1), get(x)),
  ]);
}

/** `gruOut`(px, pc, php, phc, B, H, nv): c̃ = tanh(pre_c̃) into the cache; c<t> = Γu·c̃ + (1 − Γu)·c<t-1>. */
function gruOutputKernel(): Func {
  const f = new Func('gruOut', [['px', 'i32'], ['pc', 'i32'], ['php', 'i32'], ['phc', 'i32'], ['B', 'i32'], ['H', 'i32'], ['nv', 'i32']]);
  const [px, pc, php, phc, B, H, nv] = f.params as [Local, Local, Local, Local, Local, Local, Local];
  const [ct, u] = ['ct', 'u'].map((n) => f.local('v128', n)) as [Local, Local];
  const w = tmps(f);
  return unitLoop(f, B, H, nv, [[px, 3], [pc, 4], [php, 1], [phc, 1]], ([qx, qc, qhp, qhc], at) => [
    set(ct, v128.load(at(qx!, 2))), tanhInto(ct, ct, w), v128.store(at(qc!, 2), get(ct)),
    set(u, v128.load(at(qc!, 1))),
    v128.store(get(qhc!), f32x4.add(f32x4.mul(get(u), get(ct)), f32x4.mul(f32x4.sub(k4(1), get(u)), v128.load(get(qhp!))))),
  ]);
}

/** `gruBackU`(pc, php, pdhc, pdhp, pdx, B, H, nv): ∂pre_u, ∂pre_c̃; ∂c<t-1> += ∂c<t>·(1 − Γu). */
function gruBackUpdateKernel(): Func {
  const f = new Func('gruBackU', [['pc', 'i32'], ['php', 'i32'], ['pdhc', 'i32'], ['pdhp', 'i32'], ['pdx', 'i32'], ['B', 'i32'], ['H', 'i32'], ['nv', 'i32']]);
  const [pc, php, pdhc, pdhp, pdx, B, H, nv] = f.params as [Local, Local, Local, Local, Local, Local, Local, Local];
  const [u, ct, dh] = ['u', 'ct', 'dh'].map((n) => f.local('v128', n)) as [Local, Local, Local];
  const mul = f32x4.mul;
  const oneMinus = (a: Code): Code => f32x4.sub(k4(1), a);
  return unitLoop(f, B, H, nv, [[pc, 4], [php, 1], [pdhc, 1], [pdhp, 1], [pdx, 3]], ([qc, qhp, qdhc, qdhp, qdx], at) => [
    set(u, v128.load(at(qc!, 1))), set(ct, v128.load(at(qc!, 2))), set(dh, v128.load(get(qdhc!))),
    v128.store(at(qdx!, 1), mul(mul(mul(get(dh), f32x4.sub(get(ct), v128.load(get(qhp!)))), get(u)), oneMinus(get(u)))),
    v128.store(at(qdx!, 2), mul(mul(get(dh), get(u)), oneMinus(mul(get(ct), get(ct))))),
    v128.store(get(qdhp!), f32x4.add(v128.load(get(qdhp!)), mul(get(dh), oneMinus(get(u))))),
  ]);
}

/** `gruBackR`(pc, php, pdr, pdhp, pdx, B, H, nv): ∂pre_r = drh·c<t-1>·Γr·(1 − Γr); ∂c<t-1> += drh·Γr. */
function gruBackResetKernel(): Func {
  const f = new Func('gruBackR', [['pc', 'i32'], ['php', 'i32'], ['pdr', 'i32'], ['pdhp', 'i32'], ['pdx', 'i32'], ['B', 'i32'], ['H', 'i32'], ['nv', 'i32']]);
  const [pc, php, pdr, pdhp, pdx, B, H, nv] = f.params as [Local, Local, Local, Local, Local, Local, Local, Local];
  const [gr, dr] = ['gr', 'dr'].map((n) => f.local('v128', n)) as [Local, Local];
  const mul = f32x4.mul;
  return unitLoop(f, B, H, nv, [[pc, 4], [php, 1], [pdr, 1], [pdhp, 1], [pdx, 3]], ([qc, qhp, qdr, qdhp, qdx], at) => [
    set(gr, v128.load(at(qc!, 0))), set(dr, v128.load(get(qdr!))),
    v128.store(at(qdx!, 0), mul(mul(mul(get(dr), v128.load(get(qhp!))), get(gr)), f32x4.sub(k4(1), get(gr)))),
    v128.store(get(qdhp!), f32x4.add(v128.load(get(qdhp!)), mul(get(dr), get(gr)))),
  ]);
}

/**
 * The loop of the cell step kernels: B rows, and in each the first nv groups
 * of 4 units. `streams`: [pointer parameter, its row stride in blocks of H
 * floats]; each gets a cursor local, set to the row's start, moved 16 bytes
 * per group, the parameter then moved one row. `body(cursors, at)` computes
 * one group; at(q, k) is the address k blocks of H floats after cursor q.
 * Returns `f` with that loop as its body.
 */
function unitLoop(f: Func, B: Local, H: Local, nv: Local, streams: ReadonlyArray<readonly [Local, number]>, body: (q: Local[], at: (q: Local, k: number) => Code) => Code): Func {
  const hb: Local[] = [];
  for (const k of [1, 2, 3, 4, 5]) hb[k] = f.local('i32', `hb${k}`);
  const cursors = streams.map((_, i) => f.local('i32', `q${i}`));
  const v = f.local('i32', 'v');
  const at = (q: Local, k: number): Code => (k === 0 ? get(q) : i32.add(get(q), get(hb[k]!)));
  return f.code(
    [1, 2, 3, 4, 5].map((k) => set(hb[k]!, i32.mul(get(H), c32(4 * k)))), // hb[k] = k·4H bytes: k blocks of H floats
    block('done', loop('rows',
      br_if('done', i32.le_s(get(B), c32(0))),
      streams.map(([p], i) => set(cursors[i]!, get(p))),
      set(v, get(nv)),
      block('vecDone', loop('vec',
        br_if('vecDone', i32.le_s(get(v), c32(0))),
        body(cursors, at),
        cursors.map((q) => addI(q, 16)),
        set(v, i32.sub(get(v), c32(1))),
        br('vec'),
      )),
      streams.map(([p, blocks]) => addI(p, get(hb[blocks]!))),
      set(B, i32.sub(get(B), c32(1))),
      br('rows'),
    )),
  );
}

/**
 * `addRows`(pd, ps, pi, rows, width): for r < rows with y = idx[r] ≥ 0 (idx:
 * Int32 at pi), d(y, ·) += s(r, ·) over `width` floats; rows of both are
 * 4·width bytes apart, d at pd, s at ps. Four lanes at a time, then the
 * width mod 4 last ones one by one: float32 additions, as the reference's.
 */
function addRowsKernel(): Func {
  const f = new Func('addRows', [['pd', 'i32'], ['ps', 'i32'], ['pi', 'i32'], ['rows', 'i32'], ['width', 'i32']]);
  const [pd, ps, pi, rows, width] = f.params as [Local, Local, Local, Local, Local];
  const [rowBytes, y, q, s, j] = ['rowBytes', 'y', 'q', 's', 'j'].map((n) => f.local('i32', n)) as [Local, Local, Local, Local, Local];
  return f.code(
    set(rowBytes, i32.shl(get(width), c32(2))),
    block('done', loop('rows',
      br_if('done', i32.le_s(get(rows), c32(0))),
      set(y, i32.load(get(pi))),
      if_(i32.ge_s(get(y), c32(0)), [
        set(q, i32.add(get(pd), i32.mul(get(y), get(rowBytes)))),
        set(s, get(ps)),
        set(j, get(width)),
        block('vecDone', loop('vec',
          br_if('vecDone', i32.lt_s(get(j), c32(4))),
          v128.store(get(q), f32x4.add(v128.load(get(q)), v128.load(get(s)))),
          addI(q, 16), addI(s, 16),
          set(j, i32.sub(get(j), c32(4))),
          br('vec'),
        )),
        block('tailDone', loop('tail',
          br_if('tailDone', i32.le_s(get(j), c32(0))),
          f32.store(get(q), f32.add(f32.load(get(q)), f32.load(get(s)))),
          addI(q, 4), addI(s, 4),
          set(j, i32.sub(get(j), c32(1))),
          br('tail'),
        )),
      ]),
      addI(ps, get(rowBytes)),
      addI(pi, 4),
      set(rows, i32.sub(get(rows), c32(1))),
      br('rows'),
    )),
  );
}

/** Names of the exported functions. */
export const ELEMENTWISE_NAMES = ['sigmoid', 'tanh', 'exp', 'rowMax', 'expSum', 'scale', 'lstmFwd', 'lstmBwd', 'gruGates', 'gruOut', 'gruBackU', 'gruBackR', 'addRows'] as const;

/** Build the module bytes; it imports its memory as `env.memory` with the given limits. */
export function buildElementwiseModule(memory: Omit<MemoryImport, 'module' | 'name'>): Uint8Array {
  const funcs = [
    mapKernel('sigmoid', (v, w) => sigmoidInto(v, v, w)),
    mapKernel('tanh', (v, w) => tanhInto(v, v, w)),
    mapKernel('exp', (v, w) => expInto(v, get(v), w)),
    rowMaxKernel(),
    expSumKernel(),
    scaleKernel(),
    lstmForwardKernel(),
    lstmBackwardKernel(),
    gruGatesKernel(),
    gruOutputKernel(),
    gruBackUpdateKernel(),
    gruBackResetKernel(),
    addRowsKernel(),
  ];
  return assembleModule({ module: 'env', name: 'memory', ...memory }, funcs);
}

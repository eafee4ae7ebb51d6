/**
 * The LSTM cell (src/core/cells/lstm.ts), without and with peepholes:
 *  (a) forward against the textbook, backward against finite differences,
 *      backward adds into the gradients, and the float32 forward on the
 *      WebAssembly backend against the float64 reference
 *      (test/helpers/cell-checks.ts says how each is checked);
 *  (b) its fused element-wise step: the WebAssembly backend's `steps.lstm`
 *      against the reference step of the cell file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sigmoid } from '../../../src/core/elementwise.js';
import { referenceLstmSteps } from '../../../src/core/cells/lstm.js';
import { createRng } from '../../../src/core/rng.js';
import { createWasmKernels } from '../../../src/core/wasm/wasm-kernels.js';
import { backwardAdds, backwardMatchesFiniteDifferences, fastForwardMatchesReference, forwardMatchesTextbook, variantName } from '../../helpers/cell-checks.js';
import { BOUND, u } from '../../helpers/float32.js';

const kind = 'lstm';
/** The WebAssembly backend these tests compare with the reference. */
const wasm = createWasmKernels();
const W = (): NonNullable<typeof wasm> => {
  assert.ok(wasm, 'WebAssembly SIMD is available on Node 20');
  return wasm;
};

// ------------------------------------------------------------ (a) the cell

for (const peephole of [false, true]) {
  const name = variantName(kind, peephole);

  test(`${name}: forward matches the textbook equations`, () => forwardMatchesTextbook(kind, peephole));

  test(`${name}: backward matches finite differences`, () => backwardMatchesFiniteDifferences(kind, peephole));

  test(`${name}: backward adds into the gradients (two passes over one window: twice the gradient)`, () => backwardAdds(kind, peephole));

  test(`${name}: float32 forward with the fast kernels matches the float64 reference forward (relative error < 1e-5)`, () =>
    fastForwardMatchesReference(kind, peephole, wasm));
}

// ------------------------------------------------------------ (b) the fused step

/**
 * The WebAssembly backend's LSTM step (`steps.lstm`: forward, backward)
 * against the float64 reference step (`referenceLstmSteps`) on the same
 * float32 inputs, element by element, for H with and without a tail
 * (H mod 4 ≠ 0: those units go through the reference) and offsets that are
 * not multiples of 4.
 *
 * Bounds. Backward: every output is an expression of + − × over exact inputs;
 * evaluated in float32 with at most n ≤ 7 roundings on any path, its error is
 * within γ_n·|expr|abs (Higham, Ch. 3), |expr|abs being the expression with
 * every input replaced by its absolute value and every − by +; γ_7 < 7.01u,
 * and 8u is asserted. Forward: the gates carry the σ/tanh bounds (4.7u, `BOUND`);
 * c = fl(fl(Γu·c̃) + fl(Γf·c<t-1>)) is then within (4.7u + 4.7u + 2u)·|Γu·c̃| +
 * (4.7u + 2u)·|Γf·c<t-1>| (12u·(|Γu·c̃| + |Γf·c<t-1>|) asserted); tanh c adds its
 * own 4.7u·|tanh c| to the error of c (|tanh'| ≤ 1); a = fl(Γo·tanh c) adds
 * Γo's 4.7u and one rounding: |Γo|·err(tanh c) + 5.7u·|a|.
 */
function lstmStepCase(B: number, H: number, seed: number) {
  const rng = createRng(seed);
  const r = (lo: number, hi: number) => Math.fround(lo + (hi - lo) * rng.uniform());
  const off = 5 * H + 3, cPrev = 2, cCur = 2 + B * H + 1, hCur = 5, dOff = 1, xOff = 2;
  const sizes = { cache: off + B * 5 * H + 2, cs: cCur + B * H + 2, hs: hCur + B * H + 1, dc: B * H, dxp: dOff + B * 4 * H + 3, xp: xOff + B * 4 * H + 1 };
  const cache = Float64Array.from({ length: sizes.cache }, () => r(-6, 6));
  const xp = Float64Array.from({ length: sizes.xp }, () => r(-6, 6)); // the pre-activations
  const cs = Float64Array.from({ length: sizes.cs }, () => r(-3, 3));
  const dhs = Float64Array.from({ length: sizes.hs }, () => r(-2, 2));
  const dc = Float64Array.from({ length: sizes.dc }, () => r(-2, 2));
  return { B, H, off, cPrev, cCur, hCur, dOff, xOff, sizes, cache, cs, dhs, dc, xp };
}

for (const [B, H] of [[1, 4], [3, 8], [2, 13], [4, 3], [1, 1], [5, 32]] as const) {
  test(`LSTM step forward/backward (B = ${B}, H = ${H}): WebAssembly within the derived bounds of float64`, () => {
    const w = W();
    const S = w.steps.lstm;
    assert.ok(S, 'the WebAssembly backend registers an LSTM step');
    const c = lstmStepCase(B, H, 1000 * B + H);
    const f32 = (src: Float64Array) => { const a = w.alloc(src.length); a.set(src); return a; };
    const f64 = (src: ArrayLike<number>) => Float64Array.from(src);
    const mk = (arr: (src: Float64Array) => Float32Array | Float64Array, hsLen: number, dxpLen: number) => ({
      B, H, off: c.off, cPrev: c.cPrev, cCur: c.cCur, hCur: c.hCur, dOff: c.dOff, peep: null, dpeep: null, xOff: c.xOff, xp: arr(c.xp),
      cache: arr(c.cache), cs: arr(c.cs), hs: arr(new Float64Array(hsLen)), dhs: arr(c.dhs), dc: arr(c.dc), dxp: arr(new Float64Array(dxpLen)),
    });
    const fast = mk(f32, c.sizes.hs, c.sizes.dxp);
    const ref = mk(f64, c.sizes.hs, c.sizes.dxp);
    S.forward(fast);
    referenceLstmSteps.forward(ref);
    const W5 = 5 * H;
    const pre = c.xp; // the pre-activations both started from
    for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) {
      const at = c.off + b * W5 + j;
      const check = (what: string, got: number, want: number, bound: number) =>
        assert.ok(Math.abs(got - want) <= bound, `${what} b=${b} j=${j}: ${got} vs ${want}, |error| ${Math.abs(got - want)} > ${bound}`);
      const px = c.xOff + b * 4 * H + j;
      for (const [k, fn, e] of [[0, sigmoid, BOUND.sigmoid], [1, sigmoid, BOUND.sigmoid], [2, Math.tanh, BOUND.tanh], [3, sigmoid, BOUND.sigmoid]] as const) {
        check(`gate ${k}`, fast.cache[at + k * H]!, fn(pre[px + k * H]!), e * Math.abs(fn(pre[px + k * H]!)));
      }
      const gu = ref.cache[at]!, gf = ref.cache[at + H]!, gc = ref.cache[at + 2 * H]!, go = ref.cache[at + 3 * H]!;
      const cp = c.cs[c.cPrev + b * H + j]!;
      const eC = 12 * u * (Math.abs(gu * gc) + Math.abs(gf * cp));
      check('c<t>', fast.cs[c.cCur + b * H + j]!, ref.cs[c.cCur + b * H + j]!, eC);
      const tc = ref.cache[at + 4 * H]!;
      const eT = eC + BOUND.tanh * Math.abs(tc);
      check('tanh c<t>', fast.cache[at + 4 * H]!, tc, eT);
      check('a<t>', fast.hs[c.hCur + b * H + j]!, ref.hs[c.hCur + b * H + j]!, Math.abs(go) * eT + (BOUND.sigmoid + u) * Math.abs(go * tc) + 1e-300);
    }
    assert.ok(w.owns(fast.cache) && fast.cache instanceof Float32Array, 'the WebAssembly path ran');

    // backward from the same float32 cache (the fast forward's) for both
    const cache32 = f64(fast.cache);
    const bFast = { ...mk(f32, c.sizes.hs, c.sizes.dxp), cache: f32(cache32) };
    const bRef = { ...mk(f64, c.sizes.hs, c.sizes.dxp), cache: f64(cache32) };
    S.backward(bFast);
    referenceLstmSteps.backward(bRef);
    const G = 4 * H;
    for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) {
      const at = c.off + b * W5 + j;
      const [gu, gf, gc, go, tc] = [0, 1, 2, 3, 4].map((k) => Math.abs(cache32[at + k * H]!)) as [number, number, number, number, number];
      const cp = Math.abs(c.cs[c.cPrev + b * H + j]!), dh = Math.abs(c.dhs[c.hCur + b * H + j]!), dcIn = Math.abs(c.dc[b * H + j]!);
      // |expr|abs of each output (− → +)
      const dct = dcIn + dh * go * (1 + tc * tc);
      const abs = [dct * gc * gu * (1 + gu), dct * cp * gf * (1 + gf), dct * gu * (1 + gc * gc), dh * tc * go * (1 + go)];
      for (let k = 0; k < 4; k++) {
        const i = c.dOff + b * G + k * H + j;
        const err = Math.abs(bFast.dxp[i]! - bRef.dxp[i]!);
        assert.ok(err <= 8 * u * abs[k]!, `∂pre block ${k} b=${b} j=${j}: ${bFast.dxp[i]} vs ${bRef.dxp[i]}, |error| ${err} > ${8 * u * abs[k]!}`);
      }
      const err = Math.abs(bFast.dc[b * H + j]! - bRef.dc[b * H + j]!);
      assert.ok(err <= 8 * u * dct * gf, `∂c<t-1> b=${b} j=${j}: |error| ${err} > ${8 * u * dct * gf}`);
    }
    // nothing outside the step's blocks was written
    const outside = (got: ArrayLike<number>, want: ArrayLike<number>, lo: number, hi: number, what: string) => {
      for (let i = 0; i < want.length; i++) if (i < lo || i >= hi) assert.equal(got[i], want[i], `${what}[${i}] outside the step changed`);
    };
    outside(fast.cs, f64(Float32Array.from(c.cs)), c.cCur, c.cCur + B * H, 'cs');
    outside(bFast.dxp, new Float64Array(c.sizes.dxp), c.dOff, c.dOff + B * G, 'dxp');
  });
}

test('LSTM step backward with peepholes, or on arrays the fast path does not own: exactly the reference', () => {
  const w = W();
  const S = w.steps.lstm;
  assert.ok(S, 'the WebAssembly backend registers an LSTM step');
  const B = 3, H = 8;
  const c = lstmStepCase(B, H, 5);
  const rng = createRng(6);
  const peep = Float64Array.from({ length: 3 * H }, () => Math.fround(rng.uniform() - 0.5));
  const build = (arr: (src: ArrayLike<number>) => Float32Array) => ({
    B, H, off: c.off, cPrev: c.cPrev, cCur: c.cCur, hCur: c.hCur, dOff: c.dOff, xOff: c.xOff, xp: arr(c.xp),
    cache: arr(c.cache), cs: arr(c.cs), hs: arr(new Float64Array(c.sizes.hs)), dhs: arr(c.dhs), dc: arr(c.dc),
    dxp: arr(new Float64Array(c.sizes.dxp)), peep: arr(peep), dpeep: arr(new Float64Array(3 * H)),
  });
  const owned = build((src) => { const a = w.alloc(src.length); a.set(src); return a; });
  const plain = build((src) => Float32Array.from(src));
  S.backward(owned);
  referenceLstmSteps.backward(plain);
  assert.deepEqual(owned.dxp, plain.dxp);
  assert.deepEqual(owned.dc, plain.dc);
  assert.deepEqual(owned.dpeep, plain.dpeep);
  // and a forward on ordinary Float32Arrays
  const a = build((src) => Float32Array.from(src)), b = build((src) => Float32Array.from(src));
  S.forward(a);
  referenceLstmSteps.forward(b);
  assert.deepEqual(a.cache, b.cache);
  assert.deepEqual(a.hs, b.hs);
});

/**
 * The full GRU cell (src/core/cells/gru.ts):
 *  (a) forward against the textbook, backward against finite differences,
 *      backward adds into the gradients, and the float32 forward on the
 *      WebAssembly backend against the float64 reference
 *      (test/helpers/cell-checks.ts says how each is checked);
 *  (b) its element-wise steps: the WebAssembly backend's `steps.gru` against
 *      the reference steps of the cell file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sigmoid } from '../../../src/core/elementwise.js';
import { referenceGruSteps } from '../../../src/core/cells/gru.js';
import { createRng } from '../../../src/core/rng.js';
import { createWasmKernels } from '../../../src/core/wasm/wasm-kernels.js';
import { backwardAdds, backwardMatchesFiniteDifferences, fastForwardMatchesReference, forwardMatchesTextbook, variantName } from '../../helpers/cell-checks.js';
import { BOUND, u } from '../../helpers/float32.js';

const kind = 'gru';
const name = variantName(kind, false);
/** The WebAssembly backend these tests compare with the reference. */
const wasm = createWasmKernels();
const W = (): NonNullable<typeof wasm> => {
  assert.ok(wasm, 'WebAssembly SIMD is available on Node 20');
  return wasm;
};

// ------------------------------------------------------------ (a) the cell

test(`${name}: forward matches the textbook equations`, () => forwardMatchesTextbook(kind, false));

test(`${name}: backward matches finite differences`, () => backwardMatchesFiniteDifferences(kind, false));

test(`${name}: backward adds into the gradients (two passes over one window: twice the gradient)`, () => backwardAdds(kind, false));

test(`${name}: float32 forward with the fast kernels matches the float64 reference forward (relative error < 1e-5)`, () =>
  fastForwardMatchesReference(kind, false, wasm));

// ------------------------------------------------------------ (b) the steps

/**
 * The WebAssembly backend's GRU steps (`steps.gru`: gates, output, backUpdate,
 * backReset) against the float64 reference steps (`referenceGruSteps`) on the
 * same float32 inputs, element by element, with and without a tail
 * (H mod 4 ≠ 0) and offsets that are not multiples of 4.
 * Bounds, derived as for the LSTM step (u = 2⁻²⁴, σ and tanh within 4.7u):
 *  Γr, Γu, c̃: their function's bound.
 *  Γr·c<t-1>: Γr's 4.7u plus one rounding: 5.7u·|Γr·c<t-1>| (6u asserted).
 *  c<t> = Γu·c̃ + (1 − Γu)·c<t-1>: Γu's error enters both terms (4.7u·|Γu|·(|c̃| +
 *    |c<t-1>|)), c̃'s 4.7u·|Γu·c̃|, and four roundings within γ₃ of the absolute
 *    terms: below 13u·(|Γu·c̃| + (|Γu| + |1 − Γu|)·|c<t-1>|) (asserted).
 *  Backward (same float32 inputs on both sides): γₙ·|expr|abs with n ≤ 6 roundings
 *    on any path, within 8u (asserted), |expr|abs the expression with absolute
 *    values and every − made +.
 */
for (const [B, H] of [[1, 4], [3, 8], [2, 13], [4, 3], [1, 1], [5, 32]] as const) {
  test(`GRU step (B = ${B}, H = ${H}): WebAssembly within the derived bounds of float64`, () => {
    const w = W();
    const S = w.steps.gru;
    assert.ok(S, 'the WebAssembly backend registers a GRU step');
    const rng = createRng(77 * B + H);
    const r = (lo: number, hi: number) => Math.fround(lo + (hi - lo) * rng.uniform());
    const BH = B * H, xOff = 3, off = 2, hPrev = 1, hCur = 1 + BH + 2, dOff = 5;
    const arr = (n: number, lo: number, hi: number) => Float64Array.from({ length: n }, () => r(lo, hi));
    const data = {
      xp: arr(xOff + 3 * BH + 1, -6, 6), cache: arr(off + 4 * BH + 2, -1, 1), hs: arr(hCur + BH + 1, -1, 1),
      dhs: arr(hCur + BH + 1, -2, 2), dxp: arr(dOff + 3 * BH + 2, -1, 1), drh: arr(BH, -2, 2),
    };
    const mk = (conv: (x: Float64Array) => Float32Array | Float64Array) => ({
      B, H, xOff, off, hPrev, hCur, dOff,
      xp: conv(data.xp), cache: conv(data.cache), hs: conv(data.hs), dhs: conv(data.dhs), dxp: conv(data.dxp), drh: conv(data.drh),
    });
    const f32 = (x: Float64Array) => { const a = w.alloc(x.length); a.set(x); return a; };
    const f64 = (x: ArrayLike<number>) => Float64Array.from(x);
    const fast = mk(f32), ref = mk(f64);
    S.gates(fast);
    referenceGruSteps.gates(ref);
    S.output(fast);
    referenceGruSteps.output(ref);
    const check = (what: string, got: number, want: number, bound: number) =>
      assert.ok(Math.abs(got - want) <= bound, `${what}: ${got} vs ${want}, |error| ${Math.abs(got - want)} > ${bound}`);
    for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) {
      const c = off + b * 4 * H + j, x = xOff + b * 3 * H + j, hp = data.hs[hPrev + b * H + j]!;
      const gr = sigmoid(data.xp[x]!), gu = sigmoid(data.xp[x + H]!), ct = Math.tanh(data.xp[x + 2 * H]!);
      check(`Γr b=${b} j=${j}`, fast.cache[c]!, gr, BOUND.sigmoid * gr);
      check(`Γu b=${b} j=${j}`, fast.cache[c + H]!, gu, BOUND.sigmoid * gu);
      check(`c̃ b=${b} j=${j}`, fast.cache[c + 2 * H]!, ct, BOUND.tanh * Math.abs(ct));
      check(`Γr·c b=${b} j=${j}`, fast.cache[c + 3 * H]!, gr * hp, 6 * u * Math.abs(gr * hp));
      check(`c<t> b=${b} j=${j}`, fast.hs[hCur + b * H + j]!, ref.hs[hCur + b * H + j]!, 13 * u * (Math.abs(gu * ct) + (Math.abs(gu) + Math.abs(1 - gu)) * Math.abs(hp)));
    }
    assert.ok(w.owns(fast.cache) && fast.cache instanceof Float32Array, 'the WebAssembly path ran');

    // backward from the same float32 cache (the fast forward's) on both sides
    const cache32 = f64(fast.cache);
    const bFast = { ...mk(f32), cache: f32(cache32) }, bRef = { ...mk(f64), cache: f64(cache32) };
    S.backUpdate(bFast);
    referenceGruSteps.backUpdate(bRef);
    S.backReset(bFast);
    referenceGruSteps.backReset(bRef);
    for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) {
      const c = off + b * 4 * H + j, d = dOff + b * 3 * H + j;
      const [gr, gu, ct] = [0, 1, 2].map((k) => Math.abs(cache32[c + k * H]!)) as [number, number, number];
      const hp = Math.abs(data.hs[hPrev + b * H + j]!), dh = Math.abs(data.dhs[hCur + b * H + j]!), dr = Math.abs(data.drh[b * H + j]!);
      const dhp0 = Math.abs(data.dhs[hPrev + b * H + j]!);
      const abs = { r: dr * hp * gr * (1 + gr), u: dh * (ct + hp) * gu * (1 + gu), c: dh * gu * (1 + ct * ct), dhp: dhp0 + dh * (1 + gu) + dr * gr };
      check(`∂pre_r b=${b} j=${j}`, bFast.dxp[d]!, bRef.dxp[d]!, 8 * u * abs.r);
      check(`∂pre_u b=${b} j=${j}`, bFast.dxp[d + H]!, bRef.dxp[d + H]!, 8 * u * abs.u);
      check(`∂pre_c̃ b=${b} j=${j}`, bFast.dxp[d + 2 * H]!, bRef.dxp[d + 2 * H]!, 8 * u * abs.c);
      check(`∂c<t-1> b=${b} j=${j}`, bFast.dhs[hPrev + b * H + j]!, bRef.dhs[hPrev + b * H + j]!, 8 * u * abs.dhp);
    }
    // ∂c<t> and everything outside the step's blocks untouched
    for (let i = 0; i < data.dhs.length; i++) if (i < hPrev || i >= hPrev + BH) assert.equal(bFast.dhs[i], Math.fround(data.dhs[i]!), `dhs[${i}]`);
    for (let i = 0; i < data.dxp.length; i++) if (i < dOff || i >= dOff + 3 * BH) assert.equal(bFast.dxp[i], Math.fround(data.dxp[i]!), `dxp[${i}]`);
  });
}

/**
 * The checks every cell's test file (test/core/cells/<kind>.test.ts) runs on
 * its cell, written once:
 *  (a) `forwardMatchesTextbook`: its forward agrees with the textbook
 *      equations written as scalar loops (naive.ts);
 *  (b) `backwardMatchesFiniteDifferences`: its backward agrees with central
 *      finite differences in float64 for every input (xp, a<0>, c<0>) and
 *      every recurrent parameter, with L = Σ_t a<t>·dout<t> (+ c<T>·dc for the LSTM);
 *  (c) `backwardAdds`: backward ADDS into the parameter gradients (they are
 *      zeroed once per step by their owner, never by a cell);
 *  (d) `fastForwardMatchesReference`: its forward in float32 with the
 *      WebAssembly backend against the float64 reference forward.
 */
import assert from 'node:assert/strict';
import { cells, type CellKind, type LayerParams } from '../../src/core/cells/index.js';
import { float64Backend, type Backend } from '../../src/core/backend.js';
import { referenceElementwise } from '../../src/core/elementwise.js';
import { createRng } from '../../src/core/rng.js';
import type { WasmKernels } from '../../src/core/wasm/wasm-kernels.js';
import { gradcheck, randomFill } from './gradcheck.js';
import { naiveStep } from './naive.js';

/** 'lstm with peepholes', 'gru', …: how the tests name a variant. */
export const variantName = (kind: CellKind, peephole: boolean): string => `${kind}${peephole ? ' with peepholes' : ''}`;

const T = 3, B = 2, H = 4, D = 3;

/** Random float64 parameters (W_ih, b_ih, b_hh only feed the textbook's input projection), inputs and upstream gradients. */
function setup(kind: CellKind, peephole: boolean, seed: number, t = T, b = B) {
  const cell = cells[kind];
  const G = cell.gates;
  const f = (n: number, s: number, scale = 0.8) => { const a = new Float64Array(n); randomFill(a, seed * 100 + s, scale); return a; };
  const Wih = f(G * H * D, 1), Whh = f(G * H * H, 2), bih = f(G * H, 3), bhh = f(G * H, 4);
  const peep = peephole ? f(3 * H, 5) : null;
  const params: LayerParams = { Wih, Whh, bih, bhh, peep };
  return {
    cell, G, params,
    x: f(t * b * D, 6, 1.5), h0: f(b * H, 7), c0: f(b * H, 8),
    dout: f(t * b * H, 9, 1), dcT: f(b * H, 10, 1),
  };
}

/** W_hh (G·H, H) transposed to (H, G·H), as the model hands it to backward. */
function transposed(Whh: Float64Array, G: number): Float64Array {
  const WhhT = new Float64Array(G * H * H);
  for (let g = 0; g < G * H; g++) for (let j = 0; j < H; j++) WhhT[j * G * H + g] = Whh[g * H + j]!;
  return WhhT;
}

/** Gradient views with the layer's shapes, all zero. */
function zeroGradients(p: LayerParams): LayerParams & { [k in 'Wih' | 'Whh' | 'bih' | 'bhh']: Float64Array } {
  return {
    Wih: new Float64Array(p.Wih.length), Whh: new Float64Array(p.Whh.length), bih: new Float64Array(p.bih.length),
    bhh: new Float64Array(p.bhh.length), peep: p.peep ? new Float64Array(p.peep.length) : null,
  };
}

/** (a) forward against the textbook equations, in float64. */
export function forwardMatchesTextbook(kind: CellKind, peephole: boolean): void {
  const s = setup(kind, peephole, 1);
  const { cell, G } = s;
  const { Wih, Whh, bih, bhh, peep } = s.params;
  // xp = W_ih x + b_ih + b_hh, written out
  const xp = new Float64Array(T * B * G * H);
  for (let r = 0; r < T * B; r++) {
    for (let g = 0; g < G * H; g++) {
      let v = bih[g]! + bhh[g]!;
      for (let k = 0; k < D; k++) v += Wih[g * D + k]! * s.x[r * D + k]!;
      xp[r * G * H + g] = v;
    }
  }
  const hs = new Float64Array((T + 1) * B * H);
  const cs = cell.hasMemory ? new Float64Array((T + 1) * B * H) : null;
  hs.set(s.h0);
  cs?.set(s.c0);
  const cache = new Float64Array(Math.max(1, T * B * cell.cacheWidth(H)));
  cell.forward(float64Backend, hs, cs, cache, xp, s.params, T, B, H);

  const p = { Wih, Whh, bih, bhh, peep, D, H };
  for (let b = 0; b < B; b++) {
    let a = Array.from(s.h0.subarray(b * H, b * H + H));
    let c = Array.from(s.c0.subarray(b * H, b * H + H));
    for (let t = 0; t < T; t++) {
      const x = Array.from(s.x.subarray((t * B + b) * D, (t * B + b) * D + D));
      ({ a, c } = naiveStep(kind, p, x, a, c));
      for (let j = 0; j < H; j++) {
        const got = hs[(t + 1) * B * H + b * H + j]!;
        assert.ok(Math.abs(got - a[j]!) < 1e-12, `a<${t + 1}>[${b},${j}] = ${got}, textbook ${a[j]}`);
        if (cs) assert.ok(Math.abs(cs[(t + 1) * B * H + b * H + j]! - c[j]!) < 1e-12);
      }
    }
  }
}

/**
 * A window of random pre-activations xp through the cell: `run()` does the
 * forward from a<0> (c<0>) and returns L = Σ_t a<t>·dout<t> (+ c<T>·dc);
 * `back(g)` sets ∂L/∂a<t>, ∂L/∂c<T> and runs backward, adding into g.
 */
function window(kind: CellKind, peephole: boolean, seed: number, t = T, b = B) {
  const s = setup(kind, peephole, seed, t, b);
  const { cell, G } = s;
  const xp = new Float64Array(t * b * G * H);
  randomFill(xp, 77, 1.2);
  const hs = new Float64Array((t + 1) * b * H);
  const cs = cell.hasMemory ? new Float64Array((t + 1) * b * H) : null;
  const cache = new Float64Array(Math.max(1, t * b * cell.cacheWidth(H)));
  const WhhT = transposed(s.params.Whh as Float64Array, G);
  const run = () => {
    hs.fill(0); hs.set(s.h0);
    if (cs) { cs.fill(0); cs.set(s.c0); }
    cell.forward(float64Backend, hs, cs, cache, Float64Array.from(xp), s.params, t, b, H); // a copy: the LSTM adds into xp
    let L = 0;
    for (let i = 0; i < t * b * H; i++) L += hs[b * H + i]! * s.dout[i]!;
    if (cs) for (let i = 0; i < b * H; i++) L += cs[t * b * H + i]! * s.dcT[i]!;
    return L;
  };
  const dxp = new Float64Array(t * b * G * H);
  const dhs = new Float64Array((t + 1) * b * H);
  const dc = cs ? new Float64Array(b * H) : null;
  const back = (g: LayerParams) => {
    dhs.set(s.dout, b * H); // ∂L/∂a<1..T>; dhs[0] is left to accumulate ∂L/∂a<0>
    dc?.set(s.dcT);
    cell.backward(float64Backend, dxp, dhs, dc, g, hs, cs, cache, s.params, WhhT, new Float64Array(b * H), t, b, H);
  };
  return { s, xp, dxp, dhs, dc, run, back };
}

/** (b) backward against central finite differences, in float64. */
export function backwardMatchesFiniteDifferences(kind: CellKind, peephole: boolean): void {
  const name = variantName(kind, peephole);
  const { s, xp, dxp, dhs, dc, run, back } = window(kind, peephole, 2);
  run();
  const g = zeroGradients(s.params);
  back(g);

  const checks: [string, Float64Array, ArrayLike<number>][] = [
    ['xp', xp, dxp],
    ['a<0>', s.h0, dhs.subarray(0, B * H)],
    ['W_hh', s.params.Whh as Float64Array, g.Whh],
  ];
  if (dc) checks.push(['c<0>', s.c0, dc]);
  if (s.params.peep) checks.push(['peepholes', s.params.peep as Float64Array, g.peep!]);
  for (const [what, x, an] of checks) {
    const r = gradcheck(run, x, Float64Array.from(an));
    assert.ok(r.maxRel < 1e-6, `${name} ∂${what}: max relative error ${r.maxRel} at ${r.worst} (analytic ${r.analytic}, numeric ${r.numeric})`);
  }
}

/**
 * (c) Two backward passes over the same window into the same gradient give
 * twice the gradient of one (and twice ∂L/∂a<0> in dhs[0]).
 *
 * Exactly, bit for bit, over a window of one step of one row: then every
 * element of a parameter gradient receives one addition per pass, so the
 * second pass adds to g exactly what the first found, and g + g = 2g is exact
 * in floating point. (A backward that overwrote or zeroed the gradient would
 * leave g.)
 *
 * Over a longer window (T = 3, B = 2) each element receives up to T·B = 6
 * additions per pass, starting from g in the second pass instead of 0, so the
 * two passes round differently: by at most about 2·6 roundings of u = 2⁻⁵³ ≈
 * 1.1e-16 of partial sums no larger than the sum of the |terms|, which on this
 * random data stays within a small multiple of max|g|: below 1e-14·max|g|;
 * 1e-12·max|g| is asserted (an overwrite would be off by max|g|).
 */
export function backwardAdds(kind: CellKind, peephole: boolean): void {
  const name = variantName(kind, peephole);
  {
    const w = window(kind, peephole, 3, 1, 1);
    w.run();
    const g = zeroGradients(w.s.params);
    w.back(g);
    const once = { Whh: Float64Array.from(g.Whh), peep: g.peep ? Float64Array.from(g.peep) : null };
    assert.ok(once.Whh.some((x) => x !== 0), 'the first pass left a gradient');
    w.back(g);
    assert.deepEqual(g.Whh, once.Whh.map((x) => 2 * x), `${name}: ∂W_hh after two passes over one step is exactly twice one pass`);
    if (once.peep) assert.deepEqual(g.peep, once.peep.map((x) => 2 * x), `${name}: ∂peepholes after two passes is exactly twice one pass`);
    // the input projection's parameters are the model's: a cell leaves them alone
    for (const k of ['Wih', 'bih', 'bhh'] as const) assert.ok(g[k].every((x) => x === 0), `${name}: the cell does not touch ∂${k}`);
  }
  {
    const w = window(kind, peephole, 4);
    w.run();
    const g = zeroGradients(w.s.params);
    w.back(g);
    const once = { Whh: Float64Array.from(g.Whh), peep: g.peep ? Float64Array.from(g.peep) : null, a0: Float64Array.from(w.dhs.subarray(0, B * H)) };
    w.back(g);
    const twice = (what: string, got: ArrayLike<number>, first: Float64Array) => {
      const scale = Math.max(...first.map(Math.abs));
      assert.ok(scale > 0, `${what}: the first pass left a gradient`);
      for (let i = 0; i < first.length; i++) {
        assert.ok(Math.abs(got[i]! - 2 * first[i]!) <= 1e-12 * scale, `${name} ${what}[${i}]: ${got[i]} after two passes, ${first[i]} after one`);
      }
    };
    twice('∂W_hh', g.Whh, once.Whh);
    if (once.peep) twice('∂peepholes', g.peep!, once.peep);
    twice('∂a<0> (dhs[0])', w.dhs.subarray(0, B * H), once.a0);
  }
}

/**
 * (d) The forward in float32 on the WebAssembly backend (its products and, for
 * the LSTM and GRU, its registered steps) against the float64 reference
 * forward: relative error < 1e-5. float32: products over K = H = 37 terms and
 * element-wise functions within 5u, over T = 6 steps whose errors add up at
 * most linearly: a few 1e-6 at worst.
 */
export function fastForwardMatchesReference(kind: CellKind, peephole: boolean, fastBackend: WasmKernels | null): void {
  assert.ok(fastBackend, 'WebAssembly SIMD is available on Node 20');
  const T = 6, B = 5, H = 37;
  const cell = cells[kind];
  const G = cell.gates;
  const rng = createRng(kind.length * 7 + (peephole ? 1 : 0));
  const rand = (n: number, scale: number) => Float64Array.from({ length: n }, () => scale * (2 * rng.uniform() - 1));
  const data = {
    xp: rand(T * B * G * H, 2), Whh: rand(G * H * H, 0.4), peep: peephole ? rand(3 * H, 0.5) : null,
    h0: rand(B * H, 1), c0: rand(B * H, 1),
  };
  const run = (backend: Backend) => {
    const alloc = backend.alloc;
    const from = (src: Float64Array) => { const a = alloc(src.length); a.set(src); return a; };
    const hs = alloc((T + 1) * B * H);
    hs.set(data.h0);
    const cs = cell.hasMemory ? alloc((T + 1) * B * H) : null;
    cs?.set(data.c0);
    const cache = alloc(Math.max(1, T * B * cell.cacheWidth(H)));
    // W_ih and the biases are the model's (the input projection): unused by the cell
    const p: LayerParams = { Wih: alloc(0), Whh: from(data.Whh), bih: alloc(0), bhh: alloc(0), peep: data.peep ? from(data.peep) : null };
    cell.forward(backend, hs, cs, cache, from(data.xp), p, T, B, H);
    return { hs, cs, cache };
  };
  const fast = run(fastBackend);
  assert.ok(fastBackend.owns(fast.cache) && fastBackend.elementwise.sigmoid !== referenceElementwise.sigmoid, 'the fast path ran');
  const ref = run(float64Backend);
  const compare = (what: string, a: ArrayLike<number>, b: ArrayLike<number>) => {
    let num = 0, den = 0, worst = 0;
    for (let i = 0; i < b.length; i++) {
      num += (a[i]! - b[i]!) ** 2;
      den += b[i]! ** 2;
      worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
    }
    assert.ok(Math.sqrt(num / Math.max(den, 1e-300)) < 1e-5, `${what}: relative error ${Math.sqrt(num / den)}`);
    assert.ok(worst < 1e-5, `${what}: worst element error ${worst}`);
  };
  compare('a<t>', fast.hs, ref.hs);
  if (fast.cs && ref.cs) compare('c<t>', fast.cs, ref.cs);
  compare('cache', fast.cache, ref.cache);
}

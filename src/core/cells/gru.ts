/**
 * The full GRU, as in the textbook (the reset gate is applied to c<t-1>
 * BEFORE the product, unlike PyTorch's nn.GRU which applies it after).
 *
 *   Γr   = σ(W_r · [c<t-1>, x<t>] + b_r)
 *   Γu   = σ(W_u · [c<t-1>, x<t>] + b_u)
 *   c̃<t> = tanh(W_c · [Γr ∗ c<t-1>, x<t>] + b_c)
 *   c<t> = Γu ∗ c̃<t> + (1 − Γu) ∗ c<t-1>,     a<t> = c<t>
 *
 * G = 3, gate order of the weight rows: Γr | Γu | c̃ (PyTorch's r | z | n).
 * Cache per (t, b): Γr (H) | Γu (H) | c̃ (H) | Γr∗c<t-1> (H).
 *
 * The element-wise work of a step comes in two parts each way, around the
 * products (`GruSteps`, cells/steps.ts): its reference version is below
 * (`referenceGruSteps`); a backend may register a faster one as `steps.gru`
 * (the WebAssembly backend does).
 */
import { sigmoid } from '../elementwise.js';
import type { Backend } from '../backend.js';
import type { Vec } from '../kernels.js';
import type { CellOps, LayerParams } from './cell.js';
import type { GruStep, GruSteps } from './steps.js';

// ------------------------------------------------------------ the element-wise steps (reference)

/** `gates` over the units j0 ≤ j < j1 of every row (float64 arithmetic, one rounding per stored value). */
export function gruGatesUnits(s: GruStep, j0: number, j1: number): void {
  const { B, H, xp, xOff, cache, off, hs, hPrev } = s;
  for (let b = 0; b < B; b++) {
    const r = off + b * 4 * H, x = xOff + b * 3 * H, hp = hPrev + b * H;
    for (let j = j0; j < j1; j++) {
      cache[r + j] = sigmoid(xp[x + j]!);
      cache[r + H + j] = sigmoid(xp[x + H + j]!);
      cache[r + 3 * H + j] = cache[r + j]! * hs[hp + j]!; // from the stored Γr, as backward sees it
    }
  }
}

/** `output` over the units j0 ≤ j < j1 of every row. */
export function gruOutputUnits(s: GruStep, j0: number, j1: number): void {
  const { B, H, xp, xOff, cache, off, hs, hPrev, hCur } = s;
  for (let b = 0; b < B; b++) {
    const r = off + b * 4 * H, x = xOff + b * 3 * H;
    for (let j = j0; j < j1; j++) {
      cache[r + 2 * H + j] = Math.tanh(xp[x + 2 * H + j]!);
      const ct = cache[r + 2 * H + j]!, u = cache[r + H + j]!;
      hs[hCur + b * H + j] = u * ct + (1 - u) * hs[hPrev + b * H + j]!;
    }
  }
}

/** `backUpdate` over the units j0 ≤ j < j1 of every row. */
export function gruBackUpdateUnits(s: GruStep, j0: number, j1: number): void {
  const { B, H, cache, off, hs, hPrev, hCur, dhs, dxp, dOff } = s;
  for (let b = 0; b < B; b++) {
    const r = off + b * 4 * H, d = dOff + b * 3 * H;
    for (let j = j0; j < j1; j++) {
      const u = cache[r + H + j]!, ct = cache[r + 2 * H + j]!;
      const hp = hs[hPrev + b * H + j]!, dh = dhs[hCur + b * H + j]!;
      // c = Γu c̃ + (1 − Γu) c<t-1>
      dxp[d + H + j] = dh * (ct - hp) * u * (1 - u); // ∂pre_u through σ
      dxp[d + 2 * H + j] = dh * u * (1 - ct * ct); // ∂pre_c̃ through tanh
      dhs[hPrev + b * H + j] += dh * (1 - u); // the direct path to c<t-1>
    }
  }
}

/** `backReset` over the units j0 ≤ j < j1 of every row. */
export function gruBackResetUnits(s: GruStep, j0: number, j1: number): void {
  const { B, H, cache, off, hs, hPrev, dhs, dxp, dOff, drh } = s;
  for (let b = 0; b < B; b++) {
    const r = off + b * 4 * H, d = dOff + b * 3 * H;
    for (let j = j0; j < j1; j++) {
      const gr = cache[r + j]!, hp = hs[hPrev + b * H + j]!, dr = drh[b * H + j]!;
      dxp[d + j] = dr * hp * gr * (1 - gr); // ∂pre_r through σ
      dhs[hPrev + b * H + j] += dr * gr; // through the reset product
    }
  }
}

/** The plain TypeScript GRU steps (float64 Math): the reference every backend's `steps.gru` is tested against. */
export const referenceGruSteps: Readonly<GruSteps> = Object.freeze({
  gates: (st: GruStep) => gruGatesUnits(st, 0, st.H),
  output: (st: GruStep) => gruOutputUnits(st, 0, st.H),
  backUpdate: (st: GruStep) => gruBackUpdateUnits(st, 0, st.H),
  backReset: (st: GruStep) => gruBackResetUnits(st, 0, st.H),
});

// ------------------------------------------------------------ the window

/** One step's layout, reused across the steps of a window (see `GruStep`). */
function stepOf(B: number, H: number, hs: Vec, cache: Vec): GruStep {
  return { B, H, xp: cache, xOff: 0, cache, off: 0, hs, hPrev: 0, hCur: 0, dhs: hs, dxp: cache, dOff: 0, drh: cache };
}

function forward(bk: Backend, hs: Vec, _cs: Vec | null, cache: Vec, xp: Vec, p: LayerParams, T: number, B: number, H: number): void {
  const K = bk.kernels;
  const S = bk.steps.gru ?? referenceGruSteps;
  const BH = B * H;
  const G = 3 * H; // row width of xp
  const W = 4 * H; // row width of the cache
  const HH = H * H;
  const step = stepOf(B, H, hs, cache);
  step.xp = xp;
  for (let t = 0; t < T; t++) {
    const prev = t * BH;
    const x0 = t * B * G;
    const c0 = t * B * W;
    step.xOff = x0;
    step.off = c0;
    step.hPrev = prev;
    step.hCur = prev + BH;
    // Γr, Γu pre-activations: the input projection's rows, in place, += c<t-1> · W_{r,u}ᵀ
    K.mmNT(B, 2 * H, H, hs, prev, H, p.Whh, 0, H, xp, x0, G);
    // Γr, Γu = σ(pre) and Γr ∗ c<t-1>, into the cache
    S.gates(step);
    // c̃ pre-activation += (Γr ∗ c<t-1>) · W_cᵀ
    K.mmNT(B, H, H, cache, c0 + 3 * H, W, p.Whh, 2 * HH, H, xp, x0 + 2 * H, G);
    // c̃ = tanh(pre_c̃), c<t> = Γu ∗ c̃ + (1 − Γu) ∗ c<t-1>
    S.output(step);
  }
}

function backward(
  bk: Backend, dxp: Vec, dhs: Vec, _dc: Vec | null, g: LayerParams,
  hs: Vec, _cs: Vec | null, cache: Vec, _p: LayerParams, WhhT: Vec, scratch: Vec,
  T: number, B: number, H: number,
): void {
  const K = bk.kernels;
  const S = bk.steps.gru ?? referenceGruSteps;
  const BH = B * H;
  const G = 3 * H;
  const W = 4 * H;
  const HH = H * H;
  const drh = scratch; // (B, H): ∂(Γr ∗ c<t-1>)
  const step = stepOf(B, H, hs, cache);
  step.dhs = dhs;
  step.dxp = dxp;
  step.drh = drh;
  for (let t = T - 1; t >= 0; t--) {
    const prev = t * BH;
    const x0 = t * B * G;
    step.off = t * B * W;
    step.hPrev = prev;
    step.hCur = prev + BH;
    step.dOff = x0;
    // ∂pre_u, ∂pre_c̃, and the direct path to c<t-1>
    S.backUpdate(step);
    // ∂(Γr ∗ c<t-1>) = ∂pre_c · W_c
    drh.fill(0);
    K.mmNT(B, H, H, dxp, x0 + 2 * H, G, WhhT, 2 * H, G, drh, 0, H);
    // ∂pre_r, and the path through the reset product
    S.backReset(step);
    // ∂c<t-1> += ∂pre_{r,u} · W_{r,u}
    K.mmNT(B, H, 2 * H, dxp, x0, G, WhhT, 0, G, dhs, prev, H);
  }
  // ∂W_{r,u} += Σ_t ∂pre_{r,u}ᵀ · c<t-1>;  ∂W_c += Σ_t ∂pre_cᵀ · (Γr ∗ c<t-1>)
  K.mmTN(2 * H, H, T * B, dxp, 0, G, hs, 0, H, g.Whh, 0, H);
  K.mmTN(H, H, T * B, dxp, 2 * H, G, cache, 3 * H, W, g.Whh, 2 * HH, H);
}

export const gru: CellOps = {
  gates: 3,
  hasMemory: false,
  gateOrder: ['reset (Γr)', 'update (Γu)', 'candidate (c̃)'],
  cacheWidth: (H) => 4 * H,
  extraParams: () => [],
  unitBias: () => null,
  forward,
  backward,
};

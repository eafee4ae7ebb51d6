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
 */
import type { GruStep } from '../elementwise.js';
import type { Backend } from '../backend.js';
import type { Vec } from '../kernels.js';
import type { CellOps, RecurrentParams } from './cell.js';

/** One step's layout, reused across the steps of a window (see `GruStep`). */
function stepOf(B: number, H: number, hs: Vec, cache: Vec): GruStep {
  return { B, H, xp: cache, xOff: 0, cache, off: 0, hs, hPrev: 0, hCur: 0, dhs: hs, dxp: cache, dOff: 0, drh: cache };
}

function forward(bk: Backend, hs: Vec, _cs: Vec | null, cache: Vec, xp: Vec, p: RecurrentParams, T: number, B: number, H: number): void {
  const { kernels: K, elementwise: E } = bk;
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
    E.gruGates(step);
    // c̃ pre-activation += (Γr ∗ c<t-1>) · W_cᵀ
    K.mmNT(B, H, H, cache, c0 + 3 * H, W, p.Whh, 2 * HH, H, xp, x0 + 2 * H, G);
    // c̃ = tanh(pre_c̃), c<t> = Γu ∗ c̃ + (1 − Γu) ∗ c<t-1>
    E.gruOutput(step);
  }
}

function backward(
  bk: Backend, dxp: Vec, dhs: Vec, _dc: Vec | null, g: RecurrentParams,
  hs: Vec, _cs: Vec | null, cache: Vec, p: RecurrentParams, scratch: Vec,
  T: number, B: number, H: number,
): void {
  const { kernels: K, elementwise: E } = bk;
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
    E.gruBackUpdate(step);
    // ∂(Γr ∗ c<t-1>) = ∂pre_c · W_c
    drh.fill(0);
    K.mmNT(B, H, H, dxp, x0 + 2 * H, G, p.WhhT!, 2 * H, G, drh, 0, H);
    // ∂pre_r, and the path through the reset product
    E.gruBackReset(step);
    // ∂c<t-1> += ∂pre_{r,u} · W_{r,u}
    K.mmNT(B, H, 2 * H, dxp, x0, G, p.WhhT!, 0, G, dhs, prev, H);
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

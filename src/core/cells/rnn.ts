/**
 * The tanh RNN cell.
 *
 *   a<t> = tanh(W_hh · a<t-1> + W_ih · x<t> + b_ih + b_hh)
 *
 * G = 1. No cache beyond the hidden states themselves (tanh' = 1 − a²).
 */
import type { Backend } from '../backend.js';
import type { Vec } from '../kernels.js';
import type { CellOps, LayerParams } from './cell.js';

function forward(bk: Backend, hs: Vec, _cs: Vec | null, _cache: Vec, xp: Vec, p: LayerParams, T: number, B: number, H: number): void {
  const { kernels: K, elementwise: E } = bk;
  const BH = B * H;
  for (let t = 0; t < T; t++) {
    const prev = t * BH;
    const cur = prev + BH;
    // pre (B, H) = xp[t] + a<t-1> · W_hhᵀ, built in hs[t+1]
    hs.set(xp.subarray(t * BH, t * BH + BH), cur);
    K.mmNT(B, H, H, hs, prev, H, p.Whh, 0, H, hs, cur, H);
    // a<t> = tanh(pre), the whole (B, H) block in one call
    E.tanh(hs, cur, BH);
  }
}

function backward(
  bk: Backend, dxp: Vec, dhs: Vec, _dc: Vec | null, g: LayerParams,
  hs: Vec, _cs: Vec | null, _cache: Vec, _p: LayerParams, WhhT: Vec, _scratch: Vec,
  T: number, B: number, H: number,
): void {
  const { kernels: K } = bk;
  const BH = B * H;
  for (let t = T - 1; t >= 0; t--) {
    const cur = (t + 1) * BH;
    const d0 = t * BH;
    // backprop through tanh: ∂pre = ∂a ⊙ (1 − a²)
    for (let i = 0; i < BH; i++) {
      const a = hs[cur + i]!;
      dxp[d0 + i] = dhs[cur + i]! * (1 - a * a);
    }
    // ∂a<t-1> += ∂pre · W_hh
    K.mmNT(B, H, H, dxp, d0, H, WhhT, 0, H, dhs, t * BH, H);
  }
  // ∂W_hh += Σ_t ∂pre<t>ᵀ · a<t-1>, one product over the window
  K.mmTN(H, H, T * B, dxp, 0, H, hs, 0, H, g.Whh, 0, H);
}

export const rnn: CellOps = {
  gates: 1,
  hasMemory: false,
  gateOrder: ['a'],
  cacheWidth: () => 0,
  extraParams: () => [],
  unitBias: () => null,
  forward,
  backward,
};

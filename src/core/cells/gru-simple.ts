/**
 * The simplified GRU (update gate only), as in the textbook.
 *
 *   Γu   = σ(W_u · [c<t-1>, x<t>] + b_u)
 *   c̃<t> = tanh(W_c · [c<t-1>, x<t>] + b_c)
 *   c<t> = Γu ∗ c̃<t> + (1 − Γu) ∗ c<t-1>,     a<t> = c<t>
 *
 * G = 2, gate order of the weight rows: Γu | c̃.
 * Cache per (t, b): Γu (H) | c̃ (H).
 */
import type { Backend } from '../backend.js';
import type { Vec } from '../kernels.js';
import type { CellOps, LayerParams } from './cell.js';

function forward(bk: Backend, hs: Vec, _cs: Vec | null, cache: Vec, xp: Vec, p: LayerParams, T: number, B: number, H: number): void {
  const { kernels: K, elementwise: E } = bk;
  const BH = B * H;
  const G = 2 * H; // row width of xp and cache
  for (let t = 0; t < T; t++) {
    const prev = t * BH;
    const cur = prev + BH;
    const c0 = t * B * G;
    // pre (B, 2H) = xp[t] + c<t-1> · W_hhᵀ, built in the cache
    cache.set(xp.subarray(c0, c0 + B * G), c0);
    K.mmNT(B, G, H, hs, prev, H, p.Whh, 0, H, cache, c0, G);
    // Γu = σ(pre_u), c̃ = tanh(pre_c): one call per gate block over the B rows (row stride 2H)
    E.sigmoid(cache, c0, H, B, G);
    E.tanh(cache, c0 + H, H, B, G);
    for (let b = 0; b < B; b++) {
      const r = c0 + b * G;
      for (let j = 0; j < H; j++) {
        const u = cache[r + j]!;
        const ct = cache[r + H + j]!;
        const hp = hs[prev + b * H + j]!;
        hs[cur + b * H + j] = u * ct + (1 - u) * hp;
      }
    }
  }
}

function backward(
  bk: Backend, dxp: Vec, dhs: Vec, _dc: Vec | null, g: LayerParams,
  hs: Vec, _cs: Vec | null, cache: Vec, _p: LayerParams, WhhT: Vec, _scratch: Vec,
  T: number, B: number, H: number,
): void {
  const { kernels: K } = bk;
  const BH = B * H;
  const G = 2 * H;
  for (let t = T - 1; t >= 0; t--) {
    const prev = t * BH;
    const cur = prev + BH;
    const c0 = t * B * G;
    for (let b = 0; b < B; b++) {
      const r = c0 + b * G;
      for (let j = 0; j < H; j++) {
        const u = cache[r + j]!;
        const ct = cache[r + H + j]!;
        const hp = hs[prev + b * H + j]!;
        const dh = dhs[cur + b * H + j]!;
        // c = Γu c̃ + (1 − Γu) c<t-1>
        dxp[r + j] = dh * (ct - hp) * u * (1 - u); // through σ
        dxp[r + H + j] = dh * u * (1 - ct * ct); // through tanh
        dhs[prev + b * H + j] += dh * (1 - u); // the direct path to c<t-1>
      }
    }
    // ∂c<t-1> += ∂pre · W_hh
    K.mmNT(B, H, G, dxp, c0, G, WhhT, 0, G, dhs, prev, H);
  }
  K.mmTN(G, H, T * B, dxp, 0, G, hs, 0, H, g.Whh, 0, H);
}

export const gruSimple: CellOps = {
  gates: 2,
  hasMemory: false,
  gateOrder: ['update (Γu)', 'candidate (c̃)'],
  cacheWidth: (H) => 2 * H,
  extraParams: () => [],
  unitBias: () => null,
  forward,
  backward,
};

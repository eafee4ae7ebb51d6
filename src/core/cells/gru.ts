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
import { E } from '../elementwise.js';
import { K, type Vec } from '../kernels.js';
import type { CellOps, RecurrentParams } from './cell.js';

function forward(hs: Vec, _cs: Vec | null, cache: Vec, xp: Vec, p: RecurrentParams, T: number, B: number, H: number): void {
  const BH = B * H;
  const G = 3 * H; // row width of xp
  const W = 4 * H; // row width of the cache
  const HH = H * H;
  for (let t = 0; t < T; t++) {
    const prev = t * BH;
    const cur = prev + BH;
    const x0 = t * B * G;
    const c0 = t * B * W;
    for (let b = 0; b < B; b++) cache.set(xp.subarray(x0 + b * G, x0 + b * G + G), c0 + b * W);
    // Γr, Γu pre-activations += c<t-1> · W_{r,u}ᵀ
    K.mmNT(B, 2 * H, H, hs, prev, H, p.Whh, 0, H, cache, c0, W);
    // Γr | Γu = σ(pre), both blocks of the B rows in one call (row stride 4H)
    E.sigmoid(cache, c0, 2 * H, B, W);
    for (let b = 0; b < B; b++) {
      const r = c0 + b * W;
      // Γr ∗ c<t-1>
      for (let j = 0; j < H; j++) cache[r + 3 * H + j] = cache[r + j]! * hs[prev + b * H + j]!;
    }
    // c̃ pre-activation += (Γr ∗ c<t-1>) · W_cᵀ
    K.mmNT(B, H, H, cache, c0 + 3 * H, W, p.Whh, 2 * HH, H, cache, c0 + 2 * H, W);
    // c̃ = tanh(pre_c) over the B rows
    E.tanh(cache, c0 + 2 * H, H, B, W);
    for (let b = 0; b < B; b++) {
      const r = c0 + b * W;
      for (let j = 0; j < H; j++) {
        const ct = cache[r + 2 * H + j]!;
        const u = cache[r + H + j]!;
        hs[cur + b * H + j] = u * ct + (1 - u) * hs[prev + b * H + j]!;
      }
    }
  }
}

function backward(
  dxp: Vec, dhs: Vec, _dc: Vec | null, g: RecurrentParams,
  hs: Vec, _cs: Vec | null, cache: Vec, p: RecurrentParams, scratch: Vec,
  T: number, B: number, H: number,
): void {
  const BH = B * H;
  const G = 3 * H;
  const W = 4 * H;
  const HH = H * H;
  const drh = scratch; // (B, H): ∂(Γr ∗ c<t-1>)
  for (let t = T - 1; t >= 0; t--) {
    const prev = t * BH;
    const cur = prev + BH;
    const x0 = t * B * G;
    const c0 = t * B * W;
    for (let b = 0; b < B; b++) {
      const r = c0 + b * W;
      const d = x0 + b * G;
      for (let j = 0; j < H; j++) {
        const u = cache[r + H + j]!;
        const ct = cache[r + 2 * H + j]!;
        const hp = hs[prev + b * H + j]!;
        const dh = dhs[cur + b * H + j]!;
        // c = Γu c̃ + (1 − Γu) c<t-1>
        dxp[d + H + j] = dh * (ct - hp) * u * (1 - u); // ∂pre_u through σ
        dxp[d + 2 * H + j] = dh * u * (1 - ct * ct); // ∂pre_c through tanh
        dhs[prev + b * H + j] += dh * (1 - u); // the direct path to c<t-1>
      }
    }
    // ∂(Γr ∗ c<t-1>) = ∂pre_c · W_c
    drh.fill(0);
    K.mmNT(B, H, H, dxp, x0 + 2 * H, G, p.WhhT!, 2 * H, G, drh, 0, H);
    for (let b = 0; b < B; b++) {
      const r = c0 + b * W;
      const d = x0 + b * G;
      for (let j = 0; j < H; j++) {
        const gr = cache[r + j]!;
        const hp = hs[prev + b * H + j]!;
        const dr = drh[b * H + j]!;
        dxp[d + j] = dr * hp * gr * (1 - gr); // ∂pre_r through σ
        dhs[prev + b * H + j] += dr * gr; // through the reset product
      }
    }
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

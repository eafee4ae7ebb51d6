/**
 * The LSTM, as in the textbook, with PyTorch's gate order.
 *
 *   Γu   = σ(W_u · [a<t-1>, x<t>] + b_u  (+ p_u ∗ c<t-1>))     update (PyTorch: input gate i)
 *   Γf   = σ(W_f · [a<t-1>, x<t>] + b_f  (+ p_f ∗ c<t-1>))     forget
 *   c̃<t> = tanh(W_c · [a<t-1>, x<t>] + b_c)                     candidate (PyTorch: g)
 *   Γo   = σ(W_o · [a<t-1>, x<t>] + b_o  (+ p_o ∗ c<t-1>))     output
 *   c<t> = Γu ∗ c̃<t> + Γf ∗ c<t-1>
 *   a<t> = Γo ∗ tanh(c<t>)
 *
 * The optional peephole connections are diagonal weights p (3H: p_u | p_f | p_o)
 * from c<t-1> into the three gates.
 * G = 4, gate order of the weight rows: Γu | Γf | c̃ | Γo (PyTorch's i | f | g | o).
 * Cache per (t, b): Γu | Γf | c̃ | Γo | tanh(c<t>), each H.
 */
import { E } from '../elementwise.js';
import { K, type Vec } from '../kernels.js';
import type { CellOps, RecurrentParams } from './cell.js';

function forward(hs: Vec, cs: Vec | null, cache: Vec, xp: Vec, p: RecurrentParams, T: number, B: number, H: number): void {
  const c = cs!;
  const BH = B * H;
  const G = 4 * H;
  const W = 5 * H;
  const peep = p.peep;
  for (let t = 0; t < T; t++) {
    const prev = t * BH;
    const cur = prev + BH;
    const x0 = t * B * G;
    const c0 = t * B * W;
    for (let b = 0; b < B; b++) cache.set(xp.subarray(x0 + b * G, x0 + b * G + G), c0 + b * W);
    // gate pre-activations += a<t-1> · W_hhᵀ
    K.mmNT(B, G, H, hs, prev, H, p.Whh, 0, H, cache, c0, W);
    if (peep) {
      // the peepholes: pre_{u,f,o} += p_{u,f,o} ∗ c<t-1>
      for (let b = 0; b < B; b++) {
        const r = c0 + b * W;
        const s = prev + b * H;
        for (let j = 0; j < H; j++) {
          const cp = c[s + j]!;
          cache[r + j] += peep[j]! * cp;
          cache[r + H + j] += peep[H + j]! * cp;
          cache[r + 3 * H + j] += peep[2 * H + j]! * cp;
        }
      }
    }
    // the non-linearities, one call per block over the B rows (row stride 5H):
    // Γu | Γf = σ(…), c̃ = tanh(…), Γo = σ(…)
    E.sigmoid(cache, c0, 2 * H, B, W);
    E.tanh(cache, c0 + 2 * H, H, B, W);
    E.sigmoid(cache, c0 + 3 * H, H, B, W);
    // c<t> = Γu ∗ c̃ + Γf ∗ c<t-1>, also into the last cache block for its tanh
    for (let b = 0; b < B; b++) {
      const r = c0 + b * W;
      const s = b * H;
      for (let j = 0; j < H; j++) {
        const cn = cache[r + j]! * cache[r + 2 * H + j]! + cache[r + H + j]! * c[prev + s + j]!;
        c[cur + s + j] = cn;
        cache[r + 4 * H + j] = cn;
      }
    }
    E.tanh(cache, c0 + 4 * H, H, B, W);
    // a<t> = Γo ∗ tanh(c<t>)
    for (let b = 0; b < B; b++) {
      const r = c0 + b * W;
      const s = cur + b * H;
      for (let j = 0; j < H; j++) hs[s + j] = cache[r + 3 * H + j]! * cache[r + 4 * H + j]!;
    }
  }
}

function backward(
  dxp: Vec, dhs: Vec, dc: Vec | null, g: RecurrentParams,
  hs: Vec, cs: Vec | null, cache: Vec, p: RecurrentParams, _scratch: Vec,
  T: number, B: number, H: number,
): void {
  const c = cs!;
  const dcv = dc!; // (B, H): ∂L/∂c<t>, carried backwards in place
  const BH = B * H;
  const G = 4 * H;
  const W = 5 * H;
  const peep = p.peep;
  const dpeep = g.peep;
  for (let t = T - 1; t >= 0; t--) {
    const prev = t * BH;
    const cur = prev + BH;
    const x0 = t * B * G;
    const c0 = t * B * W;
    for (let b = 0; b < B; b++) {
      const r = c0 + b * W;
      const d = x0 + b * G;
      const s = b * H;
      for (let j = 0; j < H; j++) {
        const u = cache[r + j]!, f = cache[r + H + j]!, ct = cache[r + 2 * H + j]!;
        const o = cache[r + 3 * H + j]!, tc = cache[r + 4 * H + j]!;
        const cp = c[prev + s + j]!;
        const dh = dhs[cur + s + j]!;
        // a = Γo tanh(c): ∂Γo, and ∂c gains the path through tanh
        const dpo = dh * tc * o * (1 - o);
        const dct = dcv[s + j]! + dh * o * (1 - tc * tc);
        // c = Γu c̃ + Γf c<t-1>
        const dpu = dct * ct * u * (1 - u);
        const dpf = dct * cp * f * (1 - f);
        const dpg = dct * u * (1 - ct * ct);
        dxp[d + j] = dpu;
        dxp[d + H + j] = dpf;
        dxp[d + 2 * H + j] = dpg;
        dxp[d + 3 * H + j] = dpo;
        let dcp = dct * f;
        if (peep) {
          // the peepholes read c<t-1>
          dcp += peep[j]! * dpu + peep[H + j]! * dpf + peep[2 * H + j]! * dpo;
          dpeep![j] += dpu * cp;
          dpeep![H + j] += dpf * cp;
          dpeep![2 * H + j] += dpo * cp;
        }
        dcv[s + j] = dcp;
      }
    }
    // ∂a<t-1> += ∂pre · W_hh
    K.mmNT(B, H, G, dxp, x0, G, p.WhhT!, 0, G, dhs, prev, H);
  }
  // ∂W_hh += Σ_t ∂preᵀ · a<t-1>
  K.mmTN(G, H, T * B, dxp, 0, G, hs, 0, H, g.Whh, 0, H);
}

export const lstm: CellOps = {
  gates: 4,
  hasMemory: true,
  gateOrder: ['update (Γu, PyTorch i)', 'forget (Γf)', 'candidate (c̃, PyTorch g)', 'output (Γo)'],
  cacheWidth: (H) => 5 * H,
  extraParams: (H, peephole) => (peephole ? [{ name: 'weight_peephole', shape: [3 * H] }] : []),
  unitBias: (H) => [H, 2 * H],
  forward,
  backward,
};

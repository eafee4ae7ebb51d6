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
import type { LstmStep } from '../elementwise.js';
import type { Backend } from '../backend.js';
import type { Vec } from '../kernels.js';
import type { CellOps, RecurrentParams } from './cell.js';

/** One step's layout, reused across the steps of a window (see `LstmStep`). */
function stepOf(B: number, H: number, cache: Vec, cs: Vec): LstmStep {
  return { B, H, xp: cache, xOff: 0, cache, off: 0, cs, cPrev: 0, cCur: 0, hs: cache, hCur: 0, dhs: cache, dc: cache, dxp: cache, dOff: 0, peep: null, dpeep: null };
}

function forward(bk: Backend, hs: Vec, cs: Vec | null, cache: Vec, xp: Vec, p: RecurrentParams, T: number, B: number, H: number): void {
  const { kernels: K, elementwise: E } = bk;
  const c = cs!;
  const BH = B * H;
  const G = 4 * H;
  const W = 5 * H;
  const peep = p.peep;
  const step = stepOf(B, H, cache, c);
  step.hs = hs;
  step.xp = xp;
  for (let t = 0; t < T; t++) {
    const prev = t * BH;
    const cur = prev + BH;
    const x0 = t * B * G;
    const c0 = t * B * W;
    // gate pre-activations: the input projection's rows, in place, += a<t-1> · W_hhᵀ
    K.mmNT(B, G, H, hs, prev, H, p.Whh, 0, H, xp, x0, G);
    if (peep) {
      // the peepholes: pre_{u,f,o} += p_{u,f,o} ∗ c<t-1>
      for (let b = 0; b < B; b++) {
        const r = x0 + b * G;
        const s = prev + b * H;
        for (let j = 0; j < H; j++) {
          const cp = c[s + j]!;
          xp[r + j] += peep[j]! * cp;
          xp[r + H + j] += peep[H + j]! * cp;
          xp[r + 3 * H + j] += peep[2 * H + j]! * cp;
        }
      }
    }
    // the gates, c<t>, tanh(c<t>) and a<t>: one element-wise pass over the B rows
    step.xOff = x0;
    step.off = c0;
    step.cPrev = prev;
    step.cCur = cur;
    step.hCur = cur;
    E.lstmForward(step);
  }
}

function backward(
  bk: Backend, dxp: Vec, dhs: Vec, dc: Vec | null, g: RecurrentParams,
  hs: Vec, cs: Vec | null, cache: Vec, p: RecurrentParams, _scratch: Vec,
  T: number, B: number, H: number,
): void {
  const { kernels: K, elementwise: E } = bk;
  const BH = B * H;
  const G = 4 * H;
  const W = 5 * H;
  const step = stepOf(B, H, cache, cs!);
  step.dhs = dhs;
  step.dc = dc!; // (B, H): ∂L/∂c<t>, carried backwards in place
  step.dxp = dxp;
  step.peep = p.peep;
  step.dpeep = g.peep;
  for (let t = T - 1; t >= 0; t--) {
    const prev = t * BH;
    const x0 = t * B * G;
    step.off = t * B * W;
    step.cPrev = prev;
    step.hCur = prev + BH;
    step.dOff = x0;
    E.lstmBackward(step);
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

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
 *
 * The element-wise part of a step (everything after the products) is one
 * fused pass, `LstmSteps` (cells/steps.ts): its reference version is below
 * (`referenceLstmSteps`); a backend may register a faster one as
 * `steps.lstm` (the WebAssembly backend does).
 */
import { sigmoid } from '../elementwise.js';
import type { Backend } from '../backend.js';
import type { Vec } from '../kernels.js';
import type { CellOps, LayerParams } from './cell.js';
import type { LstmStep, LstmSteps } from './steps.js';

// ------------------------------------------------------------ the element-wise step (reference)

/** The forward step over the units j0 ≤ j < j1 of every row (float64 arithmetic, one rounding per stored value). */
export function lstmForwardUnits(s: LstmStep, j0: number, j1: number): void {
  const { B, H, xp, xOff, cache, off, cs, cPrev, cCur, hs, hCur } = s;
  const W = 5 * H;
  for (let b = 0; b < B; b++) {
    const r = off + b * W;
    const x = xOff + b * 4 * H;
    const sb = b * H;
    for (let j = j0; j < j1; j++) {
      const u = sigmoid(xp[x + j]!), f = sigmoid(xp[x + H + j]!);
      const ct = Math.tanh(xp[x + 2 * H + j]!), o = sigmoid(xp[x + 3 * H + j]!);
      cache[r + j] = u;
      cache[r + H + j] = f;
      cache[r + 2 * H + j] = ct;
      cache[r + 3 * H + j] = o;
      // from the stored (rounded) gate values, as the backward pass sees them
      const cn = cache[r + j]! * cache[r + 2 * H + j]! + cache[r + H + j]! * cs[cPrev + sb + j]!;
      cs[cCur + sb + j] = cn;
      cache[r + 4 * H + j] = Math.tanh(cs[cCur + sb + j]!);
      hs[hCur + sb + j] = cache[r + 3 * H + j]! * cache[r + 4 * H + j]!;
    }
  }
}

/** The backward step over the units j0 ≤ j < j1 of every row. */
export function lstmBackwardUnits(s: LstmStep, j0: number, j1: number): void {
  const { B, H, cache, off, cs, cPrev, dhs, hCur, dc, dxp, dOff, peep, dpeep } = s;
  const W = 5 * H;
  const G = 4 * H;
  for (let b = 0; b < B; b++) {
    const r = off + b * W;
    const d = dOff + b * G;
    const sb = b * H;
    for (let j = j0; j < j1; j++) {
      const u = cache[r + j]!, f = cache[r + H + j]!, ct = cache[r + 2 * H + j]!;
      const o = cache[r + 3 * H + j]!, tc = cache[r + 4 * H + j]!;
      const cp = cs[cPrev + sb + j]!;
      const dh = dhs[hCur + sb + j]!;
      // a = Γo tanh(c): ∂Γo, and ∂c gains the path through tanh
      const dpo = dh * tc * o * (1 - o);
      const dct = dc[sb + j]! + dh * o * (1 - tc * tc);
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
      dc[sb + j] = dcp;
    }
  }
}

/** The plain TypeScript LSTM step (float64 Math): the reference every backend's `steps.lstm` is tested against. */
export const referenceLstmSteps: Readonly<LstmSteps> = Object.freeze({
  forward: (st: LstmStep) => lstmForwardUnits(st, 0, st.H),
  backward: (st: LstmStep) => lstmBackwardUnits(st, 0, st.H),
});

// ------------------------------------------------------------ the window

/** The name of the peephole tensor (3H) of each layer (with the `_l{n}` suffix in a model; `LayerParams.peep`). */
export const PEEPHOLE = 'weight_peephole';

/** One step's layout, reused across the steps of a window (see `LstmStep`). */
function stepOf(B: number, H: number, cache: Vec, cs: Vec): LstmStep {
  return { B, H, xp: cache, xOff: 0, cache, off: 0, cs, cPrev: 0, cCur: 0, hs: cache, hCur: 0, dhs: cache, dc: cache, dxp: cache, dOff: 0, peep: null, dpeep: null };
}

function forward(bk: Backend, hs: Vec, cs: Vec | null, cache: Vec, xp: Vec, p: LayerParams, T: number, B: number, H: number): void {
  const K = bk.kernels;
  const S = bk.steps.lstm ?? referenceLstmSteps;
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
    S.forward(step);
  }
}

function backward(
  bk: Backend, dxp: Vec, dhs: Vec, dc: Vec | null, g: LayerParams,
  hs: Vec, cs: Vec | null, cache: Vec, p: LayerParams, WhhT: Vec, _scratch: Vec,
  T: number, B: number, H: number,
): void {
  const K = bk.kernels;
  const S = bk.steps.lstm ?? referenceLstmSteps;
  const BH = B * H;
  const G = 4 * H;
  const W = 5 * H;
  const step = stepOf(B, H, cache, cs!);
  step.dhs = dhs;
  step.dc = dc!; // (B, H): ∂L/∂c<t>, carried backwards in place
  step.dxp = dxp;
  step.peep = p.peep;
  step.dpeep = g.peep; // the step adds into it
  for (let t = T - 1; t >= 0; t--) {
    const prev = t * BH;
    const x0 = t * B * G;
    step.off = t * B * W;
    step.cPrev = prev;
    step.hCur = prev + BH;
    step.dOff = x0;
    S.backward(step);
    // ∂a<t-1> += ∂pre · W_hh
    K.mmNT(B, H, G, dxp, x0, G, WhhT, 0, G, dhs, prev, H);
  }
  // ∂W_hh += Σ_t ∂preᵀ · a<t-1>
  K.mmTN(G, H, T * B, dxp, 0, G, hs, 0, H, g.Whh, 0, H);
}

export const lstm: CellOps = {
  gates: 4,
  hasMemory: true,
  gateOrder: ['update (Γu, PyTorch i)', 'forget (Γf)', 'candidate (c̃, PyTorch g)', 'output (Γo)'],
  cacheWidth: (H) => 5 * H,
  extraParams: (H, peephole) => (peephole ? [{ name: PEEPHOLE, shape: [3 * H] }] : []),
  unitBias: (H) => [H, 2 * H],
  forward,
  backward,
};

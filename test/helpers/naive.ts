/**
 * The cells written straight from the textbook equations with scalar loops,
 * one time step for one sequence, independent of src/core/cells. Weight
 * matrices are (G·H, D) and (G·H, H) row-major with the gate blocks in the
 * documented order; W·[a, x] is written as W_hh·a + W_ih·x.
 */
import type { CellKind } from '../../src/core/cells/index.js';

const sig = (z: number) => 1 / (1 + Math.exp(-z));

export interface NaiveParams {
  Wih: ArrayLike<number>; Whh: ArrayLike<number>; bih: ArrayLike<number>; bhh: ArrayLike<number>;
  peep: ArrayLike<number> | null; D: number; H: number;
}

/** Row `row` of W (·, n) times v, plus b_ih[row] + b_hh[row]. */
function affine(p: NaiveParams, row: number, x: ArrayLike<number>, h: ArrayLike<number>): number {
  let s = p.bih[row]! + p.bhh[row]!;
  for (let k = 0; k < p.D; k++) s += p.Wih[row * p.D + k]! * x[k]!;
  for (let k = 0; k < p.H; k++) s += p.Whh[row * p.H + k]! * h[k]!;
  return s;
}

/** One step: returns a<t> and c<t>. */
export function naiveStep(kind: CellKind, p: NaiveParams, x: number[], a: number[], c: number[]): { a: number[]; c: number[] } {
  const H = p.H;
  const na: number[] = [], nc: number[] = [];
  if (kind === 'rnn') {
    for (let j = 0; j < H; j++) na.push(Math.tanh(affine(p, j, x, a)));
    return { a: na, c };
  }
  if (kind === 'gru-simple') {
    for (let j = 0; j < H; j++) {
      const gu = sig(affine(p, j, x, a));
      const ct = Math.tanh(affine(p, H + j, x, a));
      na.push(gu * ct + (1 - gu) * a[j]!);
    }
    return { a: na, c: na };
  }
  if (kind === 'gru') {
    const gr = Array.from({ length: H }, (_, j) => sig(affine(p, j, x, a)));
    const ra = a.map((v, j) => gr[j]! * v);
    for (let j = 0; j < H; j++) {
      const gu = sig(affine(p, H + j, x, a));
      // c̃ = tanh(W_c [Γr ∗ c<t-1>, x] + b_c): the recurrent part reads Γr ∗ a
      let s = p.bih[2 * H + j]! + p.bhh[2 * H + j]!;
      for (let k = 0; k < p.D; k++) s += p.Wih[(2 * H + j) * p.D + k]! * x[k]!;
      for (let k = 0; k < H; k++) s += p.Whh[(2 * H + j) * H + k]! * ra[k]!;
      const ct = Math.tanh(s);
      na.push(gu * ct + (1 - gu) * a[j]!);
    }
    return { a: na, c: na };
  }
  // lstm
  for (let j = 0; j < H; j++) {
    const pe = (g: number) => (p.peep ? p.peep[g * H + j]! * c[j]! : 0);
    const gu = sig(affine(p, j, x, a) + pe(0));
    const gf = sig(affine(p, H + j, x, a) + pe(1));
    const ct = Math.tanh(affine(p, 2 * H + j, x, a));
    const go = sig(affine(p, 3 * H + j, x, a) + pe(2));
    const cn = gu * ct + gf * c[j]!;
    nc.push(cn);
    na.push(go * Math.tanh(cn));
  }
  return { a: na, c: nc };
}

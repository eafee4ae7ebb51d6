/**
 * Each cell: (a) its forward agrees with the textbook equations written as
 * scalar loops (test/helpers/naive.ts); (b) its backward agrees with central
 * finite differences in float64 for every input (xp, a<0>, c<0>) and every
 * recurrent parameter, with L = Σ_t a<t>·dout<t> (+ c<T>·dc for the LSTM).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cells, type CellKind } from '../../src/core/cells/index.js';
import { float64Backend } from '../../src/core/backend.js';
import { gradcheck, randomFill } from '../helpers/gradcheck.js';
import { naiveStep } from '../helpers/naive.js';

const T = 3, B = 2, H = 4, D = 3;
const variants: { kind: CellKind; peephole: boolean }[] = [
  { kind: 'rnn', peephole: false },
  { kind: 'gru', peephole: false },
  { kind: 'gru-simple', peephole: false },
  { kind: 'lstm', peephole: false },
  { kind: 'lstm', peephole: true },
];

function setup(kind: CellKind, peephole: boolean, seed: number) {
  const cell = cells[kind];
  const G = cell.gates;
  const f = (n: number, s: number, scale = 0.8) => { const a = new Float64Array(n); randomFill(a, seed * 100 + s, scale); return a; };
  return {
    cell, G,
    Wih: f(G * H * D, 1), Whh: f(G * H * H, 2), bih: f(G * H, 3), bhh: f(G * H, 4),
    peep: peephole ? f(3 * H, 5) : null,
    x: f(T * B * D, 6, 1.5), h0: f(B * H, 7), c0: f(B * H, 8),
    dout: f(T * B * H, 9, 1), dcT: f(B * H, 10, 1),
  };
}

for (const { kind, peephole } of variants) {
  const name = `${kind}${peephole ? ' with peepholes' : ''}`;

  test(`${name}: forward matches the textbook equations`, () => {
    const s = setup(kind, peephole, 1);
    const { cell, G } = s;
    // xp = W_ih x + b_ih + b_hh, written out
    const xp = new Float64Array(T * B * G * H);
    for (let r = 0; r < T * B; r++) {
      for (let g = 0; g < G * H; g++) {
        let v = s.bih[g]! + s.bhh[g]!;
        for (let k = 0; k < D; k++) v += s.Wih[g * D + k]! * s.x[r * D + k]!;
        xp[r * G * H + g] = v;
      }
    }
    const hs = new Float64Array((T + 1) * B * H);
    const cs = cell.hasMemory ? new Float64Array((T + 1) * B * H) : null;
    hs.set(s.h0);
    cs?.set(s.c0);
    const cache = new Float64Array(Math.max(1, T * B * cell.cacheWidth(H)));
    cell.forward(float64Backend, hs, cs, cache, xp, { Whh: s.Whh, peep: s.peep, WhhT: null }, T, B, H);

    const p = { Wih: s.Wih, Whh: s.Whh, bih: s.bih, bhh: s.bhh, peep: s.peep, D, H };
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
  });

  test(`${name}: backward matches finite differences`, () => {
    const s = setup(kind, peephole, 2);
    const { cell, G } = s;
    const xp = new Float64Array(T * B * G * H);
    randomFill(xp, 77, 1.2);
    const hs = new Float64Array((T + 1) * B * H);
    const cs = cell.hasMemory ? new Float64Array((T + 1) * B * H) : null;
    const cache = new Float64Array(Math.max(1, T * B * cell.cacheWidth(H)));
    // W_hh transposed (H, G·H), as the model hands it to backward
    const WhhT = new Float64Array(G * H * H);
    for (let g = 0; g < G * H; g++) for (let j = 0; j < H; j++) WhhT[j * G * H + g] = s.Whh[g * H + j]!;
    const p = { Whh: s.Whh, peep: s.peep, WhhT };
    const loss = () => {
      hs.fill(0); hs.set(s.h0);
      if (cs) { cs.fill(0); cs.set(s.c0); }
      cell.forward(float64Backend, hs, cs, cache, Float64Array.from(xp), p, T, B, H); // a copy: the LSTM adds into xp
      let L = 0;
      for (let i = 0; i < T * B * H; i++) L += hs[B * H + i]! * s.dout[i]!;
      if (cs) for (let i = 0; i < B * H; i++) L += cs[T * B * H + i]! * s.dcT[i]!;
      return L;
    };
    loss();
    const dxp = new Float64Array(T * B * G * H);
    const dhs = new Float64Array((T + 1) * B * H);
    dhs.set(s.dout, B * H);
    const dc = cs ? Float64Array.from(s.dcT) : null;
    const g = { Whh: new Float64Array(s.Whh.length), peep: s.peep ? new Float64Array(s.peep.length) : null, WhhT: null };
    cell.backward(float64Backend, dxp, dhs, dc, g, hs, cs, cache, p, new Float64Array(B * H), T, B, H);

    const checks: [string, Float64Array, ArrayLike<number>][] = [
      ['xp', xp, dxp],
      ['a<0>', s.h0, dhs.subarray(0, B * H)],
      ['W_hh', s.Whh, g.Whh],
    ];
    if (cs) checks.push(['c<0>', s.c0, dc!]);
    if (s.peep) checks.push(['peepholes', s.peep, g.peep!]);
    for (const [what, x, an] of checks) {
      const r = gradcheck(loss, x, Float64Array.from(an));
      assert.ok(r.maxRel < 1e-6, `${name} ∂${what}: max relative error ${r.maxRel} at ${r.worst} (analytic ${r.analytic}, numeric ${r.numeric})`);
    }
  });
}

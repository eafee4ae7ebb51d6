/**
 * The WebAssembly SIMD matrix kernels, written with the assembler in
 * `assembler.ts` and built into module bytes at run time.
 *
 * Every function works on byte addresses into the one imported (shared)
 * memory; leading dimensions and strides are in BYTES. The products
 * ACCUMULATE into C and assume K ≥ 1 and M, N ≥ 1 (the JavaScript wrapper,
 * `wasm-kernels.ts`, returns early on empty products, does the blocking and
 * the packing, and calls these on blocks).
 *
 * - `kc{R}` / `rc{R}` (R = 1..4): a strip of R rows of C,
 *       C(i, n) += Σ_k a(i, k) · B(k, n)       i < R, n < N, k < K
 *   `kc`: a(i, k) at pa + i·sa + 4k  (A row-major: mmNN)
 *   `rc`: a(i, k) at pa + 4i + k·sa  (A stored transposed: mmTN)
 *   B(k, n) at pb + (n div 8)·ps + 4·(n mod 8) + k·ldb: B in place (ps = 32)
 *   or packed in 8-column panels by `packB` (ldb = 32, ps = 32·K).
 *   Register tiles of R×8 (two f32x4 per row: up to 8 accumulators in v128
 *   locals), then one R×4 tile, then scalar columns for N mod 4.
 *   Per k: two vector loads of B, R broadcast loads (v128.load32_splat) of
 *   A, 2R multiplies and 2R adds.
 *
 * - `nt{R}` (R = 1..4): mmNT computed transposed,
 *       Cᵀ(n + i, m) += Σ_k B(n + i, k) · P(k, m)      P = Aᵀ packed by `packT`
 *   R rows of B are the broadcast operand (read in place, contiguous in k),
 *   P (k-major, width rounded up to 4 lanes) the vector operand in panels of
 *   8 lanes (then one of 4). Each tile goes into C transposed: 4×4 register
 *   transposes with shuffles for full tiles, lane by lane at the edges
 *   (only m < mValid are written).
 *
 * - `dot`: one row of A against N rows of B (mmNT with tiny M, where
 *   broadcasting would waste lanes): four dot products at a time with
 *   SIMD along k, horizontally reduced by a 4×4 transpose.
 *
 * - `packT`, `pack4`, `packB`: the copies into the scratch areas.
 */

import { Func, assembleModule, block, br, br_if, f32, f32x4, i32, if_, local, loop, v128, type Code, type Local, type MemoryImport } from './assembler.js';

const { get, set, tee } = local;
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const c32 = i32.const;
const addI = (l: Local, x: Code | number): Code => set(l, i32.add(get(l), typeof x === 'number' ? c32(x) : x));
/** acc += a · b (two separate rounding steps: plain SIMD has no fused multiply-add). */
const madd = (acc: Local, a: Code, b: Code): Code => set(acc, f32x4.add(get(acc), f32x4.mul(a, b)));
/** mem[addr + off] += v  for one v128. */
const vAccum = (addr: Local, off: number, v: Code): Code => v128.store(get(addr), f32x4.add(v128.load(get(addr), off), v), off);
/** mem[addr + off] += x  for one f32. */
const sAccum = (addr: Code, off: number, x: Code): Code => f32.store(addr, f32.add(f32.load(addr, off), x), off);

/** 4×4 transpose of rows r0..r3 (i-major) into t0..t3 (lane-major), via tmp0..tmp3. */
function transpose4(r: readonly Code[], tmp: readonly Local[], out: readonly Local[]): Code {
  return [
    set(tmp[0]!, f32x4.shuffle(r[0]!, r[1]!, [0, 4, 1, 5])), // r0.0 r1.0 r0.1 r1.1
    set(tmp[1]!, f32x4.shuffle(r[0]!, r[1]!, [2, 6, 3, 7])), // r0.2 r1.2 r0.3 r1.3
    set(tmp[2]!, f32x4.shuffle(r[2]!, r[3]!, [0, 4, 1, 5])), // r2.0 r3.0 r2.1 r3.1
    set(tmp[3]!, f32x4.shuffle(r[2]!, r[3]!, [2, 6, 3, 7])), // r2.2 r3.2 r2.3 r3.3
    set(out[0]!, f32x4.shuffle(get(tmp[0]!), get(tmp[2]!), [0, 1, 4, 5])), // lane 0 of r0..r3
    set(out[1]!, f32x4.shuffle(get(tmp[0]!), get(tmp[2]!), [2, 3, 6, 7])), // lane 1
    set(out[2]!, f32x4.shuffle(get(tmp[1]!), get(tmp[3]!), [0, 1, 4, 5])), // lane 2
    set(out[3]!, f32x4.shuffle(get(tmp[1]!), get(tmp[3]!), [2, 3, 6, 7])), // lane 3
  ];
}

/**
 * `kc{R}` / `rc{R}`(pa, sa, pb, ldb, ps, pc, ldc, K, N): C(R×N) += a(R×K) · B(K×N).
 * B(k, n) at pb + (n div 8)·ps + 4·(n mod 8) + k·ldb: in place, ps = 32 (so
 * pb + 4n + k·ldb); packed in panels of 8 columns (`packB`), ldb = 32 and
 * ps = 32·K.
 */
function stripKernel(kind: 'kc' | 'rc', R: number): Func {
  const f = new Func(`${kind}${R}`, [
    ['pa', 'i32'], ['sa', 'i32'], ['pb', 'i32'], ['ldb', 'i32'], ['ps', 'i32'], ['pc', 'i32'], ['ldc', 'i32'], ['K', 'i32'], ['N', 'i32'],
  ]);
  const [pa, sa, pb, ldb, ps, pc, ldc, K, N] = f.params as [Local, Local, Local, Local, Local, Local, Local, Local, Local];
  const n = f.local('i32', 'n'); // current column
  const k = f.local('i32', 'k'); // k countdown
  const qb = f.local('i32', 'qb'); // &B(k, n)
  const t = f.local('i32', 't'); // scratch address
  const rowC = range(R).map((i) => f.local('i32', `rowC${i}`)); // &C(i, 0)
  const rowA = kind === 'kc' ? range(R).map((i) => f.local('i32', `rowA${i}`)) : []; // &a(i, 0)
  const qa = kind === 'kc' ? range(R).map((i) => f.local('i32', `qa${i}`)) : [f.local('i32', 'qa')]; // &a(i, k)
  const acc = range(R).map((i) => range(2).map((v) => f.local('v128', `acc${i}${v}`)));
  const bv = range(2).map((v) => f.local('v128', `b${v}`));
  const s = f.local('v128', 'splat');
  const sacc = range(R).map((i) => f.local('f32', `s${i}`));
  const bs = f.local('f32', 'bs');

  const resetA: Code = kind === 'kc' ? range(R).map((i) => set(qa[i]!, get(rowA[i]!))) : set(qa[0]!, get(pa));
  const advanceA: Code = kind === 'kc' ? range(R).map((i) => addI(qa[i]!, 4)) : addI(qa[0]!, get(sa));
  const splatA = (i: number): Code => (kind === 'kc' ? v128.load32_splat(get(qa[i]!)) : v128.load32_splat(get(qa[0]!), 4 * i));
  const scalarA = (i: number): Code => (kind === 'kc' ? f32.load(get(qa[i]!)) : f32.load(get(qa[0]!), 4 * i));
  const colBytes = i32.shl(get(n), c32(2));
  /** &B(0, n) = pb + (n div 8)·ps + 4·(n mod 8) */
  const colB = i32.add(get(pb), i32.add(i32.mul(i32.shr_u(get(n), c32(3)), get(ps)), i32.shl(i32.and(get(n), c32(7)), c32(2))));

  /** One R×(4V) register tile at column n, then n += 4V. */
  const vecTile = (V: number): Code => [
    range(R).map((i) => range(V).map((v) => set(acc[i]![v]!, v128.zero()))),
    resetA,
    set(qb, colB),
    set(k, get(K)),
    loop('k',
      range(V).map((v) => set(bv[v]!, v128.load(get(qb), 16 * v))), // B(k, n..n+4V)
      range(R).map((i) => [
        set(s, splatA(i)), // a(i, k) in all lanes
        range(V).map((v) => madd(acc[i]![v]!, get(s), get(bv[v]!))),
      ]),
      advanceA,
      addI(qb, get(ldb)),
      br_if('k', tee(k, i32.sub(get(k), c32(1)))),
    ),
    range(R).map((i) => [
      set(t, i32.add(get(rowC[i]!), colBytes)),
      range(V).map((v) => vAccum(t, 16 * v, get(acc[i]![v]!))),
    ]),
    addI(n, 4 * V),
  ];

  /** One column n with scalar accumulators, then n += 1. */
  const scalarColumn: Code = [
    range(R).map((i) => set(sacc[i]!, f32.const(0))),
    resetA,
    set(qb, colB),
    set(k, get(K)),
    loop('k',
      set(bs, f32.load(get(qb))),
      range(R).map((i) => set(sacc[i]!, f32.add(get(sacc[i]!), f32.mul(scalarA(i), get(bs))))),
      advanceA,
      addI(qb, get(ldb)),
      br_if('k', tee(k, i32.sub(get(k), c32(1)))),
    ),
    range(R).map((i) => sAccum(i32.add(get(rowC[i]!), colBytes), 0, get(sacc[i]!))),
    addI(n, 1),
  ];

  return f.code(
    range(R).map((i) => set(rowC[i]!, i32.add(get(pc), i32.mul(get(ldc), c32(i))))),
    kind === 'kc' ? range(R).map((i) => set(rowA[i]!, i32.add(get(pa), i32.mul(get(sa), c32(i))))) : [],
    set(n, c32(0)),
    // R×8 tiles while 8 columns remain
    block('done8', loop('n8', br_if('done8', i32.gt_s(i32.add(get(n), c32(8)), get(N))), vecTile(2), br('n8'))),
    // at most one R×4 tile
    if_(i32.le_s(i32.add(get(n), c32(4)), get(N)), vecTile(1)),
    // the last N mod 4 columns
    block('done1', loop('n1', br_if('done1', i32.ge_s(get(n), get(N))), scalarColumn, br('n1'))),
  );
}

/**
 * `nt{R}`(pb, ldb, pp, ldp, mValid, pc, ldc, K):
 *   C(m, i) += Σ_k B(i, k) · P(k, m)   for i < R, m < mValid,
 * B(i, k) at pb + i·ldb + 4k, P(k, m) at pp + k·ldp + 4m, C(m, i) at pc + m·ldc + 4i.
 * P's rows hold roundUp(mValid, 4) lanes (ldp ≥ that many floats): panels of 8
 * lanes, then one of 4 if needed; lanes ≥ mValid are computed but not stored.
 */
function ntKernel(R: number): Func {
  const f = new Func(`nt${R}`, [
    ['pb', 'i32'], ['ldb', 'i32'], ['pp', 'i32'], ['ldp', 'i32'], ['mValid', 'i32'], ['pc', 'i32'], ['ldc', 'i32'], ['K', 'i32'],
  ]);
  const [pb, ldb, pp, ldp, mValid, pc, ldc, K] = f.params as [Local, Local, Local, Local, Local, Local, Local, Local];
  const j = f.local('i32', 'j'); // first m of the tile
  const k = f.local('i32', 'k');
  const qp = f.local('i32', 'qp'); // &P(k, j)
  const cm = f.local('i32', 'cm'); // &C(j, 0)
  const t = f.local('i32', 't');
  const rowB = range(R).map((i) => f.local('i32', `rowB${i}`));
  const qb = range(R).map((i) => f.local('i32', `qb${i}`)); // &B(i, k)
  const acc = range(R).map((i) => range(2).map((v) => f.local('v128', `acc${i}${v}`)));
  const pv = range(2).map((v) => f.local('v128', `p${v}`));
  const s = f.local('v128', 'splat');
  const tmp = range(4).map((x) => f.local('v128', `tmp${x}`));
  const tr = range(4).map((x) => f.local('v128', `tr${x}`));

  /** Lane by lane: C(j + 4v + l, i) += acc[i][v].lane(l) for the m < mValid. */
  const maskedStore = (V: number): Code => range(V).map((v) =>
    range(4).map((l) =>
      if_(i32.lt_s(i32.add(get(j), c32(4 * v + l)), get(mValid)), [
        set(t, i32.add(get(cm), i32.mul(get(ldc), c32(4 * v + l)))),
        range(R).map((i) => sAccum(get(t), 4 * i, f32x4.extract_lane(get(acc[i]![v]!), l))),
      ]),
    ),
  );
  /** Full 4×(4V) tile: transpose each 4×4 block and add whole C row segments. */
  const transposedStore = (V: number): Code => range(V).map((v) => [
    transpose4(range(4).map((i) => get(acc[i]![v]!)), tmp, tr),
    range(4).map((l) => [set(t, i32.add(get(cm), i32.mul(get(ldc), c32(4 * v + l)))), vAccum(t, 0, get(tr[l]!))]),
  ]);

  /** One R×(4V) tile at lanes j.., then j += 4V. */
  const tile = (V: number): Code => [
    range(R).map((i) => range(V).map((v) => set(acc[i]![v]!, v128.zero()))),
    range(R).map((i) => set(qb[i]!, get(rowB[i]!))),
    set(qp, i32.add(get(pp), i32.shl(get(j), c32(2)))),
    set(k, get(K)),
    loop('k',
      range(V).map((v) => set(pv[v]!, v128.load(get(qp), 16 * v))), // P(k, j..j+4V)
      range(R).map((i) => [
        set(s, v128.load32_splat(get(qb[i]!))), // B(i, k) in all lanes
        range(V).map((v) => madd(acc[i]![v]!, get(s), get(pv[v]!))),
        addI(qb[i]!, 4),
      ]),
      addI(qp, get(ldp)),
      br_if('k', tee(k, i32.sub(get(k), c32(1)))),
    ),
    R === 4 ? if_(i32.le_s(i32.add(get(j), c32(4 * V)), get(mValid)), transposedStore(V), maskedStore(V)) : maskedStore(V),
    addI(j, 4 * V),
    set(cm, i32.add(get(cm), i32.mul(get(ldc), c32(4 * V)))),
  ];

  return f.code(
    range(R).map((i) => set(rowB[i]!, i32.add(get(pb), i32.mul(get(ldb), c32(i))))),
    set(j, c32(0)),
    set(cm, get(pc)),
    // 8-lane panels while more than 4 valid lanes remain
    block('done', loop('m', br_if('done', i32.le_s(get(mValid), i32.add(get(j), c32(4)))), tile(2), br('m'))),
    // a last 4-lane panel
    if_(i32.lt_s(get(j), get(mValid)), tile(1)),
  );
}

/**
 * `packT`(pa, lda, pp, ldp, mm, kk, mp): P(k, i) = A(i, k) for i < mm, k < kk, and
 * P(k, i) = 0 for mm ≤ i < mp. A(i, k) at pa + i·lda + 4k, P(k, i) at pp + k·ldp + 4i.
 * 4×4 blocks are moved with vector loads, a register transpose and vector stores.
 */
function packTKernel(): Func {
  const f = new Func('packT', [['pa', 'i32'], ['lda', 'i32'], ['pp', 'i32'], ['ldp', 'i32'], ['mm', 'i32'], ['kk', 'i32'], ['mp', 'i32']]);
  const [pa, lda, pp, ldp, mm, kk, mp] = f.params as [Local, Local, Local, Local, Local, Local, Local];
  const i = f.local('i32', 'i');
  const k = f.local('i32', 'k');
  const src = range(4).map((r) => f.local('i32', `src${r}`)); // &A(i + r, k)
  const dst = f.local('i32', 'dst'); // &P(k, i)
  const row = range(4).map((r) => f.local('v128', `row${r}`));
  const tmp = range(4).map((x) => f.local('v128', `tmp${x}`));
  const tr = range(4).map((x) => f.local('v128', `tr${x}`));
  return f.code(
    set(i, c32(0)),
    // four rows of A at a time
    block('done4', loop('i4',
      br_if('done4', i32.gt_s(i32.add(get(i), c32(4)), get(mm))),
      range(4).map((r) => set(src[r]!, i32.add(get(pa), i32.mul(get(lda), i32.add(get(i), c32(r)))))),
      set(dst, i32.add(get(pp), i32.shl(get(i), c32(2)))),
      set(k, c32(0)),
      block('kDone4', loop('k4',
        br_if('kDone4', i32.gt_s(i32.add(get(k), c32(4)), get(kk))),
        range(4).map((r) => [set(row[r]!, v128.load(get(src[r]!))), addI(src[r]!, 16)]),
        transpose4(row.map((x) => get(x)), tmp, tr),
        range(4).map((l) => [v128.store(get(dst), get(tr[l]!)), addI(dst, get(ldp))]),
        addI(k, 4),
        br('k4'),
      )),
      block('kDone1', loop('k1',
        br_if('kDone1', i32.ge_s(get(k), get(kk))),
        range(4).map((r) => [f32.store(get(dst), f32.load(get(src[r]!)), 4 * r), addI(src[r]!, 4)]),
        addI(dst, get(ldp)),
        addI(k, 1),
        br('k1'),
      )),
      addI(i, 4),
      br('i4'),
    )),
    // remaining rows one by one, then the zero padding
    block('done1', loop('i1',
      br_if('done1', i32.ge_s(get(i), get(mp))),
      set(src[0]!, i32.add(get(pa), i32.mul(get(lda), get(i)))),
      set(dst, i32.add(get(pp), i32.shl(get(i), c32(2)))),
      set(k, get(kk)),
      if_(i32.lt_s(get(i), get(mm)),
        loop('c', f32.store(get(dst), f32.load(get(src[0]!))), addI(src[0]!, 4), addI(dst, get(ldp)), br_if('c', tee(k, i32.sub(get(k), c32(1))))),
        loop('z', f32.store(get(dst), f32.const(0)), addI(dst, get(ldp)), br_if('z', tee(k, i32.sub(get(k), c32(1))))),
      ),
      addI(i, 1),
      br('i1'),
    )),
  );
}

/**
 * `pack4`(src, lds, dst, kk): copy kk rows of 4 floats, `lds` bytes apart, into a
 * contiguous kk×4 panel (mmTN: four columns of A, so the strip kernel reads them
 * without the cache-set conflicts of a power-of-two row stride).
 */
function pack4Kernel(): Func {
  const f = new Func('pack4', [['src', 'i32'], ['lds', 'i32'], ['dst', 'i32'], ['kk', 'i32']]);
  const [src, lds, dst, kk] = f.params as [Local, Local, Local, Local];
  return f.code(
    loop('k',
      v128.store(get(dst), v128.load(get(src))),
      addI(src, get(lds)),
      addI(dst, 16),
      br_if('k', tee(kk, i32.sub(get(kk), c32(1)))),
    ),
  );
}

/**
 * `dot`(pa, pb, ldb, pc, K, N): C(0, n) += Σ_k A(0, k) · B(n, k) for n < N,
 * A row at pa, B(n, k) at pb + n·ldb + 4k, C row at pc.
 */
function dotKernel(): Func {
  const f = new Func('dot', [['pa', 'i32'], ['pb', 'i32'], ['ldb', 'i32'], ['pc', 'i32'], ['K', 'i32'], ['N', 'i32']]);
  const [pa, pb, ldb, pc, K, N] = f.params as [Local, Local, Local, Local, Local, Local];
  const n = f.local('i32', 'n');
  const k = f.local('i32', 'k');
  const k4 = f.local('i32', 'k4'); // K div 4
  const qa = f.local('i32', 'qa');
  const t = f.local('i32', 't');
  const qb = range(4).map((x) => f.local('i32', `qb${x}`));
  const acc = range(4).map((x) => f.local('v128', `acc${x}`));
  const av = f.local('v128', 'a');
  const tmp = range(4).map((x) => f.local('v128', `tmp${x}`));
  const tr = range(4).map((x) => f.local('v128', `tr${x}`));
  const sum = f.local('v128', 'sum');
  const as = f.local('f32', 'as');
  const ss = range(4).map((x) => f.local('f32', `ss${x}`));

  /** Dot products of A with W rows of B starting at row n (W = 4 or 1): acc[0..W) and scalar tails ss[0..W). */
  const dots = (W: number): Code => [
    range(W).map((x) => [set(acc[x]!, v128.zero()), set(ss[x]!, f32.const(0)), set(qb[x]!, i32.add(get(pb), i32.mul(get(ldb), i32.add(get(n), c32(x)))))]),
    set(qa, get(pa)),
    if_(get(k4), [
      set(k, get(k4)),
      loop('k4',
        set(av, v128.load(get(qa))),
        range(W).map((x) => [madd(acc[x]!, get(av), v128.load(get(qb[x]!))), addI(qb[x]!, 16)]),
        addI(qa, 16),
        br_if('k4', tee(k, i32.sub(get(k), c32(1)))),
      ),
    ]),
    set(k, i32.and(get(K), c32(3))),
    block('tailDone', loop('tail',
      br_if('tailDone', i32.eqz(get(k))),
      set(as, f32.load(get(qa))),
      range(W).map((x) => [set(ss[x]!, f32.add(get(ss[x]!), f32.mul(get(as), f32.load(get(qb[x]!))))), addI(qb[x]!, 4)]),
      addI(qa, 4),
      set(k, i32.sub(get(k), c32(1))),
      br('tail'),
    )),
  ];

  return f.code(
    set(k4, i32.shr_u(get(K), c32(2))),
    set(n, c32(0)),
    block('done4', loop('n4',
      br_if('done4', i32.gt_s(i32.add(get(n), c32(4)), get(N))),
      dots(4),
      transpose4(acc.map((a) => get(a)), tmp, tr),
      // sum = (Σ lanes acc0, Σ lanes acc1, Σ lanes acc2, Σ lanes acc3) + scalar tails
      set(sum, f32x4.add(f32x4.add(get(tr[0]!), get(tr[1]!)), f32x4.add(get(tr[2]!), get(tr[3]!)))),
      range(4).map((x) => set(sum, f32x4.replace_lane(get(sum), x, f32.add(f32x4.extract_lane(get(sum), x), get(ss[x]!))))),
      set(t, i32.add(get(pc), i32.shl(get(n), c32(2)))),
      vAccum(t, 0, get(sum)),
      addI(n, 4),
      br('n4'),
    )),
    block('done1', loop('n1',
      br_if('done1', i32.ge_s(get(n), get(N))),
      dots(1),
      sAccum(
        i32.add(get(pc), i32.shl(get(n), c32(2))),
        0,
        f32.add(
          f32.add(f32.add(f32x4.extract_lane(get(acc[0]!), 0), f32x4.extract_lane(get(acc[0]!), 1)), f32.add(f32x4.extract_lane(get(acc[0]!), 2), f32x4.extract_lane(get(acc[0]!), 3))),
          get(ss[0]!),
        ),
      ),
      addI(n, 1),
      br('n1'),
    )),
  );
}

/**
 * `packB`(src, ldb, dst, kk, nn): copy B(kk×nn) (rows `ldb` bytes apart) into
 * panels of 8 columns, each kk×8 contiguous (the last panel narrower: only
 * its nn mod 8 valid columns are written, rows still 32 bytes apart), so the
 * strip kernels stream B with ldb = 32 and panel stride 32·kk.
 */
function packBKernel(): Func {
  const f = new Func('packB', [['src', 'i32'], ['ldb', 'i32'], ['dst', 'i32'], ['kk', 'i32'], ['nn', 'i32']]);
  const [src, ldb, dst, kk, nn] = f.params as [Local, Local, Local, Local, Local];
  const n0 = f.local('i32', 'n0');
  const k = f.local('i32', 'k');
  const c = f.local('i32', 'c');
  const s = f.local('i32', 's');
  const d = f.local('i32', 'd');
  const w = f.local('i32', 'w');
  return f.code(
    set(n0, c32(0)),
    block('done8', loop('p',
      br_if('done8', i32.gt_s(i32.add(get(n0), c32(8)), get(nn))),
      set(s, i32.add(get(src), i32.shl(get(n0), c32(2)))),
      set(k, get(kk)),
      loop('k',
        v128.store(get(dst), v128.load(get(s))),
        v128.store(get(dst), v128.load(get(s), 16), 16),
        addI(s, get(ldb)),
        addI(dst, 32),
        br_if('k', tee(k, i32.sub(get(k), c32(1)))),
      ),
      addI(n0, 8),
      br('p'),
    )),
    set(w, i32.sub(get(nn), get(n0))),
    if_(get(w), [
      set(s, i32.add(get(src), i32.shl(get(n0), c32(2)))),
      set(k, get(kk)),
      loop('k',
        set(c, c32(0)),
        if_(i32.ge_s(get(w), c32(4)), [v128.store(get(dst), v128.load(get(s))), set(c, c32(4))]),
        block('cDone', loop('c',
          br_if('cDone', i32.ge_s(get(c), get(w))),
          set(d, i32.shl(get(c), c32(2))),
          f32.store(i32.add(get(dst), get(d)), f32.load(i32.add(get(s), get(d)))),
          addI(c, 1),
          br('c'),
        )),
        addI(s, get(ldb)),
        addI(dst, 32),
        br_if('k', tee(k, i32.sub(get(k), c32(1)))),
      ),
    ]),
  );
}

/** Names of the exported functions, by family and R. */
export const KERNEL_NAMES = {
  kc: ['kc1', 'kc2', 'kc3', 'kc4'],
  rc: ['rc1', 'rc2', 'rc3', 'rc4'],
  nt: ['nt1', 'nt2', 'nt3', 'nt4'],
} as const;

/** Build the module bytes; it imports its memory as `env.memory` with the given limits. */
export function buildGemmModule(memory: Omit<MemoryImport, 'module' | 'name'>): Uint8Array {
  const funcs: Func[] = [];
  for (const R of [1, 2, 3, 4]) funcs.push(stripKernel('kc', R));
  for (const R of [1, 2, 3, 4]) funcs.push(stripKernel('rc', R));
  for (const R of [1, 2, 3, 4]) funcs.push(ntKernel(R));
  funcs.push(dotKernel(), packTKernel(), pack4Kernel(), packBKernel());
  return assembleModule({ module: 'env', name: 'memory', ...memory }, funcs);
}

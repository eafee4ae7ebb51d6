/**
 * A tiny WebAssembly binary assembler: enough of the format to build the
 * SIMD matrix kernels at run time from a readable description, with no
 * toolchain and no build step.
 *
 * Code is written in the *folded* style of the text format: every helper
 * takes its operands as code and returns code that evaluates them and then
 * applies the instruction, e.g.
 *
 *     local.set(x, i32.add(local.get(x), i32.const(4)))   ;; x += 4
 *
 * `Code` is a tree (arrays nest freely) of raw instruction bytes and
 * structured control (`block`, `loop`, `if_`) whose branches name their
 * target by label; labels are resolved to relative depths when the
 * function is encoded. Only what the kernels need is here: i32/f32/f64
 * scalar arithmetic, loads and stores, and a subset of the 128-bit SIMD
 * proposal (v128, f32x4, i32x4, a little f64x2; no relaxed SIMD). Each
 * instruction carries its opcode number from the specification (SIMD ones
 * after the 0xfd prefix).
 *
 * Pure: no Node APIs; the caller compiles the bytes with the global
 * `WebAssembly` object.
 */

export type ValType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128';

const VALTYPE: Record<ValType, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b };

/** A local variable (or parameter) of a function under construction. */
export interface Local {
  readonly index: number;
  readonly type: ValType;
  readonly name: string;
}

/** Raw bytes of one or more instructions. */
interface Bytes {
  readonly bytes: readonly number[];
}
/** Structured control: `block`/`loop`/`if` with a label branches can name. */
interface Control {
  readonly control: 'block' | 'loop' | 'if';
  readonly label: string;
  readonly body: Code;
  readonly otherwise?: Code;
}
/** `br` / `br_if` to a label (resolved to a depth at encoding). */
interface Branch {
  readonly branch: 0x0c | 0x0d;
  readonly label: string;
}

export type Code = Bytes | Control | Branch | readonly Code[];

// ---------------------------------------------------------------- encodings

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`uleb: ${n}`);
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (for i32.const). */
export function sleb(n: number): number[] {
  if (!Number.isInteger(n)) throw new RangeError(`sleb: ${n}`);
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n = Math.floor(n / 128); // arithmetic shift that also works beyond 32 bits
    const signBit = (byte & 0x40) !== 0;
    if ((n === 0 && !signBit) || (n === -1 && signBit)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function utf8(s: string): number[] {
  const out: number[] = [];
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) out.push(c);
    else throw new RangeError('assembler: names must be ASCII');
  }
  return [...uleb(out.length), ...out];
}

const raw = (...bytes: number[]): Bytes => ({ bytes });

/** memarg: log2 of the alignment *hint* (never trapped on) and a constant byte offset. */
const memarg = (alignLog2: number, offset: number): number[] => [...uleb(alignLog2), ...uleb(offset)];

/** A SIMD instruction: prefix 0xfd then the opcode as unsigned LEB128. */
const simd = (op: number, ...imm: number[]): Bytes => raw(0xfd, ...uleb(op), ...imm);

// ---------------------------------------------------------------- instructions

export const local = {
  get: (l: Local): Code => raw(0x20, ...uleb(l.index)),
  set: (l: Local, value: Code): Code => [value, raw(0x21, ...uleb(l.index))],
  tee: (l: Local, value: Code): Code => [value, raw(0x22, ...uleb(l.index))],
};

export const i32 = {
  const: (n: number): Code => raw(0x41, ...sleb(n | 0)),
  load: (addr: Code, offset = 0): Code => [addr, raw(0x28, ...memarg(2, offset))],
  store: (addr: Code, value: Code, offset = 0): Code => [addr, value, raw(0x36, ...memarg(2, offset))],
  eqz: (a: Code): Code => [a, raw(0x45)],
  eq: (a: Code, b: Code): Code => [a, b, raw(0x46)],
  ne: (a: Code, b: Code): Code => [a, b, raw(0x47)],
  lt_s: (a: Code, b: Code): Code => [a, b, raw(0x48)],
  lt_u: (a: Code, b: Code): Code => [a, b, raw(0x49)],
  gt_s: (a: Code, b: Code): Code => [a, b, raw(0x4a)],
  gt_u: (a: Code, b: Code): Code => [a, b, raw(0x4b)],
  le_s: (a: Code, b: Code): Code => [a, b, raw(0x4c)],
  ge_s: (a: Code, b: Code): Code => [a, b, raw(0x4e)],
  add: (a: Code, b: Code): Code => [a, b, raw(0x6a)],
  sub: (a: Code, b: Code): Code => [a, b, raw(0x6b)],
  mul: (a: Code, b: Code): Code => [a, b, raw(0x6c)],
  and: (a: Code, b: Code): Code => [a, b, raw(0x71)],
  shl: (a: Code, b: Code): Code => [a, b, raw(0x74)],
  shr_s: (a: Code, b: Code): Code => [a, b, raw(0x75)],
  shr_u: (a: Code, b: Code): Code => [a, b, raw(0x76)],
};

export const f32 = {
  const: (x: number): Code => {
    const b = new Uint8Array(new Float32Array([x]).buffer);
    return raw(0x43, b[0]!, b[1]!, b[2]!, b[3]!);
  },
  load: (addr: Code, offset = 0): Code => [addr, raw(0x2a, ...memarg(2, offset))],
  store: (addr: Code, value: Code, offset = 0): Code => [addr, value, raw(0x38, ...memarg(2, offset))],
  abs: (a: Code): Code => [a, raw(0x8b)],
  neg: (a: Code): Code => [a, raw(0x8c)],
  add: (a: Code, b: Code): Code => [a, b, raw(0x92)],
  sub: (a: Code, b: Code): Code => [a, b, raw(0x93)],
  mul: (a: Code, b: Code): Code => [a, b, raw(0x94)],
  div: (a: Code, b: Code): Code => [a, b, raw(0x95)],
  min: (a: Code, b: Code): Code => [a, b, raw(0x96)],
  max: (a: Code, b: Code): Code => [a, b, raw(0x97)],
  demote_f64: (a: Code): Code => [a, raw(0xb6)],
};

export const f64 = {
  const: (x: number): Code => {
    const b = new Uint8Array(new Float64Array([x]).buffer);
    return raw(0x44, ...b);
  },
  load: (addr: Code, offset = 0): Code => [addr, raw(0x2b, ...memarg(3, offset))],
  store: (addr: Code, value: Code, offset = 0): Code => [addr, value, raw(0x39, ...memarg(3, offset))],
  add: (a: Code, b: Code): Code => [a, b, raw(0xa0)],
  sub: (a: Code, b: Code): Code => [a, b, raw(0xa1)],
  mul: (a: Code, b: Code): Code => [a, b, raw(0xa2)],
  div: (a: Code, b: Code): Code => [a, b, raw(0xa3)],
  promote_f32: (a: Code): Code => [a, raw(0xbb)],
};

/** Float lanes (0..3 from the first operand, 4..7 from the second) → the 16 byte lanes of i8x16.shuffle. */
function floatLanesToBytes(lanes: readonly [number, number, number, number]): number[] {
  const out: number[] = [];
  for (const l of lanes) {
    if (!(l >= 0 && l < 8)) throw new RangeError(`shuffle lane ${l}`);
    out.push(4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3);
  }
  return out;
}

export const v128 = {
  /** 16-byte load; alignment hint 4 bytes (the kernels never assume more). */
  load: (addr: Code, offset = 0): Code => [addr, simd(0x00, ...memarg(2, offset))],
  /** Load one f32 and broadcast it to the four lanes. */
  load32_splat: (addr: Code, offset = 0): Code => [addr, simd(0x09, ...memarg(2, offset))],
  store: (addr: Code, value: Code, offset = 0): Code => [addr, value, simd(0x0b, ...memarg(2, offset))],
  /** The all-zero vector. */
  zero: (): Code => simd(0x0c, ...new Array<number>(16).fill(0)),
  /** A constant vector from its 16 bytes (little-endian lanes). */
  const: (bytes: readonly number[]): Code => {
    if (bytes.length !== 16) throw new RangeError(`v128.const: ${bytes.length} bytes`);
    return simd(0x0c, ...bytes.map((b) => b & 0xff));
  },
  not: (a: Code): Code => [a, simd(0x4d)],
  and: (a: Code, b: Code): Code => [a, b, simd(0x4e)],
  /** a & ~b */
  andnot: (a: Code, b: Code): Code => [a, b, simd(0x4f)],
  or: (a: Code, b: Code): Code => [a, b, simd(0x50)],
  xor: (a: Code, b: Code): Code => [a, b, simd(0x51)],
  /** Bitwise (a & mask) | (b & ~mask): with a lane mask from a comparison, mask ? a : b per lane. */
  bitselect: (a: Code, b: Code, mask: Code): Code => [a, b, mask, simd(0x52)],
  /** 1 if any bit is set. */
  any_true: (a: Code): Code => [a, simd(0x53)],
};

export const f32x4 = {
  /** A constant vector of four floats (rounded to float32). */
  const: (a: number, b = a, c = a, d = a): Code => v128.const([...new Uint8Array(new Float32Array([a, b, c, d]).buffer)]),
  splat: (x: Code): Code => [x, simd(0x13)],
  extract_lane: (v: Code, lane: number): Code => [v, simd(0x1f, lane)],
  replace_lane: (v: Code, lane: number, x: Code): Code => [v, x, simd(0x20, lane)],
  // comparisons: all-ones lanes where true (false for NaN, except ne)
  eq: (a: Code, b: Code): Code => [a, b, simd(0x41)],
  ne: (a: Code, b: Code): Code => [a, b, simd(0x42)],
  lt: (a: Code, b: Code): Code => [a, b, simd(0x43)],
  gt: (a: Code, b: Code): Code => [a, b, simd(0x44)],
  le: (a: Code, b: Code): Code => [a, b, simd(0x45)],
  ge: (a: Code, b: Code): Code => [a, b, simd(0x46)],
  /** f64x2 → the two low lanes of an f32x4 (high lanes zero). */
  demote_f64x2_zero: (a: Code): Code => [a, simd(0x5e)],
  ceil: (a: Code): Code => [a, simd(0x67)],
  floor: (a: Code): Code => [a, simd(0x68)],
  trunc: (a: Code): Code => [a, simd(0x69)],
  /** Round to nearest, ties to even. */
  nearest: (a: Code): Code => [a, simd(0x6a)],
  abs: (a: Code): Code => [a, simd(0xe0)],
  neg: (a: Code): Code => [a, simd(0xe1)],
  sqrt: (a: Code): Code => [a, simd(0xe3)],
  add: (a: Code, b: Code): Code => [a, b, simd(0xe4)],
  sub: (a: Code, b: Code): Code => [a, b, simd(0xe5)],
  mul: (a: Code, b: Code): Code => [a, b, simd(0xe6)],
  div: (a: Code, b: Code): Code => [a, b, simd(0xe7)],
  /** IEEE min/max: NaN if either lane is NaN. */
  min: (a: Code, b: Code): Code => [a, b, simd(0xe8)],
  max: (a: Code, b: Code): Code => [a, b, simd(0xe9)],
  /** Pseudo-min/max: b < a ? b : a  and  a < b ? b : a (no NaN propagation from b). */
  pmin: (a: Code, b: Code): Code => [a, b, simd(0xea)],
  pmax: (a: Code, b: Code): Code => [a, b, simd(0xeb)],
  /** i32x4 → f32x4 (signed). */
  convert_i32x4_s: (a: Code): Code => [a, simd(0xfa)],
  /** i8x16.shuffle written with float lanes: result lane j = (a‖b)[lanes[j]]. */
  shuffle: (a: Code, b: Code, lanes: readonly [number, number, number, number]): Code => [a, b, simd(0x0d, ...floatLanesToBytes(lanes))],
};

export const i32x4 = {
  splat: (x: Code): Code => [x, simd(0x11)],
  extract_lane: (v: Code, lane: number): Code => [v, simd(0x1b, lane)],
  eq: (a: Code, b: Code): Code => [a, b, simd(0x37)],
  lt_s: (a: Code, b: Code): Code => [a, b, simd(0x39)],
  gt_s: (a: Code, b: Code): Code => [a, b, simd(0x3b)],
  /** Shifts take the count as a scalar i32 (modulo 32). */
  shl: (a: Code, count: Code): Code => [a, count, simd(0xab)],
  shr_s: (a: Code, count: Code): Code => [a, count, simd(0xac)],
  shr_u: (a: Code, count: Code): Code => [a, count, simd(0xad)],
  add: (a: Code, b: Code): Code => [a, b, simd(0xae)],
  sub: (a: Code, b: Code): Code => [a, b, simd(0xb1)],
  mul: (a: Code, b: Code): Code => [a, b, simd(0xb5)],
  min_s: (a: Code, b: Code): Code => [a, b, simd(0xb6)],
  max_s: (a: Code, b: Code): Code => [a, b, simd(0xb8)],
  /** f32x4 → i32x4 toward zero, saturating; NaN → 0. */
  trunc_sat_f32x4_s: (a: Code): Code => [a, simd(0xf8)],
};

export const f64x2 = {
  splat: (x: Code): Code => [x, simd(0x14)],
  extract_lane: (v: Code, lane: number): Code => [v, simd(0x21, lane)],
  /** The two low f32 lanes widened to f64. */
  promote_low_f32x4: (a: Code): Code => [a, simd(0x5f)],
  add: (a: Code, b: Code): Code => [a, b, simd(0xf0)],
  sub: (a: Code, b: Code): Code => [a, b, simd(0xf1)],
  mul: (a: Code, b: Code): Code => [a, b, simd(0xf2)],
};

// ---------------------------------------------------------------- control

/** `block $label … end`: `br(label)` jumps past the end. */
export const block = (label: string, ...body: Code[]): Code => ({ control: 'block', label, body });
/** `loop $label … end`: `br(label)` jumps back to the start. */
export const loop = (label: string, ...body: Code[]): Code => ({ control: 'loop', label, body });
/** `if (cond) then … else … end` (no result value). */
export const if_ = (cond: Code, then: Code, otherwise?: Code): Code => [
  cond,
  otherwise === undefined ? { control: 'if', label: '', body: then } : { control: 'if', label: '', body: then, otherwise },
];
export const br = (label: string): Code => ({ branch: 0x0c, label });
export const br_if = (label: string, cond: Code): Code => [cond, { branch: 0x0d, label }];
export const return_ = (): Code => raw(0x0f);

// ---------------------------------------------------------------- functions and module

export class Func {
  readonly params: Local[];
  private readonly extra: Local[] = [];
  private body: Code = [];

  constructor(
    readonly name: string,
    params: ReadonlyArray<readonly [string, ValType]>,
    readonly results: readonly ValType[] = [],
  ) {
    this.params = params.map(([n, type], index) => ({ name: n, type, index }));
  }

  /** Parameter by name. */
  p(name: string): Local {
    const l = this.params.find((x) => x.name === name);
    if (!l) throw new Error(`${this.name}: no parameter ${name}`);
    return l;
  }

  /** Declare a new local. */
  local(type: ValType, name = ''): Local {
    const l: Local = { index: this.params.length + this.extra.length, type, name };
    this.extra.push(l);
    return l;
  }

  /** Set the function body (instructions, in order). */
  code(...body: Code[]): this {
    this.body = body;
    return this;
  }

  typeBytes(): number[] {
    return [0x60, ...uleb(this.params.length), ...this.params.map((l) => VALTYPE[l.type]), ...uleb(this.results.length), ...this.results.map((t) => VALTYPE[t])];
  }

  /** Encoded code-section entry: locals then body, prefixed by its size. */
  encode(): number[] {
    const groups: Array<[number, ValType]> = [];
    for (const l of this.extra) {
      const last = groups[groups.length - 1];
      if (last && last[1] === l.type) last[0]++;
      else groups.push([1, l.type]);
    }
    const out: number[] = [...uleb(groups.length)];
    for (const [n, t] of groups) out.push(...uleb(n), VALTYPE[t]);
    emit(this.body, [], out, this.name);
    out.push(0x0b);
    return [...uleb(out.length), ...out];
  }
}

function emit(code: Code, labels: string[], out: number[], where: string): void {
  if (Array.isArray(code)) {
    for (const c of code as readonly Code[]) emit(c, labels, out, where);
  } else if ('bytes' in code) {
    for (const b of code.bytes) out.push(b);
  } else if ('branch' in code) {
    const i = labels.lastIndexOf(code.label);
    if (i < 0) throw new Error(`${where}: unknown label ${code.label}`);
    out.push(code.branch, ...uleb(labels.length - 1 - i));
  } else {
    const ctl = code as Control;
    out.push(ctl.control === 'block' ? 0x02 : ctl.control === 'loop' ? 0x03 : 0x04, 0x40);
    labels.push(ctl.label);
    emit(ctl.body, labels, out, where);
    if (ctl.otherwise !== undefined) {
      out.push(0x05);
      emit(ctl.otherwise, labels, out, where);
    }
    labels.pop();
    out.push(0x0b);
  }
}

export interface MemoryImport {
  module: string;
  name: string;
  /** Pages of 64 KiB. */
  initial: number;
  maximum: number;
  shared: boolean;
}

function section(id: number, payload: number[]): number[] {
  return [id, ...uleb(payload.length), ...payload];
}

/** Assemble a module importing one memory and exporting every function under its name. */
export function assembleModule(memory: MemoryImport, funcs: readonly Func[]): Uint8Array {
  // Types (deduplicated).
  const typeKeys: string[] = [];
  const typeBodies: number[][] = [];
  const typeIndex = funcs.map((f) => {
    const t = f.typeBytes();
    const key = t.join(',');
    let i = typeKeys.indexOf(key);
    if (i < 0) {
      i = typeKeys.length;
      typeKeys.push(key);
      typeBodies.push(t);
    }
    return i;
  });
  const typeSec = section(1, [...uleb(typeBodies.length), ...typeBodies.flat()]);

  const limitsFlag = (memory.shared ? 0x02 : 0) | 0x01;
  const importSec = section(2, [...uleb(1), ...utf8(memory.module), ...utf8(memory.name), 0x02, limitsFlag, ...uleb(memory.initial), ...uleb(memory.maximum)]);

  const funcSec = section(3, [...uleb(funcs.length), ...typeIndex.flatMap((i) => uleb(i))]);

  const exports: number[] = [...uleb(funcs.length)];
  funcs.forEach((f, i) => exports.push(...utf8(f.name), 0x00, ...uleb(i)));
  const exportSec = section(7, exports);

  const codeSec = section(10, [...uleb(funcs.length), ...funcs.flatMap((f) => f.encode())]);

  const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  return Uint8Array.from([...header, ...typeSec, ...importSec, ...funcSec, ...exportSec, ...codeSec]);
}

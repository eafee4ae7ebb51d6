/**
 * An rnnlm model as an ONNX graph (opset 17, IR version 8), for onnxruntime
 * and every other ONNX runtime. Pure: a checkpoint in, bytes out.
 *
 * Inputs:   tokens  int64 [T, B]     the previous token of each step, time-major; −1 = the zero input
 *                                    (step 1 of a sentence), so a sentence y₁…y_n is scored with
 *                                    tokens [−1, y₁, …, y_n] and read at y₁ … y_n, <EOS> (id 0)
 *           h0      float [L, B, H]  the initial state (zeros for a new sentence)
 *           c0      float [L, B, H]  (LSTM only) the initial memory cells
 * Outputs:  logprobs float [T, B, V] natural-log P(next token) at every step (exactly normalized)
 *           hn, cn  float [L, B, H]  the state after the last step (feed it back to go on, one step at a time)
 *
 * The recurrence uses ONNX's own operators where their equations are
 * rnnlm's: RNN (tanh), LSTM without peepholes (gates reordered to ONNX's
 * i, o, f, c), GRU with linear_before_reset = 0 (the reset gate applied to
 * a⟨t−1⟩ before the product, as rnnlm's GRU; ONNX's z is 1 − rnnlm's update
 * gate, so that gate's weights and biases are negated). The LSTM with
 * peepholes (ONNX's reads c⟨t⟩ for the output gate, rnnlm's c⟨t−1⟩) and the
 * one-gate GRU are a Scan over a step built from primitive operators. The
 * vocabulary, tokenizer and config travel in the metadata ("rnnlm": the
 * checkpoint's description as JSON).
 */
import type { Checkpoint } from './codec.js';
import { checkpointDescription } from './codec.js';
import { modelParams } from '../core/model.js';
import { adaptiveShape } from '../core/adaptive.js';
import { cells } from '../core/cells/index.js';
import { transpose, type Vec } from '../core/kernels.js';
import { CheckpointError } from './errors.js';
import { Message } from './protobuf.js';

export const ONNX_OPSET = 17;
const IR_VERSION = 8;
const FLOAT = 1, INT64 = 7;
/** AttributeProto.type */
const ATTR = { FLOAT: 1, INT: 2, GRAPH: 5, INTS: 7 } as const;

type Attr = { name: string } & ({ i: number } | { ints: readonly number[] } | { f: number } | { g: Message });

/** A graph (the model's, or a Scan body) built node by node. */
class Graph {
  private nodes: Message[] = [];
  private inits: Message[] = [];
  private inputs: Message[] = [];
  private outputs: Message[] = [];
  private n = 0;

  constructor(private readonly prefix: string) {}

  fresh(hint: string): string {
    return `${this.prefix}${hint}_${this.n++}`;
  }

  /** A float32 initializer from `data` (row-major, dims). */
  floats(hint: string, dims: readonly number[], data: ArrayLike<number>): string {
    const name = this.fresh(hint);
    const raw = new Uint8Array(4 * data.length);
    const dv = new DataView(raw.buffer);
    for (let i = 0; i < data.length; i++) dv.setFloat32(4 * i, data[i]!, true);
    const t = new Message();
    for (const d of dims) t.int(1, d);
    t.int(2, FLOAT).string(8, name).bytes(9, raw);
    this.inits.push(t);
    return name;
  }

  int64s(hint: string, values: readonly number[]): string {
    const name = this.fresh(hint);
    const raw = new Uint8Array(8 * values.length);
    const dv = new DataView(raw.buffer);
    values.forEach((v, i) => dv.setBigInt64(8 * i, BigInt(v), true));
    const t = new Message().int(1, values.length).int(2, INT64).string(8, name).bytes(9, raw);
    this.inits.push(t);
    return name;
  }

  /** A node; returns its output names (fresh ones unless given). */
  op(type: string, inputs: readonly string[], outputs: number | readonly string[] = 1, attrs: readonly Attr[] = []): string[] {
    const outs = typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.fresh(type.toLowerCase())) : [...outputs];
    const m = new Message();
    for (const i of inputs) m.string(1, i);
    for (const o of outs) m.string(2, o);
    m.string(3, this.fresh(`${type}_node`)).string(4, type);
    for (const a of attrs) {
      const am = new Message().string(1, a.name);
      if ('i' in a) am.int(3, a.i).int(20, ATTR.INT);
      else if ('f' in a) am.float(2, a.f).int(20, ATTR.FLOAT);
      else if ('ints' in a) { for (const v of a.ints) am.int(8, v); am.int(20, ATTR.INTS); }
      else am.message(6, a.g).int(20, ATTR.GRAPH);
      m.message(5, am);
    }
    this.nodes.push(m);
    return outs;
  }

  one(type: string, inputs: readonly string[], attrs: readonly Attr[] = []): string {
    return this.op(type, inputs, 1, attrs)[0]!;
  }

  input(name: string, elem: number, dims: readonly (number | string)[]): void {
    this.inputs.push(valueInfo(name, elem, dims));
  }

  output(name: string, elem: number, dims: readonly (number | string)[]): void {
    this.outputs.push(valueInfo(name, elem, dims));
  }

  message(name: string): Message {
    const g = new Message();
    for (const n of this.nodes) g.message(1, n);
    g.string(2, name);
    for (const t of this.inits) g.message(5, t);
    for (const i of this.inputs) g.message(11, i);
    for (const o of this.outputs) g.message(12, o);
    return g;
  }
}

function valueInfo(name: string, elem: number, dims: readonly (number | string)[]): Message {
  const shape = new Message();
  for (const d of dims) shape.message(1, typeof d === 'number' ? new Message().int(1, d) : new Message().string(2, d));
  const tensor = new Message().int(1, elem).message(2, shape);
  return new Message().string(1, name).message(2, new Message().message(1, tensor));
}

/** Rows of `W` (G blocks of `H` rows, `cols` wide) in another block order, some blocks negated. */
function blocks(W: Vec, H: number, cols: number, order: readonly number[], negate: readonly boolean[] = []): Float32Array {
  const out = new Float32Array(order.length * H * cols);
  order.forEach((b, k) => {
    const s = negate[k] ? -1 : 1;
    for (let i = 0; i < H * cols; i++) out[k * H * cols + i] = s * W[b * H * cols + i]!;
  });
  return out;
}

/** The transpose of a rows × cols matrix, in a new array (the kernels' transpose). */
function transposed(W: Vec, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  transpose(rows, cols, W, 0, out, 0);
  return out;
}

/** The gate order of ONNX's operator for a cell, as blocks of rnnlm's, and which are negated (GRU's z = 1 − u). */
const FUSED: Record<string, { op: 'RNN' | 'LSTM' | 'GRU'; order: number[]; negate: boolean[] } | undefined> = {
  rnn: { op: 'RNN', order: [0], negate: [false] },
  lstm: { op: 'LSTM', order: [0, 3, 1, 2], negate: [] }, // rnnlm u f c̃ o (PyTorch i f g o) → ONNX i o f c
  gru: { op: 'GRU', order: [1, 0, 2], negate: [true, false, false] }, // rnnlm r u c̃ → ONNX z r h, z = 1 − u
};

/** The ONNX model of a checkpoint (see the top of this file). */
export function onnxModel(ck: Checkpoint, producerVersion = ''): Uint8Array {
  const cfg = ck.model.config;
  // a protobuf message cannot pass 2 GiB; the weights (with the lookup tables, about 2× a one-hot model's W_ih) must fit
  const estimate = 4 * (ck.model.layout.total + (cfg.embedding === 0 ? (cfg.vocabSize + 1) * cells[cfg.cell].gates * cfg.hidden : 0));
  if (estimate > 2 ** 31 - 2 ** 24) {
    throw new CheckpointError(`the model is too large for one ONNX file (about ${(estimate / 2 ** 30).toFixed(1)} GiB of weights; a protobuf file holds at most 2 GiB)`,
      'export it as safetensors (-o model.safetensors), which has no such limit');
  }
  const P = modelParams(cfg, ck.model.params);
  const { hidden: H, layers: L, vocabSize: V, embedding: E } = cfg;
  const G = cells[cfg.cell].gates;
  const GH = G * H;
  const lstm = cfg.cell === 'lstm';
  const fused = cfg.cell === 'lstm' && cfg.peephole ? undefined : FUSED[cfg.cell];
  const g = new Graph('');
  g.input('tokens', INT64, ['T', 'B']);
  g.input('h0', FLOAT, [L, 'B', H]);
  if (lstm) g.input('c0', FLOAT, [L, 'B', H]);

  // row 0 of every lookup table is the zero input (token −1 + 1)
  const idx = g.one('Add', ['tokens', g.int64s('one', [1])]);
  const axis0 = g.int64s('axis0', [0]);
  let axis1 = ''; // made when a fused operator needs it (an unused initializer draws a warning)
  const hn: string[] = [], cn: string[] = [];
  let x = '';
  if (E > 0) {
    const table = new Float32Array((V + 1) * E);
    table.set(P.embedding!.subarray(0, V * E), E);
    x = g.one('Gather', [g.floats('embedding', [V + 1, E], table), idx]);
  }
  for (let l = 0; l < L; l++) {
    const p = P.layers[l]!;
    const D = l === 0 ? (E > 0 ? E : V) : H;
    const oneHot = l === 0 && E === 0;
    const slice = (state: string): string => g.one('Slice', [state, g.int64s('start', [l]), g.int64s('end', [l + 1]), axis0]);
    if (fused) {
      const { op, order, negate } = fused;
      let X: string, W: string;
      if (oneHot) {
        // W_ih · onehot(y) is column y of W_ih: a table of the columns (in ONNX's gate order), and an identity W
        const Wo = blocks(p.Wih, H, D, order, negate);
        const table = new Float32Array((V + 1) * GH);
        for (let v = 0; v < V; v++) for (let r = 0; r < GH; r++) table[(v + 1) * GH + r] = Wo[r * D + v]!;
        X = g.one('Gather', [g.floats('onehot_columns', [V + 1, GH], table), idx]);
        const I = new Float32Array(GH * GH);
        for (let r = 0; r < GH; r++) I[r * GH + r] = 1;
        W = g.floats('identity', [1, GH, GH], I);
      } else {
        X = x;
        W = g.floats(`W_l${l}`, [1, GH, D], blocks(p.Wih, H, D, order, negate));
      }
      const R = g.floats(`R_l${l}`, [1, GH, H], blocks(p.Whh, H, H, order, negate));
      const bias = new Float32Array(2 * GH);
      bias.set(blocks(p.bih, H, 1, order, negate), 0);
      bias.set(blocks(p.bhh, H, 1, order, negate), GH);
      const B = g.floats(`B_l${l}`, [1, 2 * GH], bias);
      const ins = [X, W, R, B, '', slice('h0'), ...(lstm ? [slice('c0')] : [])];
      const outs = g.op(op, ins, lstm ? 3 : 2, [{ name: 'hidden_size', i: H }]);
      if (!axis1) axis1 = g.int64s('axis1', [1]);
      x = g.one('Squeeze', [outs[0]!, axis1]); // Y (T, 1, B, H) → (T, B, H)
      hn.push(outs[1]!);
      if (lstm) cn.push(outs[2]!);
      continue;
    }
    // the step from primitive operators, scanned over time: xp = W_ih·x + b_ih + b_hh for every step first
    const bsum = new Float32Array(GH);
    for (let r = 0; r < GH; r++) bsum[r] = p.bih[r]! + p.bhh[r]!;
    let xp: string;
    if (oneHot) {
      const table = new Float32Array((V + 1) * GH);
      table.set(bsum, 0);
      for (let v = 0; v < V; v++) for (let r = 0; r < GH; r++) table[(v + 1) * GH + r] = p.Wih[r * D + v]! + bsum[r]!;
      xp = g.one('Gather', [g.floats('onehot_columns', [V + 1, GH], table), idx]);
    } else {
      xp = g.one('Add', [g.one('MatMul', [x, g.floats(`WihT_l${l}`, [D, GH], transposed(p.Wih, GH, D))]), g.floats(`b_l${l}`, [GH], bsum)]);
    }
    const WhhT = g.floats(`WhhT_l${l}`, [H, GH], transposed(p.Whh, GH, H));
    const body = new Graph(`l${l}_`);
    body.input('a_prev', FLOAT, ['B', H]);
    if (lstm) body.input('c_prev', FLOAT, ['B', H]);
    body.input('xp_t', FLOAT, ['B', GH]);
    const pre = body.one('Add', ['xp_t', body.one('MatMul', ['a_prev', WhhT])]);
    const parts = body.op('Split', [pre, body.int64s('sizes', Array<number>(G).fill(H))], G, [{ name: 'axis', i: 1 }]);
    let aNew: string, cNew = '';
    if (lstm) {
      // u, f, o read c⟨t−1⟩ through the peepholes p_u, p_f, p_o
      const peep = (k: number): string => body.one('Mul', ['c_prev', g.floats(`peep${k}_l${l}`, [H], p.peep!.subarray(k * H, k * H + H))]);
      const u = body.one('Sigmoid', [body.one('Add', [parts[0]!, peep(0)])]);
      const f = body.one('Sigmoid', [body.one('Add', [parts[1]!, peep(1)])]);
      const ct = body.one('Tanh', [parts[2]!]);
      const o = body.one('Sigmoid', [body.one('Add', [parts[3]!, peep(2)])]);
      cNew = body.one('Add', [body.one('Mul', [u, ct]), body.one('Mul', [f, 'c_prev'])]);
      aNew = body.one('Mul', [o, body.one('Tanh', [cNew])]);
    } else {
      // gru-simple: a = u ⊙ c̃ + (1 − u) ⊙ a⟨t−1⟩
      const u = body.one('Sigmoid', [parts[0]!]);
      const ct = body.one('Tanh', [parts[1]!]);
      const keep = body.one('Sub', [g.floats('ones', [1], [1]), u]);
      aNew = body.one('Add', [body.one('Mul', [u, ct]), body.one('Mul', [keep, 'a_prev'])]);
    }
    const aOut = body.one('Identity', [aNew]);
    body.output(aNew, FLOAT, ['B', H]);
    if (lstm) body.output(cNew, FLOAT, ['B', H]);
    body.output(aOut, FLOAT, ['B', H]);
    const squeeze = (s: string): string => g.one('Squeeze', [s, axis0]);
    const outs = g.op('Scan', [squeeze(slice('h0')), ...(lstm ? [squeeze(slice('c0'))] : []), xp], lstm ? 3 : 2,
      [{ name: 'body', g: body.message(`step_l${l}`) }, { name: 'num_scan_inputs', i: 1 }]);
    hn.push(g.one('Unsqueeze', [outs[0]!, axis0]));
    if (lstm) cn.push(g.one('Unsqueeze', [outs[1]!, axis0]));
    x = outs[lstm ? 2 : 1]!;
  }

  // the output layer
  let logprobs: string;
  if (P.adaptive) {
    const s = adaptiveShape({ hidden: H, vocabSize: V, cutoffs: cfg.cutoffs!, adaptiveDiv: cfg.adaptiveDiv ?? 4 });
    const head = g.one('Add', [g.one('MatMul', [x, g.floats('headT', [H, s.headSize], transposed(P.adaptive.headW, s.headSize, H))]), g.floats('head_bias', [s.headSize], P.adaptive.headB)]);
    const lsm = g.one('LogSoftmax', [head], [{ name: 'axis', i: 2 }]);
    const axis2 = g.int64s('axis2', [2]);
    const cols = (from: number, to: number): string => g.one('Slice', [lsm, g.int64s('from', [from]), g.int64s('to', [to]), axis2]);
    const pieces = [cols(0, s.shortlist)];
    s.clusters.forEach((k, i) => {
      const t = P.adaptive!.tails[i]!;
      const proj = g.one('MatMul', [x, g.floats(`tail${i}_0T`, [H, k.proj], transposed(t.proj, k.proj, H))]);
      const z = g.one('MatMul', [proj, g.floats(`tail${i}_1T`, [k.proj, k.size], transposed(t.out, k.size, k.proj))]);
      pieces.push(g.one('Add', [g.one('LogSoftmax', [z], [{ name: 'axis', i: 2 }]), cols(s.shortlist + i, s.shortlist + i + 1)]));
    });
    logprobs = g.one('Concat', pieces, [{ name: 'axis', i: 2 }]);
  } else {
    const dec = P.decoder!;
    const logits = g.one('Add', [g.one('MatMul', [x, g.floats('decoderT', [H, V], transposed(dec.weight, V, H))]), g.floats('decoder_bias', [V], dec.bias)]);
    logprobs = g.one('LogSoftmax', [logits], [{ name: 'axis', i: 2 }]);
  }
  g.op('Identity', [logprobs], ['logprobs']);
  g.op('Concat', hn, ['hn'], [{ name: 'axis', i: 0 }]);
  if (lstm) g.op('Concat', cn, ['cn'], [{ name: 'axis', i: 0 }]);
  g.output('logprobs', FLOAT, ['T', 'B', V]);
  g.output('hn', FLOAT, [L, 'B', H]);
  if (lstm) g.output('cn', FLOAT, [L, 'B', H]);

  const model = new Message()
    .int(1, IR_VERSION)
    .string(2, 'rnnlm')
    .string(3, producerVersion)
    .message(7, g.message('rnnlm'))
    .message(8, new Message().string(1, '').int(2, ONNX_OPSET));
  model.message(14, new Message().string(1, 'rnnlm').string(2, JSON.stringify(checkpointDescription(ck))));
  model.message(14, new Message().string(1, 'inputs').string(2, 'tokens int64 [T, B]: the previous token of each step, -1 = the zero input of step 1; h0 (and c0 for an LSTM) float [L, B, H]: the initial state'));
  return model.finish();
}

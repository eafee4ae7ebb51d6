/**
 * A training thread: attaches to the shared WebAssembly memory, sees the
 * model's parameters in place, and computes the gradient of its batch slots
 * when the main thread says so (see engine.ts).
 */
import { workerData } from 'node:worker_threads';
import { localEngine } from '../core/engine.js';
import { modelLayout, sparseGradientRows, type Model } from '../core/model.js';
import { markRows, shareSpans } from '../core/live-rows.js';
import { allocParams, viewParams } from '../core/params.js';
import { createWasmKernels } from '../core/wasm/wasm-kernels.js';
import type { Window } from '../core/batches.js';
import { reduceSpans, updateSpans, type OptimizerConfig } from '../core/optimizer.js';
import { offsetAt, serve } from './control.js';
import { Cmd, Ctl, Num, numCount, numLoss, numSquares, type WorkerReady, type WorkerSetup } from './protocol.js';

const setup = workerData as WorkerSetup;
// this thread's backend: the same kernels, on the memory the main thread shares
const wasm = createWasmKernels({ memory: setup.memory })!;

const layout = modelLayout(setup.config);
const model: Model = { config: setup.config, layout, params: viewParams(layout, wasm.view(setup.paramsOffset, layout.total)), backend: wasm };
const engine = localEngine(model, setup.T, setup.B, setup.slot0, setup.fullB);
const grads = allocParams(layout, wasm.alloc);
const carry = engine.saveCarry(); // a block of the right size, in the shared memory
const ctl = new Int32Array(setup.control);
const nums = new Float64Array(setup.numbers);
const ints = new Int32Array(setup.window);
const logp = new Float64Array(setup.logProbs);
const TB = setup.T * setup.fullB;
// the rows of a row-sparse gradient the window makes live in any thread's arena (see engine.ts)
const live = sparseGradientRows(setup.config);
const win: Window = {
  inputs: ints.subarray(0, TB), targets: ints.subarray(TB, 2 * TB),
  T: setup.T, reset: false, tokens: 0, batch: new Int32Array(0), start: 0,
};
/** Gradient arenas of all threads, for the reduction, from the offsets in the control block. */
let all: Float32Array[] = [];
function arenas(): Float32Array[] {
  for (let w = 0; w < setup.threads; w++) {
    const off = offsetAt(ctl, Ctl.gradsOffsets + w);
    if (all[w]?.byteOffset !== off) all[w] = wasm.view(off, layout.total);
  }
  return all;
}

/** Views of Adam's moment arenas (by byte offset), kept while the offset stays the same. */
const moments = new Map<number, Float32Array>();
function momentView(offset: number): Float32Array {
  if (moments.size > 8) moments.clear();
  let v = moments.get(offset);
  if (!v) {
    v = wasm.view(offset, layout.total);
    moments.set(offset, v);
  }
  return v;
}

const ready: WorkerReady = { gradsOffset: grads.data.byteOffset, carryOffset: carry.byteOffset, carryLength: carry.length };

serve(ctl, Ctl, Cmd.exit, ready, (cmd) => {
  if (cmd === Cmd.gradients) {
  win.T = ctl[Ctl.T]!;
  nums[numLoss(setup.index)] = engine.gradients(win, grads, nums[Num.scale]!, ctl[Ctl.hasSeed] ? ctl[Ctl.seed]! >>> 0 : null);
  if (live) markRows(live, win.inputs, win.T * setup.fullB);
  } else if (cmd === Cmd.logProbs) {
  win.T = ctl[Ctl.T]!;
  const r = engine.logProbs(win, logp);
  nums[numLoss(setup.index)] = r.sum;
  nums[numCount(setup.index)] = r.count;
  } else if (cmd === Cmd.reset) {
  engine.reset();
  } else if (cmd === Cmd.carry) {
  engine.carry(ctl[Ctl.T]!);
  } else if (cmd === Cmd.saveCarry) {
  carry.set(engine.saveCarry());
  } else if (cmd === Cmd.loadCarry) {
  engine.loadCarry(carry);
  } else if (cmd === Cmd.reduce) {
  // this thread's slice of: thread 0's gradient += the others', in thread order
  const g = arenas();
  nums[numSquares(setup.index)] = reduceSpans(g[0]!, g.slice(1), shareSpans(live, layout.total, setup.threads, setup.index));
  } else if (cmd === Cmd.update) {
  // this thread's slice of: clip, then the optimizer step (see engine.ts update)
  const g0 = arenas()[0]!;
  const sgd = ctl[Ctl.sgd] === 1;
  const cfg: OptimizerConfig = { kind: sgd ? 'sgd' : 'adam', beta1: nums[Num.beta1]!, beta2: nums[Num.beta2]!, eps: nums[Num.eps]! };
  const moments = sgd ? { m: null, v: null } : { m: momentView(offsetAt(ctl, Ctl.mOffset)), v: momentView(offsetAt(ctl, Ctl.vOffset)) };
  updateSpans(model.params.data, g0, moments, cfg, nums[Num.lr]!, nums[Num.step]!, nums[Num.clipScale]!, shareSpans(sgd ? live : null, layout.total, setup.threads, setup.index));
  }
});

/**
 * A tagger training thread: attaches to the shared WebAssembly memory, sees
 * the tagger's parameters in place, and computes the gradient of its share of
 * each batch's sentences when the main thread says so (tagger-engine.ts).
 */
import { workerData } from 'node:worker_threads';
import { allocParams, viewParams } from '../core/params.js';
import { reduceSlice } from '../core/optimizer.js';
import { seedOnly } from '../core/tagger-engine.js';
import { taggerBackward, taggerForward, taggerLayout, type Tagger } from '../core/tagger.js';
import { createTaggerWorkspacePool } from '../core/tagger-pool.js';
import { sliceTaggerBatch } from '../core/tagger-batch.js';
import { createWasmKernels } from '../core/wasm/wasm-kernels.js';
import { slice } from './protocol.js';
import { offsetAt, serve } from './control.js';
import { TCmd, TCtl, readBatch, type TaggerWorkerReady, type TaggerWorkerSetup } from './tagger-protocol.js';

const setup = workerData as TaggerWorkerSetup;
const wasm = createWasmKernels({ memory: setup.memory })!;
const layout = taggerLayout(setup.config);
const model: Tagger = { config: setup.config, layout, params: viewParams(layout, wasm.view(setup.paramsOffset, layout.total)), backend: wasm };
const grads = allocParams(layout, wasm.alloc);
const ctl = new Int32Array(setup.control);
const nums = new Float64Array(setup.numbers);
const ints = new Int32Array(setup.batch);
const W = setup.threads, me = setup.index;
const pool = createTaggerWorkspacePool(model, setup.capacity.sentences, setup.capacity.batchWords, setup.capacity.chars);
const scratch = {
  words: new Int32Array(setup.capacity.words), labels: new Int32Array(setup.capacity.words), lengths: new Int32Array(setup.capacity.sentences),
  charIds: new Int32Array(setup.capacity.words * setup.capacity.chars), charLengths: new Int32Array(setup.capacity.words),
};
const ready: TaggerWorkerReady = { gradsOffset: grads.data.byteOffset };

function gradients(): void {
  grads.data.fill(0);
  nums[1 + me] = 0;
  const batch = readBatch(ints, setup.capacity);
  const [b0, b1] = slice(batch.B, W, me);
  if (b1 <= b0) return;
  const part = sliceTaggerBatch(batch, batch.labels, b0, b1, scratch);
  const ws = pool.for(part);
  taggerForward(model, ws, part, ctl[TCtl.hasSeed] ? seedOnly(ctl[TCtl.seed]! >>> 0) : null, b0);
  nums[1 + me] = taggerBackward(model, ws, part.labels, grads, nums[0]!).sum;
}

let arenas: Float32Array[] = [];
function reduce(): void {
  const into = wasm.view(offsetAt(ctl, TCtl.arenas), layout.total);
  if (arenas.length !== W - 1) arenas = Array.from({ length: W - 1 }, (_, i) => wasm.view(offsetAt(ctl, TCtl.arenas + 1 + i), layout.total));
  const [a, b] = slice(into.length, W, me);
  reduceSlice(into, arenas, a, b);
}

serve(ctl, TCtl, TCmd.exit, ready, (cmd) => {
  if (cmd === TCmd.gradients) gradients();
  else if (cmd === TCmd.reduce) reduce();
}, (err) => console.error(err));

/**
 * A sampling thread (see lanes.ts): attaches to the shared WebAssembly
 * memory, sees the model's parameters in place, tells where its lanes' logits
 * and states live, and steps its lanes when the main thread says so.
 */
import { workerData } from 'node:worker_threads';
import { workspaceLanes } from '../core/lanes.js';
import { modelLayout, type Model } from '../core/model.js';
import { viewParams } from '../core/params.js';
import { createWorkspace } from '../core/workspace.js';
import { createWasmKernels } from '../core/wasm/wasm-kernels.js';
import { LaneCmd, LaneCtl, type LaneWorkerReady, type LaneWorkerSetup } from './lanes.js';
import { serve } from './control.js';

const setup = workerData as LaneWorkerSetup;
const wasm = createWasmKernels({ memory: setup.memory })!;
const layout = modelLayout(setup.config);
const model: Model = { config: setup.config, layout, params: viewParams(layout, wasm.view(setup.paramsOffset, layout.total)), backend: wasm };
const ws = createWorkspace(model, 1, setup.width);
const lanes = workspaceLanes(model, ws);
const ctl = new Int32Array(setup.control);
const ids = new Int32Array(setup.ids).subarray(setup.index * setup.width, (setup.index + 1) * setup.width);

const ready: LaneWorkerReady = {
  logits: ws.logits.byteOffset,
  h: ws.layers.map((lb) => lb.hs.byteOffset),
  c: ws.layers.map((lb) => (lb.cs ? lb.cs.byteOffset : -1)),
};

serve(ctl, LaneCtl, LaneCmd.exit, ready, (cmd) => {
  if (cmd === LaneCmd.step) lanes.step(ids);
});

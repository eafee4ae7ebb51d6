/**
 * The simplified GRU cell (src/core/cells/gru-simple.ts): forward against the textbook, backward
 * against finite differences, backward adds into the gradients, and the
 * float32 forward on the WebAssembly backend against the float64 reference
 * (test/helpers/cell-checks.ts says how each is checked).
 */
import { test } from 'node:test';
import { createWasmKernels } from '../../../src/core/wasm/wasm-kernels.js';
import {
  backwardAdds, backwardMatchesFiniteDifferences, fastForwardMatchesReference, forwardMatchesTextbook, variantName,
} from '../../helpers/cell-checks.js';

const kind = 'gru-simple';
const name = variantName(kind, false);

test(`${name}: forward matches the textbook equations`, () => forwardMatchesTextbook(kind, false));

test(`${name}: backward matches finite differences`, () => backwardMatchesFiniteDifferences(kind, false));

test(`${name}: backward adds into the gradients (two passes over one window: twice the gradient)`, () => backwardAdds(kind, false));

test(`${name}: float32 forward with the fast kernels matches the float64 reference forward (relative error < 1e-5)`, () =>
  fastForwardMatchesReference(kind, false, createWasmKernels()));

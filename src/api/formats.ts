/**
 * The model in other formats, as the library offers them: ONNX and
 * safetensors (checkpoint/onnx.ts, checkpoint/safetensors.ts), with the
 * model argument checked first, so that a wrong value is an OptionError that
 * says what to pass rather than a TypeError from inside.
 */
import type { Checkpoint } from '../checkpoint/codec.js';
import { onnxModel as onnx } from '../checkpoint/onnx.js';
import { safetensorsChunks as safetensors } from '../checkpoint/safetensors.js';
import { checkCheckpoint } from './checks.js';

/** The model as an ONNX file's bytes (see checkpoint/onnx.ts for its inputs and outputs). */
export function onnxModel(ck: Checkpoint, producerVersion = ''): Uint8Array {
  checkCheckpoint(ck, "onnxModel()'s model");
  return onnx(ck, typeof producerVersion === 'string' ? producerVersion : '');
}

/** The model as a safetensors file, in chunks (see checkpoint/safetensors.ts). */
export function safetensorsChunks(ck: Checkpoint): Generator<Uint8Array, void, undefined> {
  checkCheckpoint(ck, "safetensorsChunks()'s model");
  return safetensors(ck);
}

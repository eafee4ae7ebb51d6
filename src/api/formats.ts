/**
 * The model in its own format and in others, as the library offers them: the
 * checkpoint and the tagger as JSON (checkpoint/codec.ts,
 * checkpoint/tagger-codec.ts), ONNX and safetensors (checkpoint/onnx.ts,
 * checkpoint/safetensors.ts), with the arguments checked first, so that a
 * wrong value is an OptionError that says what to pass rather than a
 * TypeError from inside.
 */
import { serializeCheckpoint as serialize, serializeCheckpointChunks as serializeChunks, type Checkpoint } from '../checkpoint/codec.js';
import { onnxModel as onnx } from '../checkpoint/onnx.js';
import { checkpointFromSafetensors as fromSafetensors, safetensorsChunks as safetensors } from '../checkpoint/safetensors.js';
import { referenceBackend, type Backend } from '../core/backend.js';
import { serializeTagger as serializeTaggerText, serializeTaggerChunks as serializeTaggerParts, stripTagger as strip, type TaggerCheckpoint } from '../checkpoint/tagger-codec.js';
import { OptionError } from '../core/errors.js';
import { checkCheckpoint, checkTagger } from './checks.js';
import { describeValue } from './options.js';

/** The checkpoint file's text (what saveModel writes). */
export function serializeCheckpoint(ck: Checkpoint): string {
  checkCheckpoint(ck, "serializeCheckpoint()'s model");
  return serialize(ck);
}

/** The checkpoint file's text in chunks, for models of any size (the model is checked when this is called, not at the first chunk). */
export function serializeCheckpointChunks(ck: Checkpoint): Generator<string, void, undefined> {
  checkCheckpoint(ck, "serializeCheckpointChunks()'s model");
  return serializeChunks(ck);
}

/** The tagger file's text (what saveTagger writes). */
export function serializeTagger(tagger: TaggerCheckpoint): string {
  checkTagger(tagger, "serializeTagger()'s tagger");
  return serializeTaggerText(tagger);
}

/** The tagger file's text in chunks (the tagger is checked when this is called, not at the first chunk). */
export function serializeTaggerChunks(tagger: TaggerCheckpoint): Generator<string, void, undefined> {
  checkTagger(tagger, "serializeTaggerChunks()'s tagger");
  return serializeTaggerParts(tagger);
}

/** The model as an ONNX file's bytes (see checkpoint/onnx.ts for its inputs and outputs); `producerVersion` is written in the file. */
export function onnxModel(ck: Checkpoint, producerVersion = ''): Uint8Array {
  checkCheckpoint(ck, "onnxModel()'s model");
  if (typeof producerVersion !== 'string') {
    throw new OptionError(`onnxModel()'s producerVersion must be a string (got ${describeValue(producerVersion)})`, "the version written in the file as its producer's, e.g. '0.1.0', or nothing");
  }
  return onnx(ck, producerVersion);
}

/** The model as a safetensors file, in chunks (see checkpoint/safetensors.ts). */
export function safetensorsChunks(ck: Checkpoint): Generator<Uint8Array, void, undefined> {
  checkCheckpoint(ck, "safetensorsChunks()'s model");
  return safetensors(ck);
}

/** The tagger without its training state (a smaller file; it tags, it cannot be resumed). */
export function stripTagger(tagger: TaggerCheckpoint): TaggerCheckpoint {
  checkTagger(tagger, "stripTagger()'s tagger");
  return strip(tagger);
}

/**
 * A model-only checkpoint from a safetensors file's bytes: the description in
 * its "rnnlm" metadata, or `base`'s when given (a model as loadModel() returns
 * it: its config, tokenizer and vocabulary kept, the tensors replaced).
 */
export function checkpointFromSafetensors(bytes: Uint8Array, base: Checkpoint | null = null, backend: Backend = referenceBackend): Checkpoint {
  if (!(bytes instanceof Uint8Array)) throw new OptionError(`checkpointFromSafetensors()'s bytes must be a Uint8Array (got ${describeValue(bytes)})`, "pass the file's bytes, e.g. await readFile('model.safetensors')");
  if (base !== null) checkCheckpoint(base, "checkpointFromSafetensors()'s base");
  return fromSafetensors(bytes, base, backend);
}

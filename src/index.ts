/**
 * rnnlm as a library, for Node: the use cases of the command line, with its
 * options and checks, on all cores.
 *
 *   import { train, score, sample, evaluate, loadModel, saveModel, createStepper } from 'rnnlm';
 *   import { tagTrain, tagPredict, tagEvaluate, loadTagger, saveTagger } from 'rnnlm';   (the tagger)
 *
 * That, the checkpoint codec, the option schemas, the errors and the types is
 * the whole public surface. Underneath:
 *   rnnlm/api   the same use cases, platform-neutral: every function takes a
 *               Platform (a browser page or a bundle brings its own)
 *   rnnlm/core  the pure pieces (tokenizer, cells, model, training loop,
 *               scorer, sampler, backends), typed arrays in and out
 */
export {
  train, score, sample, evaluate, evaluateStream, loadModel, saveModel, createStepper,
  type TrainCallbacks, type TrainOutcome, type ScoredSentence, type SampleOptionsInput,
  type EvaluateOptionsInput, type Evaluation, type TextSource,
  type SaveOptions, type Stepper, type StepperOptions, type DrawOptions, type TokenProbability,
  tagTrain, tagPredict, tagEvaluate, loadTagger, saveTagger,
  type TagTrainData, type TagTrainOutcome, type TagTrainCallbacks, type TagPrediction, type TagEvaluation, type TaggerCheckpoint,
} from './node/library.js';
export { tagTrainOptionsSchema, type TagTrainOptionsInput } from './api/tag-options.js';
export { parseTagger, parseTaggerBytes, TAGGER_FORMAT, TAGGER_VERSION } from './checkpoint/tagger-codec.js';
export { trainOptionsSchema, sampleOptionsSchema, type TrainOptions, type TrainOptionsInput } from './api/options.js';
export {
  parseCheckpoint, parseCheckpointBytes, CheckpointError, CHECKPOINT_FORMAT, CHECKPOINT_VERSION,
  type Checkpoint, type TokenizerSettings, type TrainingInfo,
} from './checkpoint/codec.js';
export {
  onnxModel, safetensorsChunks, encodeText, idsSafetensors,
  serializeCheckpoint, serializeCheckpointChunks, serializeTagger, serializeTaggerChunks,
} from './api/index.js';
export { parseSafetensors } from './checkpoint/safetensors.js';
export { checkpointFromSafetensors } from './api/formats.js';
export { RnnlmError, DataError, OptionError, DivergedError, OutOfMemoryError, ShapeError } from './core/errors.js';
export { FileError } from './node/files.js';
export type { StepReport, EvalReport, EvalRecord, StopReason } from './core/train.js';
export type { ModelConfig } from './core/model.js';

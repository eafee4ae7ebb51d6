/**
 * rnnlm as a library.
 *
 * The five functions most programs need, with the options of the command line:
 *
 *   import { train, score, sample, loadModel, saveModel } from 'rnnlm';
 *
 * and below them the building blocks: the pure core (tokenizer, cells, model,
 * training loop, scoring, sampling: typed arrays in, typed arrays out, no
 * I/O) and the checkpoint codec.
 */
export { train, score, sample, loadModel, saveModel, type TrainCallbacks, type TrainOutcome, type ScoredSentence, type SampleOptionsInput } from './api/library.js';
export { trainOptionsSchema, type TrainOptions, type TrainOptionsInput } from './api/options.js';
export { prepareTraining, checkpointOf, type TrainingSetup } from './api/setup.js';
export { createParallelEngine, type ParallelEngine } from './parallel/engine.js';
export * from './core/errors.js';
export { FileError } from './node/files.js';
export { createRng, shuffle, type Rng, type RngState } from './core/rng.js';
export { referenceKernels, type Kernels, type Vec } from './core/kernels.js';
export { referenceElementwise, type Elementwise } from './core/elementwise.js';
export { referenceBackend, float64Backend, type Backend } from './core/backend.js';
export { fastestBackend } from './core/wasm/fastest.js';
export { alloc64, type Alloc, type ParamLayout, type ParamSet } from './core/params.js';
export { cells, CELL_KINDS, type CellKind, type CellOps } from './core/cells/index.js';
export { createModel, initModel, modelLayout, paramCount, forward, backward, type Model, type ModelConfig } from './core/model.js';
export { createWorkspace, resetState, carryState, type Workspace } from './core/workspace.js';
export { softmaxCrossEntropy, softmaxRow, logSumExp } from './core/loss.js';
export { clipGlobalNorm, globalNorm, optimizerStep, createOptimizerState, type OptimizerConfig, type OptimizerState } from './core/optimizer.js';
export * from './core/vocab.js';
export * from './core/tokenize.js';
export { splitTrainVal, prepareData, encodeSplit, type Split, type PreparedData } from './core/data.js';
export { epochPlan, type ReadMode, type EpochPlan, type Window } from './core/batches.js';
export {
  train as trainModel, evaluate, newTrainState, learningRate, defaultTrainConfig,
  type TrainConfig, type TrainState, type TrainHooks, type TrainResult, type TrainData, type StepReport, type EvalReport, type EvalRecord, type StopReason,
} from './core/train.js';
export { localEngine, type StepEngine } from './core/engine.js';
export { scoreSentences, createScorer, perplexity, type Scorer, type SentenceScore, type ScoreOptions } from './core/score.js';
export { createSampler, sampleTokens, pickToken, chooseToken, topK, defaultSampleOptions, type SampleOptions, type Sampler } from './core/sample.js';
export {
  parseCheckpoint, parseCheckpointBytes, serializeCheckpoint, serializeCheckpointChunks, CheckpointError, CHECKPOINT_FORMAT, CHECKPOINT_VERSION,
  type Checkpoint, type TokenizerSettings, type TrainingInfo,
} from './checkpoint/codec.js';

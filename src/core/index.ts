/**
 * `rnnlm/core`: the pure core, for programs that want the pieces (a training
 * loop of their own, another front end, a browser page). Typed arrays and
 * plain objects in and out; no I/O, no platform API; every computation on the
 * Backend a model was made with. The stable, smaller surface is `rnnlm`
 * (src/index.ts); this one follows the code.
 */
export * from './errors.js';
export { referenceBackend, float64Backend, type Backend } from './backend.js';
export { fastestBackend } from './wasm/fastest.js';
export { createWasmKernels, type WasmKernels } from './wasm/wasm-kernels.js';
export { referenceKernels, type Kernels, type Vec } from './kernels.js';
export { referenceElementwise, type Elementwise } from './elementwise.js';
export { createRng, shuffle, type Rng, type RngState } from './rng.js';
export { alloc64, type Alloc, type ParamLayout, type ParamSet } from './params.js';
export { cells, CELL_KINDS, type CellKind, type CellOps } from './cells/index.js';
export { createModel, initModel, modelLayout, paramCount, forward, backward, type Model, type ModelConfig } from './model.js';
export { createWorkspace, resetState, carryState, type Workspace } from './workspace.js';
export { softmaxCrossEntropy, softmaxRow, logSumExp } from './loss.js';
export { clipGlobalNorm, globalNorm, optimizerStep, createOptimizerState, updateSlice, type OptimizerConfig, type OptimizerState } from './optimizer.js';
export * from './vocab.js';
export * from './tokenize.js';
export { splitTrainVal, prepareData, encodeSplit, type Split, type PreparedData } from './data.js';
export { epochPlan, type ReadMode, type EpochPlan, type Window } from './batches.js';
export {
  train, evaluate, evaluateOn, evaluationSums, newTrainState, learningRate, defaultTrainConfig,
  type TrainConfig, type TrainState, type ScheduledBest, type TrainHooks, type TrainResult, type TrainData, type StepReport, type EvalReport, type EvalRecord, type StopReason, type EvaluationSums, type TargetLogProb,
} from './train.js';
export { localEngine, singleThreadEngine, type StepEngine, type Engine } from './engine.js';
export { memoryNeed, refuseIfTooLarge, MEMORY_CEILING_BYTES, type MemoryNeed } from './memory.js';
export { scoreSentences, createScorer, perplexity, type Scorer, type SentenceScore, type ScoreOptions } from './score.js';
export { createSampler, sampleTokens, pickToken, chooseToken, topK, topP, withoutToken, logSoftmaxAt, beamSearch, defaultSampleOptions, type SampleOptions, type Sampler, type BeamOptions, type BeamResult } from './sample.js';
export {
  createTagger, initTagger, validateTaggerConfig, taggerLayout, taggerParamCount, taggerParams, taggerInputSize,
  createTaggerWorkspace, taggerWorkspaceFor, taggerForward, taggerLoss, taggerBackward, taggerPredict,
  type Tagger, type TaggerConfig, type TaggerCharConfig, type TaggerParams, type TaggerWorkspace, type TaggerLoss, type TaggerPrediction,
} from './tagger.js';
export { makeTaggerBatch, labelledCount, type TaggerBatch, type TaggerChars, type TaggedSentence } from './tagger-batch.js';
export {
  trainTagger, newTaggerTrainState, defaultTaggerTrainConfig, epochBatches, bucketBatches, batchLevel, sentenceBatch, createTaggerWorkspacePool, predictAll, countCorrect, TAG_UNK, UNKNOWN_LABEL,
  type TaggerTrainConfig, type TaggerTrainState, type TaggerEvalRecord, type EncodedTagSentence, type SentencePrediction, type TaggerWorkspacePool,
} from './tagger-train.js';

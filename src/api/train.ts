/**
 * Training, the whole run: options validated (the command line's schema),
 * the corpus read into a setup (api/setup.ts), an engine from the platform,
 * the core loop, and the run policy around it — the best checkpoint written
 * at each evaluation that improves (a failed write reported and tried again
 * at the next evaluation, the previous file left as it was), the latest state
 * at the end when it is not the best, one log record per evaluation appended
 * to the log (also retried), the stop reason. The command line and the
 * library both call this; files go through the `FileSink` they pass, and
 * nothing here touches a platform API.
 */
import { serializeCheckpointChunks, type Checkpoint } from '../checkpoint/codec.js';
import { DataError, DivergedError, OptionError } from '../core/errors.js';
import { openRunKeeper, type RunFilePaths } from './run-files.js';
import type { ModelConfig } from '../core/model.js';
import { train as trainLoop, type EvalReport, type StepReport, type StopReason, type TrainState } from '../core/train.js';
import { callBack, callerSignal, checkSignal, checkCheckpoint, checkResumable, checkPlatform, checkText, isObject } from './checks.js';
import { describeValue, parseWith, readPlain, trainOptionsSchema, trainOptionsShape, unknownOption, type TrainOptionsInput } from './options.js';
import type { Platform } from './platform.js';
import { checkpointOf, prepareTraining } from './setup.js';
import { textFromBytes } from './text.js';

export interface TrainRun {
  onStep?(r: StepReport): void | Promise<void>;
  /** After each evaluation, with what was saved and logged; `r.state` is the live state. */
  onEval?(r: EvalEvent): void | Promise<void>;
  /** Abort to stop after the current step; the result then holds the state reached. Anything with a boolean `aborted`. */
  signal?: { readonly aborted: boolean };
  /** Continue this checkpoint's training (exactly, on the same text with the same options). */
  resume?: Checkpoint;
  /**
   * Fine-tune this model: a new run (fresh optimizer, schedule and step
   * count) from its weights, with its architecture, tokenizer and
   * vocabulary. The checkpoint is not changed. Not with `resume`.
   */
  initFrom?: Checkpoint;
  /** With initFrom: add the corpus's tokens the vocabulary lacks (their rows drawn as a fresh model's, the model's rows kept). */
  addTokens?: boolean;
  /**
   * A validation text of its own (a string, or UTF-8 bytes), split into
   * sentences as the corpus is, instead of holding out `valFraction` of the
   * corpus: Penn Treebank's valid.txt, a held-out part prepared elsewhere.
   * A resumed run must be given the same text again.
   */
  valText?: string | Uint8Array;
}

/** Where a run writes: paths and the sink that writes them (the command line's; the library writes nothing). */
/** best: the best checkpoint by validation loss; see run-files.ts for the policy. */
export interface TrainFiles extends RunFilePaths {
  /** Provenance kept in the checkpoints (corpus name, …). */
  meta?: Record<string, string | number>;
  /** What else the run was asked for, saved with a new run's options for `rnnlm info` (the corpus and output paths). */
  command?: Record<string, unknown>;
}

export interface EvalEvent extends EvalReport {
  /** The best checkpoint's write at this evaluation: null when there was none to make. */
  saved: { path: string; error: string | null; stillHolds: number | null } | null;
  /** Why the log could not be written this time (its records are tried again at the next evaluation). */
  logError: string | null;
}

/** What a run is about to do, before its first step. */
export interface TrainStart {
  config: ModelConfig;
  parameters: number;
  level: 'char' | 'word';
  trainTokens: number;
  valTokens: number | null;
  batch: number;
  bptt: number;
  epochs: number;
  epochWindows: number;
  maxTimeMs: number;
  /** Step and time the run starts from (a resumed run: the checkpoint's). */
  step: number;
  elapsedMs: number;
  /** The last validation loss of a resumed run (null: none yet). */
  valLoss: number | null;
  threads: number;
  /** Why fewer threads run than were asked for, if so. */
  threadsFallback: string | null;
  /** Things to know: validation skipped, vocabulary capped, batch reduced, settings changed on resume … */
  notes: string[];
}

export interface TrainOutcome {
  /** The final model with its training state (resumable). */
  checkpoint: Checkpoint;
  reason: StopReason;
  /** Best validation loss per token (nats), null without validation data. */
  bestValLoss: number | null;
  /** Step of the best validation loss. */
  bestStep: number;
  /** What the command line prints as notes (validation skipped, vocabulary capped, batch reduced). */
  notes: string[];
  /** With files: the step the best file holds (−1: none written), and where the latest state is. */
  savedBestStep: number;
  latest: string | null;
  /** Why the log's last records could not be written, after the final try (null: all written, or no log). */
  logError: string | null;
}

/** How to spell an option in messages (`hidden` in code, `--hidden` on the command line) and the hint for a bad one. */
export interface Spelling {
  name(key: string): string;
  hint: string;
  what: string;
}

const LIBRARY: Spelling = { name: (k) => k, hint: "train() takes the options of 'rnnlm train --help', in camelCase", what: 'the options of train()' };
const RUN_KEYS = ['onStep', 'onEval', 'signal', 'resume', 'initFrom', 'addTokens', 'valText'] as const;
const RUN_HINT = `train()'s third argument takes ${RUN_KEYS.join(', ')}`;

/**
 * Train on `text` (a string, or UTF-8 bytes checked as the command line
 * checks a file) with the options of `rnnlm train` in camelCase. Every
 * argument is checked before any work: one OptionError (or DataError for the
 * text) with a one-line message. With `files`, the run writes its best and
 * latest checkpoints and its log as `rnnlm train` does.
 */
export async function train(
  platform: Platform, text: string | Uint8Array, options: TrainOptionsInput = {}, run: TrainRun = {},
  files: TrainFiles | null = null, spelling: Spelling = LIBRARY, onStart?: (s: TrainStart) => void,
): Promise<TrainOutcome> {
  checkPlatform(platform, "train()'s platform");
  checkText(text, "train()'s text", "pass the corpus itself, e.g. await readFile('corpus.txt', 'utf8')");
  // each option read once (a getter is not asked twice), then checked and used as read
  const raw = readPlain(options as unknown, spelling.what, spelling.hint) as Record<string, unknown>;
  if (spelling === LIBRARY && isObject(raw)) checkRunKeysAmongOptions(raw);
  const opts = parseWith(trainOptionsSchema, raw, spelling.name, spelling.hint, { what: spelling.what, numbersAsNumbers: spelling === LIBRARY });
  const cb = checkRun(run);
  const corpus = textOf(text, "train()'s text");
  const given = new Set(Object.keys(trainOptionsShape).filter((k) => raw[k] !== undefined));
  const threads = opts.threads ?? platform.threads;
  const init = cb.initFrom ? { from: cb.initFrom, addTokens: cb.addTokens === true } : null;
  const valText = cb.valText === undefined ? null : textOf(cb.valText, 'the validation text');
  const setup = prepareTraining(corpus, { ...opts, threads }, given, cb.resume ?? null, spelling.name, platform.backend, init, valText);
  // the time budget as it was given ('2m', or seconds), not in milliseconds: `rnnlm info` shows the command line
  if (raw['maxTime'] !== undefined && !cb.resume) setup.options = { ...setup.options, maxTime: raw['maxTime'] };
  const { model, cfg, state: start } = setup;
  if (files?.command && !cb.resume) setup.options = { ...files.command, ...setup.options };
  const engine = await platform.engine(model, cfg.bptt, cfg.batch, threads);
  onStart?.({
    config: model.config, parameters: model.layout.total, level: setup.tokenizer.level,
    trainTokens: setup.train.ids.length, valTokens: setup.val ? setup.val.ids.length : null,
    batch: cfg.batch, bptt: cfg.bptt, epochs: cfg.epochs, epochWindows: setup.epochWindows, maxTimeMs: cfg.maxTimeMs,
    step: start.step, elapsedMs: start.elapsedMs, valLoss: lastValLoss(start), threads: engine.threads, threadsFallback: engine.fallback, notes: setup.notes,
  });

  const meta = files?.meta ?? { createdBy: 'rnnlm' };
  const keeper = await openRunKeeper<TrainState>(platform, files, (state) => serializeCheckpointChunks(checkpointOf(setup, state, meta)));

  let result;
  try {
    result = await trainLoop(model, { train: setup.train, val: setup.val }, cfg, setup.state, {
      now: () => platform.now(),
      pause: () => platform.pause(),
      onStep: async (r) => {
        await callBack(cb.onStep, r, 'callbacks.onStep of train()');
        // let the platform deliver signals (Ctrl-C) and timers between steps
        await platform.pause();
      },
      onEval: async (r) => {
        const { saved, logError } = await keeper.evaluated(r);
        await callBack(cb.onEval, { ...r, saved, logError }, 'callbacks.onEval of train()');
      },
    }, { signal: callerSignal(cb.signal, 'callbacks.signal of train()'), engine });
  } catch (err) {
    throw err instanceof DivergedError ? keeper.diverged(err) : err;
  } finally {
    await engine.close();
  }

  const state = result.state;
  const { latest, logError } = await keeper.finish(state);
  return {
    checkpoint: checkpointOf(setup, state, meta), reason: result.reason,
    bestValLoss: state.bestValLoss, bestStep: state.bestStep, notes: setup.notes, savedBestStep: keeper.savedBestStep, latest, logError,
  };
}

/** A text given as a string or as UTF-8 bytes (checked as the command line checks a file), with no NUL: that is a binary file. */
function textOf(v: string | Uint8Array, what: string): string {
  if (typeof v !== 'string') return textFromBytes(v, what);
  const nul = v.indexOf('\u0000');
  if (nul >= 0) throw new DataError(`${what} looks like a binary file (a NUL character at offset ${nul})`, 'give UTF-8 text');
  return v;
}

/** The validation loss of the latest evaluation that had one. */
function lastValLoss(state: TrainState): number | null {
  for (let i = state.history.length - 1; i >= 0; i--) {
    const v = state.history[i]!.valLoss;
    if (v !== null && Number.isFinite(v)) return v;
  }
  return null;
}

/** The third argument of train(): known keys, functions where functions go, an AbortSignal-like signal, a checkpoint to resume. */
/**
 * `rnnlm train --init-from m.json` is "the options of rnnlm train in
 * camelCase" read literally: initFrom, resume, addTokens (and --val-file's
 * text) are train()'s third argument, which the refusal says instead of
 * listing forty options that do not include it.
 */
function checkRunKeysAmongOptions(raw: Record<string, unknown>): void {
  for (const key of Object.keys(raw)) {
    if (Object.hasOwn(trainOptionsShape, key)) continue;
    if (key === 'valFile') {
      throw new OptionError('unknown option valFile', "the validation text goes in train()'s third argument, as the text itself: train(text, options, { valText: await readFile('valid.txt', 'utf8') })");
    }
    if ((RUN_KEYS as readonly string[]).includes(key)) {
      throw new OptionError(`unknown option ${key}`, `${key} goes in train()'s third argument: train(text, options, { ${key}: … })`);
    }
  }
}

function checkRun(cb: unknown): TrainRun {
  if (cb === undefined) return {};
  cb = readPlain(cb, 'the callbacks of train()', RUN_HINT);
  if (!isObject(cb) || Array.isArray(cb) || typeof (cb as { then?: unknown }).then === 'function') {
    throw new OptionError(`the callbacks of train() must be an object such as { onStep, signal } (got ${describeValue(cb)})`, RUN_HINT);
  }
  const unknown = Object.keys(cb).find((k) => !(RUN_KEYS as readonly string[]).includes(k));
  if (unknown !== undefined) {
    // a training option among the callbacks is a common slip
    const asOption = Object.hasOwn(trainOptionsShape, unknown) ? `${unknown} is an option: it goes in train()'s second argument` : null;
    const err = unknownOption(unknown, RUN_KEYS, (k) => `callbacks.${k}`, RUN_HINT, {}, false);
    throw asOption ? new OptionError(err.message, asOption) : err;
  }
  for (const k of ['onStep', 'onEval'] as const) {
    if (cb[k] !== undefined && typeof cb[k] !== 'function') throw new OptionError(`callbacks.${k} must be a function (got ${describeValue(cb[k])})`, `e.g. ${k}: (r) => console.error(r.step)`);
  }
  checkSignal(cb['signal'], 'callbacks.signal', 'pass the signal of an AbortController: const c = new AbortController(); train(text, options, { signal: c.signal })');
  if (cb['resume'] !== undefined) checkResumable(cb['resume'], 'callbacks.resume');
  if (cb['initFrom'] !== undefined) checkCheckpoint(cb['initFrom'], 'callbacks.initFrom');
  if (cb['resume'] !== undefined && cb['initFrom'] !== undefined) {
    throw new OptionError('callbacks.resume and callbacks.initFrom cannot go together', 'resume continues a run exactly; initFrom starts a new run (fine-tuning) from a model: give one of them');
  }
  const v = cb['valText'];
  if (v !== undefined) checkText(v, 'callbacks.valText', "pass the validation text itself, e.g. { valText: await readFile('valid.txt', 'utf8') }");
  if (cb['addTokens'] !== undefined && typeof cb['addTokens'] !== 'boolean') throw new OptionError(`callbacks.addTokens must be true or false (got ${describeValue(cb['addTokens'])})`, 'e.g. { initFrom: model, addTokens: true }');
  if (cb['addTokens'] === true && cb['initFrom'] === undefined) throw new OptionError('callbacks.addTokens goes with initFrom only', "it adds a corpus's new tokens to the vocabulary of the model given as initFrom");
  return cb as TrainRun;
}

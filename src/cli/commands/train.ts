/**
 * rnnlm train CORPUS: read a text file (or stdin), build the vocabulary,
 * train, and write the best checkpoint (by validation loss) atomically at
 * each evaluation; on Ctrl-C or at the end, write the latest state too so
 * that --resume continues exactly.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { serializeCheckpoint, type Checkpoint, type TrainingInfo } from '../../checkpoint/codec.js';
import { CELL_KINDS, type CellKind } from '../../core/cells/index.js';
import { encodeSplit, prepareData, splitTrainVal } from '../../core/data.js';
import { createModel, initModel, type ModelConfig, type Model } from '../../core/model.js';
import { createRng } from '../../core/rng.js';
import { epochPlan } from '../../core/batches.js';
import { createSampler, defaultSampleOptions } from '../../core/sample.js';
import { normalizeText, splitSentences, decode, type SentenceMode, type TokenizerConfig } from '../../core/tokenize.js';
import { defaultTrainConfig, newTrainState, train, type TrainConfig, type TrainState, type EvalReport } from '../../core/train.js';
import type { Vocab } from '../../core/vocab.js';
import { InputError, UsageError } from '../errors.js';
import { DivergedError, RnnlmError } from '../../core/errors.js';
import { ExitCode } from '../exit-codes.js';
import type { Host } from '../host.js';
import { readCheckpoint, readText } from '../input.js';
import { duration, int, oneOf, parseOptions, real, seed } from '../options.js';
import { createReporter } from '../progress.js';
import { lossChart } from '../chart.js';
import { createParallelEngine } from '../../parallel/engine.js';
import { formatBytes, formatDuration, formatInt } from '../format.js';
import { makeStyle } from '../style.js';
import type { TokenizerSettings } from '../../checkpoint/codec.js';

const CELL_CHOICES = CELL_KINDS as unknown as readonly [CellKind, ...CellKind[]];

export const trainOptionsSchema = z.object({
  corpus: z.string().min(1, { error: 'needs a corpus file (or - for stdin)' }),
  output: z.string().min(1).default('model.json'),
  level: oneOf(['char', 'word']).default('char'),
  cell: oneOf(CELL_CHOICES).default('lstm'),
  peephole: z.boolean().default(false),
  layers: int(1, 16).default(2),
  hidden: int(1, 4096).default(128),
  embedding: int(0, 4096).optional(),
  dropout: real(0, 1, { max: true }).default(0),
  bptt: int(2, 10_000).default(64),
  batch: int(1, 4096).optional(),
  lr: real(0, Infinity, { min: true }).default(2e-3),
  lrDecay: real(0, 1, { min: true }).default(1),
  lrDecayAfter: int(0, 1_000_000).default(0),
  optimizer: oneOf(['adam', 'sgd']).default('adam'),
  clip: real(0, Infinity).default(5),
  epochs: int(1, 1_000_000).default(10),
  maxTime: duration.optional(),
  maxSteps: int(1, Number.MAX_SAFE_INTEGER).optional(),
  evalEvery: int(1, Number.MAX_SAFE_INTEGER).optional(),
  valFraction: real(0, 0.9).default(0.05),
  patience: int(0, 1_000_000).default(0),
  seed: seed.default(1),
  maxVocab: int(3, 10_000_000).optional(),
  minCount: int(1, 1_000_000_000).default(1),
  lowercase: z.boolean().default(false),
  unkToken: z.string().min(1).optional(),
  sentence: oneOf(['line', 'paragraph', 'file']).default('line'),
  samples: int(0, 100).default(3),
  threads: int(1, 256).optional(),
  resume: z.string().min(1).optional(),
  log: z.string().min(1).optional(),
  quiet: z.boolean().default(false),
  color: z.boolean().default(true),
}).refine((o) => !(o.peephole && o.cell !== 'lstm'), { error: 'goes with --cell lstm only', path: ['peephole'] });

export type TrainOptions = z.output<typeof trainOptionsSchema>;

/** Default vocabulary cap per level: word-level output layers grow with V. */
const DEFAULT_MAX_VOCAB = { char: 2000, word: 20_000 } as const;

export function registerTrain(program: Command, run: (action: (host: Host) => Promise<number>) => void): void {
  program
    .command('train')
    .description('train a language model on a text file (one sentence per line by default)')
    .argument('<corpus>', "UTF-8 text file, or '-' for standard input")
    .option('-o, --output <file>', 'checkpoint to write (the best by validation loss)', 'model.json')
    .option('--level <level>', 'tokens: char (Unicode code points) or word', 'char')
    .option('--cell <kind>', `recurrent cell: ${CELL_KINDS.join(', ')}`, 'lstm')
    .option('--peephole', 'LSTM peephole connections (c<t-1> into the gates)')
    .option('--layers <n>', 'stacked recurrent layers', '2')
    .option('--hidden <n>', 'hidden units per layer', '128')
    .option('--embedding <n>', 'input embedding size (0 = one-hot input; default: 0 for char, 128 for word)')
    .option('--dropout <p>', 'dropout between layers while training, 0 to <1', '0')
    .option('--bptt <n>', 'time steps per window of backpropagation through time', '64')
    .option('--batch <n>', 'sentences (or stream lanes) per step (default 32)')
    .option('--lr <rate>', 'learning rate', '0.002')
    .option('--lr-decay <factor>', 'multiply the learning rate by this once per epoch', '1')
    .option('--lr-decay-after <epochs>', 'start the decay after this many epochs', '0')
    .option('--optimizer <name>', 'adam or sgd', 'adam')
    .option('--clip <norm>', 'rescale the gradient when its global norm exceeds this (0 = off)', '5')
    .option('--epochs <n>', 'passes over the training data', '10')
    .option('--max-time <duration>', 'stop after this much training time, e.g. 90s, 10m, 1h30m')
    .option('--max-steps <n>', 'stop after this many steps in this run')
    .option('--eval-every <steps>', 'evaluate and save every this many steps (default: about every 200 steps or once per epoch)')
    .option('--val-fraction <f>', 'part of the corpus held out for validation, chosen by the seed (0 = none)', '0.05')
    .option('--patience <n>', 'stop when this many evaluations in a row do not improve validation loss (0 = never)', '0')
    .option('--seed <n>', 'random seed: same seed, same data, same model, bit for bit', '1')
    .option('--max-vocab <n>', 'largest vocabulary, <EOS> and <UNK> included (default 2000 chars / 20000 words); the rarest tokens become <UNK>')
    .option('--min-count <n>', 'tokens seen fewer times become <UNK>', '1')
    .option('--lowercase', 'lowercase the text first')
    .option('--unk-token <text>', "a word in the corpus that means unknown, e.g. '<unk>' in Penn Treebank")
    .option('--sentence <mode>', 'what a sentence is: line, paragraph (blank-line separated) or file (one stream)', 'line')
    .option('--samples <n>', 'samples to show at the end', '3')
    .option('--threads <n>', 'CPU threads for training (default: all cores); results depend on it only through rounding')
    .option('--log <file>', 'append one JSON line per evaluation (step, losses, learning rate, time, tokens/s) for plotting')
    .option('--resume <checkpoint>', 'continue training from a checkpoint (its *.last.json for an exact continuation)')
    .option('-q, --quiet', 'print nothing but errors')
    .option('--no-color', 'no colour in messages')
    .addHelpText('after', `
Examples:
  rnnlm train corpora/names.txt --max-time 2m -o names.json
  rnnlm train shakespeare.txt --sentence file --hidden 256 --dropout 0.2 -o shakespeare.json
  rnnlm train ptb.train.txt --level word --unk-token '<unk>' --embedding 200 --hidden 200 -o ptb.json
  cat corpus.txt | rnnlm train - -o model.json
  rnnlm train names.txt --resume model.last.json --epochs 20`)
    .action((corpus: string, raw: Record<string, unknown>) => run((host) => runTrain(host, { ...raw, corpus })));
}

/** model.json → model.last.json: where the latest state goes when it is not the best. */
export function lastPath(output: string): string {
  return output.endsWith('.json') ? output.slice(0, -5) + '.last.json' : output + '.last';
}

interface Setup {
  model: Model;
  vocab: Vocab;
  counts: number[] | null;
  tokenizer: TokenizerSettings;
  cfg: TrainConfig;
  state: TrainState;
  options: Record<string, unknown>;
}

export async function runTrain(host: Host, raw: Record<string, unknown>): Promise<number> {
  const opts = parseOptions(trainOptionsSchema, raw, 'train');
  const style = makeStyle(host, !opts.color);
  const say = (text: string) => { if (!opts.quiet) host.stderr.write(text + '\n'); };
  host.checkWritable(opts.output);
  if (opts.log) host.checkWritable(opts.log);

  const text = normalizeText(await readText(host, opts.corpus));
  const resumed = opts.resume ? await readCheckpoint(host, opts.resume) : null;
  if (resumed && !resumed.training) {
    throw new InputError(`${opts.resume} holds a model without training state`, 'resume from the checkpoint train wrote (e.g. model.last.json), or train afresh');
  }
  const tokenizer: TokenizerSettings = resumed?.tokenizer ?? {
    level: opts.level, lowercase: opts.lowercase, unkToken: opts.unkToken ?? null, sentence: opts.sentence as SentenceMode,
  };
  const runSeed = resumed ? Number(resumed.training!.options['seed'] ?? opts.seed) : opts.seed;
  const sentences = splitSentences(text, tokenizer.sentence);
  if (sentences.length === 0) {
    throw new InputError(`${opts.corpus === '-' ? 'standard input' : opts.corpus} has no text to train on (empty or only blank lines)`, 'give a UTF-8 text file with at least one non-blank line');
  }
  const rng = createRng(runSeed);
  const split = splitTrainVal(sentences, resumed ? Number(resumed.training!.options['valFraction'] ?? opts.valFraction) : opts.valFraction, rng, tokenizer.sentence);
  if (split.val.length === 0 && opts.valFraction > 0 && !resumed) {
    say(style.yellow(`note: the corpus is too small to hold out ${opts.valFraction} for validation; training without validation`));
  }
  const tok: TokenizerConfig = { level: tokenizer.level, lowercase: tokenizer.lowercase, unkToken: tokenizer.unkToken };
  const maxVocab = opts.maxVocab ?? DEFAULT_MAX_VOCAB[tokenizer.level as 'char' | 'word'];
  const prepared = resumed ? null : prepareData(split, tok, { maxVocab, minCount: opts.minCount });
  const data = prepared ?? encodeSplit(split, resumed!.vocab, tok);
  if (prepared && prepared.dropped > 0) {
    say(style.yellow(`note: vocabulary capped at ${formatInt(prepared.vocab.tokens.length)} of ${formatInt(prepared.distinct + 2)} tokens; the ${formatInt(prepared.dropped)} rarest map to <UNK> (--max-vocab, --min-count)`));
  }
  const mode = tokenizer.sentence === 'file' ? 'stream' : 'sentences';
  const trainUnits = mode === 'stream' ? data.train.ids.length : data.train.starts.length - 1;

  const setup: Setup = resumed
    ? resumeSetup(resumed, opts, raw)
    : freshSetup(opts, raw, prepared!.vocab, prepared!.counts, tokenizer, rng, mode, trainUnits);
  const { model, cfg } = setup;
  fitBatch(cfg, mode, trainUnits, raw.batch !== undefined && !resumed);

  const mc = model.config;
  const tokensPerEpoch = data.train.ids.length;
  const windowsPerEpoch = epochPlan(data.train, mode, cfg.batch, cfg.bptt, 0).windows;
  say(style.bold(`rnnlm train ${opts.corpus}`) + (resumed ? ` (resuming ${opts.resume} at step ${setup.state.step})` : ''));
  say(`  model   ${mc.cell}${mc.peephole ? '+peepholes' : ''} ${mc.layers}×${mc.hidden}, ${mc.embedding ? `embedding ${mc.embedding}` : 'one-hot input'}, vocabulary ${formatInt(mc.vocabSize)} (${tokenizer.level}), ${formatInt(model.layout.total)} parameters (${formatBytes(model.layout.total * 4)})`);
  say(`  data    ${formatInt(tokensPerEpoch)} training tokens${data.val ? `, ${formatInt(data.val.ids.length)} validation tokens` : ', no validation'}; batch ${cfg.batch} × ${cfg.bptt} steps, ~${formatInt(windowsPerEpoch)} steps per epoch`);
  say(`  output  ${opts.output}${cfg.maxTimeMs ? `; time budget ${formatDuration(cfg.maxTimeMs - setup.state.elapsedMs)}` : ''}`);

  const threads = opts.threads ?? host.cpus;
  const engine = await createParallelEngine(model, cfg.bptt, cfg.batch, threads);
  if (engine.threads > 1) say(`  threads ${engine.threads} (batch split ${cfg.batch} ways by slots)`);
  const reporter = createReporter(host, style, { epochs: cfg.epochs, epochWindows: windowsPerEpoch, maxTimeMs: cfg.maxTimeMs }, opts.quiet);
  const signal = { aborted: false };
  let interrupts = 0;
  const off = host.onInterrupt(() => {
    interrupts++;
    if (interrupts === 1) {
      signal.aborted = true;
      reporter.line(style.yellow('interrupted: finishing this step and saving (Ctrl-C again to quit at once)'));
    } else {
      host.exitNow(ExitCode.interrupted);
    }
  });

  const build = (state: TrainState): Checkpoint => ({
    model, tokenizer, vocab: setup.vocab, counts: setup.counts,
    training: { options: setup.options, config: cfg, state } satisfies TrainingInfo,
    meta: { createdBy: 'rnnlm', corpus: opts.corpus === '-' ? '(stdin)' : opts.corpus },
  });
  let bestSavedStep = -1;
  let pendingBest = false;
  let logStarted = false;
  let firstTiming: { at: number; step: number; tokens: number } | null = null;
  let lastVal: number | null = null;
  const unit = tokenizer.level === 'char' ? 'bits/char' : null;
  const describe = (r: EvalReport) => {
    // epochs begun: at an epoch's end the state has already moved to the next one
    const parts = [`step ${r.step}`, `epoch ${r.epoch + (r.state.windowInEpoch > 0 ? 1 : 0)}`, `train ${Number.isFinite(r.trainLoss) ? r.trainLoss.toFixed(4) : '–'}`];
    if (r.valLoss !== null) {
      parts.push(`val ${r.valLoss.toFixed(4)} (ppl ${Math.exp(r.valLoss).toFixed(2)}${unit ? `, ${(r.valLoss / Math.LN2).toFixed(3)} ${unit}` : ''})`);
    }
    return parts.join(' · ');
  };

  let result;
  try {
    result = await train(model, { train: data.train, val: data.val }, cfg, setup.state, {
      now: () => host.now(),
      onStep: async (r) => {
        // after a few steps, an estimate of the time per epoch
        firstTiming ??= { at: r.elapsedMs, step: r.step, tokens: r.tokensSeen };
        const f = firstTiming;
        if (r.step === f.step + 5) {
          const ms = r.elapsedMs - f.at;
          reporter.line(style.dim(`  speed   ~${formatDuration((ms / 5) * r.epochWindows)} per epoch (${formatInt(((r.tokensSeen - f.tokens) * 1000) / ms)} tokens/s)`));
        }
        const tps = r.elapsedMs > 0 ? (r.tokensSeen * 1000) / r.elapsedMs : 0;
        reporter.step({ step: r.step, epoch: r.epoch, epochProgress: r.epochProgress, loss: r.loss, tokensPerSec: tps, elapsedMs: r.elapsedMs, valLoss: lastVal });
        // let the event loop deliver signals (Ctrl-C) and timers between steps
        await new Promise<void>((done) => setImmediate(done));
      },
      onEval: async (r) => {
        lastVal = r.valLoss;
        let saved = '';
        if (r.best) {
          // a failed write is reported and tried again at the next evaluation; the last good file stays
          try {
            await host.writeFileAtomic(opts.output, serializeCheckpoint(build(r.state)));
            bestSavedStep = r.step;
            saved = style.green(` ✓ saved ${opts.output}`);
          } catch (err) {
            if (!(err instanceof RnnlmError)) throw err;
            saved = style.red(` ✗ not saved: ${err.message}${bestSavedStep >= 0 ? ` (${opts.output} still holds step ${bestSavedStep})` : ''}; trying again at the next evaluation`);
            pendingBest = true;
          }
        }
        reporter.line(describe(r) + saved);
        if (opts.log) {
          const { state: _s, best: _b, ...rec } = r;
          const line = { ...rec, tokensPerSec: r.elapsedMs > 0 ? (r.tokensSeen * 1000) / r.elapsedMs : null };
          await host.appendFile(opts.log, JSON.stringify(line, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)) + '\n', !logStarted && !resumed);
          logStarted = true;
        }
      },
    }, { signal, engine });
  } catch (err) {
    if (err instanceof DivergedError) {
      const kept = bestSavedStep >= 0 ? `; the best checkpoint so far (step ${bestSavedStep}) is in ${opts.output}` : '';
      throw new DivergedError(`${err.message}${kept}`, err.hint);
    }
    throw err;
  } finally {
    off();
    await engine.close();
    reporter.stop();
  }

  const state = result.state;
  let latest = opts.output;
  if (bestSavedStep !== state.step) {
    // the latest state (for --resume), and the best one again if its write had failed
    latest = pendingBest && state.bestStep === state.step ? opts.output : lastPath(opts.output);
    await host.writeFileAtomic(latest, serializeCheckpoint(build(state)));
    if (latest === opts.output) bestSavedStep = state.step;
  }
  const why: Record<string, string> = {
    epochs: `finished ${cfg.epochs} epochs`, 'max-steps': 'reached --max-steps', 'max-time': 'reached --max-time',
    'early-stop': `stopped early: no improvement in ${cfg.patience} evaluations`, interrupted: 'interrupted',
  };
  say(`${why[result.reason]} after ${formatInt(state.step)} steps, ${formatDuration(state.elapsedMs)} of training` +
    (state.bestValLoss !== null ? `; best validation loss ${state.bestValLoss.toFixed(4)} at step ${state.bestStep}` : ''));
  say(`best model: ${opts.output}` + (latest !== opts.output ? `; latest state: ${latest}` : ''));
  if (result.reason !== 'epochs' && result.reason !== 'early-stop') {
    say(`continue with: rnnlm train ${opts.corpus} --resume ${latest} -o ${opts.output}`);
  }
  if (!opts.quiet && state.history.length >= 2) {
    for (const line of lossChart(state.history, Math.min(host.stderr.columns, 78), 8)) say('  ' + line);
  }
  if (opts.samples > 0 && !opts.quiet && result.reason !== 'interrupted') {
    say(style.bold('samples:'));
    const srng = createRng(runSeed + 1);
    const sampler = createSampler(model, { ...defaultSampleOptions, maxLength: tokenizer.level === 'char' ? 200 : 50 });
    for (let i = 0; i < opts.samples; i++) {
      const ids = [...sampler.sample(srng)];
      say('  ' + decode(ids, setup.vocab, tok));
    }
  }
  return result.reason === 'interrupted' ? ExitCode.interrupted : ExitCode.ok;
}

function trainConfigFrom(opts: TrainOptions, mode: 'stream' | 'sentences', state: { step: number; elapsedMs: number } | null, base?: TrainConfig): TrainConfig {
  const b = base ?? defaultTrainConfig;
  return {
    ...b,
    mode,
    batch: base ? base.batch : opts.batch ?? 32,
    bptt: base ? base.bptt : opts.bptt,
    lr: base ? base.lr : opts.lr,
    lrDecay: base ? base.lrDecay : opts.lrDecay,
    lrDecayAfter: base ? base.lrDecayAfter : opts.lrDecayAfter,
    optimizer: base ? base.optimizer : { ...defaultTrainConfig.optimizer, kind: opts.optimizer },
    clip: base ? base.clip : opts.clip,
    epochs: opts.epochs,
    maxSteps: opts.maxSteps ? (state?.step ?? 0) + opts.maxSteps : 0,
    maxTimeMs: opts.maxTime ? (state?.elapsedMs ?? 0) + opts.maxTime : 0,
    evalEvery: opts.evalEvery ?? base?.evalEvery ?? 0,
    patience: opts.patience,
  };
}

function freshSetup(
  opts: TrainOptions, raw: Record<string, unknown>, vocab: Vocab, counts: number[] | null, tokenizer: TokenizerSettings,
  rng: ReturnType<typeof createRng>, mode: 'stream' | 'sentences', trainUnits: number,
): Setup {
  const config: ModelConfig = {
    cell: opts.cell, peephole: opts.peephole, layers: opts.layers, hidden: opts.hidden,
    vocabSize: vocab.tokens.length,
    embedding: opts.embedding ?? (tokenizer.level === 'word' ? 128 : 0),
    dropout: opts.dropout,
  };
  const model = createModel(config);
  initModel(model, rng);
  const cfg = trainConfigFrom(opts, mode, null);
  if (!opts.evalEvery) {
    // about every 200 steps, and at least once per epoch
    const windows = Math.max(1, Math.ceil(trainUnits / cfg.batch));
    cfg.evalEvery = windows > 300 ? 200 : 0;
  }
  const options: Record<string, unknown> = { ...Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)), seed: opts.seed, valFraction: opts.valFraction };
  return { model, vocab, counts, tokenizer, cfg, state: newTrainState(model, cfg, rng.state()), options };
}

function resumeSetup(ck: Checkpoint, opts: TrainOptions, raw: Record<string, unknown>): Setup {
  const t = ck.training!;
  const arch = ['level', 'cell', 'peephole', 'layers', 'hidden', 'embedding', 'dropout', 'bptt', 'batch', 'lr', 'optimizer', 'clip', 'maxVocab', 'minCount', 'lowercase', 'unkToken', 'sentence', 'seed', 'valFraction'];
  const given = arch.filter((k) => raw[k] !== undefined && raw[k] !== trainOptionDefault(k) && String(raw[k]) !== String(t.options[k] ?? raw[k]));
  if (given.length) {
    throw new UsageError(`--resume keeps the checkpoint's architecture and training settings; these options differ: ${given.map((k) => '--' + k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())).join(', ')}`,
      'drop them, or train a new model without --resume');
  }
  const cfg = trainConfigFrom(opts, t.config.mode, t.state, t.config);
  if (raw.epochs === undefined) cfg.epochs = t.config.epochs;
  return { model: ck.model, vocab: ck.vocab, counts: ck.counts, tokenizer: ck.tokenizer, cfg, state: t.state, options: t.options };
}

/** Commander fills defaults as strings; an option equal to its default was not really given. */
function trainOptionDefault(key: string): unknown {
  const d: Record<string, string> = { level: 'char', cell: 'lstm', layers: '2', hidden: '128', dropout: '0', bptt: '64', lr: '0.002', optimizer: 'adam', clip: '5', minCount: '1', sentence: 'line', seed: '1', valFraction: '0.05' };
  return d[key];
}

/**
 * A batch cannot hold more sentences (or stream lanes of ≥ 2 tokens) than the
 * training part has: an explicit --batch that does is refused; the default
 * shrinks to fit.
 */
function fitBatch(cfg: TrainConfig, mode: 'stream' | 'sentences', units: number, explicit: boolean): void {
  const limit = mode === 'stream' ? Math.floor(units / 2) : units;
  if (limit < 1) throw new InputError('the corpus is too small to train on (fewer than 2 tokens)', 'give a larger corpus');
  if (cfg.batch <= limit) return;
  if (explicit) {
    const what = mode === 'stream' ? `number of 2-token lanes in the ${units} training tokens (${limit})` : `${units} training sentences`;
    throw new UsageError(`--batch ${cfg.batch} is larger than the ${what}`, `use --batch ${limit} or less, or a larger corpus`);
  }
  cfg.batch = limit;
}

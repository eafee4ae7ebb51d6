/**
 * rnnlm train CORPUS: read a text file (or stdin), build the vocabulary,
 * train, and write the best checkpoint (by validation loss) atomically at
 * each evaluation; on Ctrl-C or at the end, write the latest state too so
 * that --resume continues exactly.
 */
import type { Command } from 'commander';
import type { ChalkInstance } from 'chalk';
import { z } from 'zod';
import { CELL_KINDS, MAX_EPOCHS } from '../../api/index.js';
import type { EvalReport } from '../../api/index.js';
import { DataError } from '../../api/index.js';
import { InputError, UsageError } from '../errors.js';
import { extendTrainOptions, trainOptionsShape } from '../../api/options.js';
import { train } from '../../api/train.js';
import { sample } from '../../api/sample.js';
import { ExitCode } from '../exit-codes.js';
import type { Host } from '../host.js';
import { checkOneStdin, checkPathArgument, readCheckpoint, readText, sourceName } from '../input.js';
import { flagName, int, parseOptions } from '../options.js';
import { createReporter, type Reporter } from '../progress.js';
import { trainingInterrupts } from '../interrupts.js';
import { lossChart } from '../chart.js';
import { count, formatBytes, formatDuration, formatInt, shellWord, shown } from '../format.js';
import { makeStyle } from '../style.js';

/** The library's training options plus what only the command line has. */
export const trainCliSchema = extendTrainOptions({
  corpus: z.string().min(1, { error: 'needs a corpus file (or - for stdin)' }),
  output: z.string().min(1, { error: 'must not be empty: give a file name, e.g. -o model.json' }).default('model.json'),
  samples: int(0, 100).default(3),
  resume: z.string().min(1, { error: 'must not be empty: give the checkpoint to continue, e.g. --resume model.last.json' }).optional(),
  initFrom: z.string().min(1, { error: 'must not be empty: give the model to fine-tune, e.g. --init-from model.json' }).optional(),
  addTokens: z.boolean().default(false),
  valFile: z.string().min(1, { error: 'must not be empty: give the validation text, e.g. --val-file valid.txt' }).optional(),
  log: z.string().min(1, { error: 'must not be empty: give a file name, e.g. --log run.ndjson' }).optional(),
  force: z.boolean().default(false),
  quiet: z.boolean().default(false),
  color: z.boolean().default(true),
});

export function registerTrain(program: Command, run: (action: (host: Host) => Promise<number>) => void): void {
  program
    .command('train')
    .description('train a language model on a text file (one sentence per line by default)')
    .argument('<corpus>', "UTF-8 text file, or '-' for standard input")
    .option('-o, --output <file>', 'checkpoint to write, the best by validation loss; an existing one is refused unless --resume or --force (default: model.json)')
    .option('--force', 'start a new run over an existing -o checkpoint (and its .last.json), replacing them')
    .option('--level <level>', 'tokens: char (Unicode code points) or word (default: char)')
    .option('--cell <kind>', `recurrent cell: ${CELL_KINDS.join(', ')} (default: lstm)`)
    .option('--peephole', 'LSTM peephole connections (c<t-1> into the gates)')
    .option('--layers <n>', 'stacked recurrent layers (default: 2)')
    .option('--hidden <n>', 'hidden units per layer (default: 128)')
    .option('--embedding <n>', 'input embedding size (0 = one-hot input; default: 0 for char, 128 for word)')
    .option('--input-dropout <p>', 'dropout on the embedded input, unit by unit (needs an embedding; default: 0)')
    .option('--word-dropout <p>', 'embedding dropout: in each window, whole word types dropped with this probability (needs an embedding; default: 0)')
    .option('--locked-dropout', 'variational dropout: one mask per window for all its steps, at every dropout site')
    .option('--adaptive', 'adaptive softmax output layer (Grave et al.): faster training with large vocabularies, exactly normalized; cut-offs chosen from the vocabulary')
    .option('--cutoffs <list>', 'the adaptive softmax\'s cut-offs in the frequency-sorted vocabulary, e.g. 2000,10000 (implies --adaptive)')
    .option('--adaptive-div <d>', 'tail cluster i of the adaptive softmax has hidden/d^(i+1) units (default: 4)')
    .option('--tied', 'tied input and output embeddings (Press & Wolf): the decoder reads the embedding matrix; the embedding size follows --hidden')
    .option('--dropout <p>', 'dropout between layers and on the last layer\'s output (the decoder\'s input) while training, 0 to <1 (default: 0)')
    .option('--bptt <n>', 'time steps per window of backpropagation through time (default: 64 char, 35 word)')
    .option('--batch <n>', 'sentences (or stream lanes) per step (default: 32 char, 20 word)')
    .option('--lr <rate>', 'learning rate (default: 0.002)')
    .option('--lr-decay <factor>', 'multiply the learning rate by this once per epoch (default: 1)')
    .option('--lr-decay-after <epochs>', 'start the decay after this many epochs (default: 0)')
    .option('--lr-plateau <factor>', 'multiply the learning rate by this when an evaluation does not improve validation loss, e.g. 0.25 (default: 1, off)')
    .option('--lr-plateau-patience <n>', 'evaluations without improvement in a row before each cut (default: 0)')
    .option('--lr-warmup <steps>', 'linear warm-up of the learning rate over this many steps (default: 0)')
    .option('--optimizer <name>', 'adam or sgd (default: adam)')
    .option('--clip <norm>', 'rescale the gradient when its global norm exceeds this, 0 = off (default: 5)')
    .option('--epochs <n>', 'passes over the training data (default: 10; unbounded with --max-time alone)')
    .option('--max-time <duration>', 'stop after this much training time, e.g. 90s, 10m, 1h30m')
    .option('--max-steps <n>', 'stop after this many steps in this run')
    .option('--eval-every <steps>', 'evaluate and save every this many steps (default: about every 200 steps or once per epoch)')
    .option('--val-fraction <f>', 'part of the corpus held out for validation, chosen by the seed, 0 = none (default: 0.05)')
    .option('--patience <n>', 'stop when this many evaluations in a row do not improve validation loss, 0 = never (default: 0)')
    .option('--seed <n>', 'random seed: same seed, same data, same model, bit for bit (default: 1)')
    .option('--max-vocab <n>', 'largest vocabulary, <EOS> and <UNK> included; the rarest tokens become <UNK> (default: 2000 characters, 20000 words)')
    .option('--min-count <n>', 'tokens seen fewer times become <UNK> (default: 1)')
    .option('--lowercase', 'lowercase the text first')
    .option('--pretokenized', 'word level: the text is already tokenized; split on whitespace only, nothing else touched (Penn Treebank, WikiText)')
    .option('--unk-token <text>', "a word in the corpus that means unknown, e.g. '<unk>' in Penn Treebank")
    .option('--sentence <mode>', 'what a sentence is: line, paragraph (blank-line separated), file (the whole text, one stream) or stream (each line a sentence ending with <EOS>, the lines read as one stream with the state carried: the Penn Treebank / WikiText convention) (default: line)')
    .option('--val-file <file>', 'validate on this text (split into sentences as the corpus is) instead of holding out --val-fraction of the corpus, e.g. Penn Treebank\'s valid.txt')
    .option('--samples <n>', 'samples to show at the end (default: 3)')
    .option('--threads <n>', 'CPU threads for training; results depend on it only through rounding (default: all cores)')
    .option('--log <file>', 'append one JSON line per evaluation (step, losses, learning rate, time, tokens/s) for plotting')
    .option('--resume <checkpoint>', 'continue training from a checkpoint (its *.last.json for an exact continuation)')
    .option('--init-from <model>', "fine-tune: a new run from this model's weights, architecture, tokenizer and vocabulary")
    .option('--add-tokens', "with --init-from: add the corpus's tokens the model's vocabulary lacks")
    .option('-q, --quiet', 'print nothing but errors')
    .option('--no-color', 'no colour in messages')
    .addHelpText('after', `
Examples:
  rnnlm train corpora/names.txt --max-time 2m -o names.json
  rnnlm train shakespeare.txt --sentence file --hidden 256 --dropout 0.2 -o shakespeare.json
  rnnlm train ptb.train.txt --level word --pretokenized --sentence stream --unk-token '<unk>' --val-file ptb.valid.txt --tied --embedding 200 --hidden 200 --dropout 0.2 -o ptb.json
  cat corpus.txt | rnnlm train - -o model.json
  rnnlm train names.txt --resume model.last.json --epochs 20
  rnnlm train new.txt --init-from model.json --lr 0.0005 -o tuned.json`)
    .action((corpus: string, raw: Record<string, unknown>) => run((host) => runTrain(host, { ...raw, corpus })));
}

/**
 * A new run does not write over the checkpoints of an earlier one: an
 * existing output (or its latest-state file) is refused unless the run
 * continues it (--resume naming that output or its latest-state file) or is
 * told to replace it (--force).
 * `command` names the command in the hint.
 */
export function refuseToReplace(host: Host, output: string, last: string, resume: string | undefined, force: boolean, command: string): void {
  if (force) return;
  // --resume continues the run -o holds: its best file or its latest state, not another run's
  if (resume !== undefined && resume !== '-' && (host.sameFile(resume, output) || host.sameFile(resume, last))) return;
  const there = [output, last].find((p) => host.isFile(p));
  if (there === undefined) return;
  const resumeFrom = host.isFile(last) ? last : output;
  throw new UsageError(`${shown(there)} exists already: a new run would replace ${there === output ? 'it' : 'it (the latest state of an earlier run)'}`,
    `continue that run with ${command} … --resume ${shellWord(resumeFrom)} -o ${shellWord(output)}, write elsewhere with -o, or add --force to replace it`);
}

/** The latest-state file as a role of checkDistinct: it cannot be renamed on its own, only through -o. */
export function latestState(output: string): { role: string; path: string; rename: string } {
  const last = lastPath(output);
  return { role: 'latest-state file', path: last, rename: `choose another -o: the latest-state file is named after it (${shown(output)} → ${shown(last)})` };
}

/**
 * What to print about the training log after an evaluation: a failure when it
 * is new (the first, or one for another reason), and once that the log is
 * written again. Not the same failure at every evaluation: a run that
 * evaluates every step would print one line per step. The records held back
 * are kept in any case and written with the next write that succeeds.
 */
export function logNotices(style: ChalkInstance): (error: string | null) => string | null {
  let last: string | null = null;
  return (error) => {
    if (error === last) return null;
    const was = last;
    last = error;
    if (error === null) return style.green(`✓ log written again: the records held back since the failure (${shown(was ?? '')}) are in it`);
    return style.red(`✗ log not written: ${shown(error)}; its records are kept and tried again at each evaluation (said again only if the reason changes)`);
  };
}

/** model.json → model.last.json: where the latest state goes when it is not the best. */
export function lastPath(output: string): string {
  return output.endsWith('.json') ? output.slice(0, -5) + '.last.json' : output + '.last';
}

export async function runTrain(host: Host, raw: Record<string, unknown>): Promise<number> {
  const opts = parseOptions(trainCliSchema, raw, 'train');
  const style = makeStyle(host, !opts.color);
  const noteLog = logNotices(style);
  const say = (text: string) => { if (!opts.quiet) host.stderr.write(text + '\n'); };
  // every path this run will write, checked before any work: a bad one would lose the whole run at the end
  checkPathArgument(opts.output, '-o path');
  checkPathArgument(opts.log, '--log path');
  checkPathArgument(opts.resume, '--resume path');
  checkPathArgument(opts.initFrom, '--init-from path');
  checkPathArgument(opts.valFile, '--val-file path');
  if (opts.resume !== undefined && opts.initFrom !== undefined) {
    throw new UsageError('--resume and --init-from cannot go together', '--resume continues a run exactly; --init-from starts a new run from a model (fine-tuning): give one of them');
  }
  if (opts.addTokens && opts.initFrom === undefined) throw new UsageError('--add-tokens goes with --init-from only', "it adds the corpus's new tokens to the vocabulary of the model being fine-tuned");
  checkPathArgument(opts.corpus, 'corpus path');
  checkOneStdin([
    { role: 'corpus', path: opts.corpus, fix: 'give the corpus as a file' },
    { role: 'checkpoint to resume', path: opts.resume, fix: 'give the checkpoint as a file: --resume model.last.json' },
    { role: 'model to fine-tune', path: opts.initFrom, fix: 'give the model as a file: --init-from model.json' },
    { role: 'validation text', path: opts.valFile, fix: 'give the validation text as a file: --val-file valid.txt' },
  ]);
  if (opts.output === '-') throw new UsageError('-o - would write checkpoints to standard output, which cannot hold them', 'give a file name, e.g. -o model.json');
  host.checkWritable(opts.output, 'output (-o)');
  host.checkWritable(lastPath(opts.output), 'latest-state file');
  if (opts.log !== undefined) {
    if (opts.log === '-') throw new UsageError('--log - is not supported: the log is a file', 'give a file name, e.g. --log run.ndjson');
    host.checkWritable(opts.log, 'log (--log)', 'run.ndjson');
  }
  // the resumed checkpoint may be this run's own output or latest state (read in full first, then replaced atomically)
  host.checkDistinct([
    { role: 'corpus', path: opts.corpus }, { role: 'output (-o)', path: opts.output },
    latestState(opts.output), { role: 'log (--log)', path: opts.log },
  ]);
  // the validation text is only read, but not where this run writes
  host.checkDistinct([
    { role: 'validation text (--val-file)', path: opts.valFile }, { role: 'output (-o)', path: opts.output },
    latestState(opts.output), { role: 'log (--log)', path: opts.log },
  ]);
  host.checkDistinct([{ role: 'corpus', path: opts.corpus }, { role: 'checkpoint to resume (--resume)', path: opts.resume }, { role: 'log (--log)', path: opts.log }]);
  // a fine-tuned model is a new run: written over its base, the base would be gone
  host.checkDistinct([
    { role: 'corpus', path: opts.corpus }, { role: 'model to fine-tune (--init-from)', path: opts.initFrom }, { role: 'log (--log)', path: opts.log },
    { role: 'output (-o)', path: opts.output }, latestState(opts.output),
  ]);

  refuseToReplace(host, opts.output, lastPath(opts.output), opts.resume, opts.force, 'rnnlm train');

  const name = sourceName(opts.corpus);
  // a latest-state file that is there before this run starts is older than anything it writes
  const staleLast = host.isFile(lastPath(opts.output));
  const text = await readText(host, opts.corpus);
  const resumed = opts.resume ? await readCheckpoint(host, opts.resume) : null;
  const base = opts.initFrom ? await readCheckpoint(host, opts.initFrom) : null;
  const valText = opts.valFile !== undefined ? await readText(host, opts.valFile) : undefined;
  const trainOptions = Object.fromEntries(Object.keys(trainOptionsShape).filter((k) => raw[k] !== undefined).map((k) => [k, raw[k]]));

  // until training starts (reading, the vocabulary) there is nothing to save: a signal ends the process at once
  const interrupts = trainingInterrupts(host, say, style.yellow, opts.output, 'model');
  const signal = interrupts.signal;
  let reporter: Reporter | null = null;

  let firstTiming: { at: number; step: number; tokens: number } | null = null;
  let startStep = 0;
  let lastVal: number | null = null;
  let level: 'char' | 'word' = 'char';
  let outcome;
  try {
    outcome = await train(host.platform(), text, trainOptions, {
      signal,
      resume: resumed ?? undefined,
      initFrom: base ?? undefined,
      addTokens: base ? opts.addTokens : undefined,
      valText,
      onStep: (r) => {
        // an estimate of the time per epoch, timed over 20 steps after 5 of warm-up (JIT, caches)
        if (r.step - startStep === 5) firstTiming = { at: r.elapsedMs, step: r.step, tokens: r.tokensSeen };
        if (firstTiming && r.step === firstTiming.step + 20) {
          const ms = r.elapsedMs - firstTiming.at;
          reporter!.line(style.dim(`  speed   ~${formatDuration((ms / 20) * r.epochWindows)} per epoch (${formatInt(((r.tokensSeen - firstTiming.tokens) * 1000) / ms)} tokens/s)`));
        }
        const tps = r.elapsedMs > 0 ? (r.tokensSeen * 1000) / r.elapsedMs : 0;
        reporter!.step({ step: r.step, epoch: r.epoch, epochProgress: r.epochProgress, loss: r.loss, tokensPerSec: tps, elapsedMs: r.elapsedMs, valLoss: lastVal });
      },
      onEval: (r) => {
        lastVal = r.valLoss;
        let saved = '';
        if (r.saved && r.saved.error === null) saved = style.green(` ✓ saved ${shown(r.saved.path)}`);
        if (r.saved && r.saved.error !== null) {
          saved = style.red(` ✗ not saved: ${shown(r.saved.error)}${r.saved.stillHolds !== null ? ` (${host.isFile(opts.output) ? `${shown(opts.output)} still holds step ${r.saved.stillHolds}` : `the last good write, step ${r.saved.stillHolds}, is gone with its file`})` : ''}; trying again at the next evaluation`);
        }
        reporter!.line(describe(r, level) + saved);
        const logNote = noteLog(r.logError);
        if (logNote !== null) reporter!.line(logNote);
      },
    }, {
      sink: host.files(), best: opts.output, last: lastPath(opts.output), log: opts.log,
      meta: { createdBy: 'rnnlm', corpus: opts.corpus === '-' ? '(stdin)' : opts.corpus },
      // the command line as given, for `rnnlm info`
      command: { corpus: opts.corpus, output: opts.output, ...(opts.valFile !== undefined ? { valFile: opts.valFile } : {}), ...(opts.initFrom !== undefined ? { initFrom: opts.initFrom, ...(opts.addTokens ? { addTokens: true } : {}) } : {}) },
    }, { name: (k) => (k === 'valText' ? '--val-file' : flagName(k)), hint: "see 'rnnlm train --help'", what: 'options' }, (s) => {
      startStep = s.step;
      level = s.level;
      lastVal = s.valLoss;
      for (const note of s.notes) say(style.yellow(`note: ${note}`));
      const mc = s.config;
      say(style.bold(`rnnlm train ${shown(opts.corpus)}`) + (resumed ? ` (resuming ${shown(opts.resume ?? '')} at step ${s.step})` : base ? ` (fine-tuning ${shown(opts.initFrom ?? '')})` : ''));
      say(`  model   ${mc.cell}${mc.peephole ? '+peepholes' : ''} ${mc.layers}×${mc.hidden}, ${mc.embedding ? `embedding ${mc.embedding}${mc.tied ? ' (tied)' : ''}` : 'one-hot input'}, vocabulary ${formatInt(mc.vocabSize)} (${s.level}), ${formatInt(s.parameters)} parameters (${formatBytes(s.parameters * 4)})`);
      say(`  data    ${formatInt(s.trainTokens)} training tokens${s.valTokens !== null ? `, ${formatInt(s.valTokens)} validation tokens` : ', no validation'}; batch ${s.batch} × ${s.bptt} steps, ~${count(s.epochWindows, 'step')} per epoch`);
      say(`  output  ${shown(opts.output)}${s.maxTimeMs ? `; time budget ${formatDuration(s.maxTimeMs - s.elapsedMs)}` : ''}`);
      if (s.threads > 1) say(`  threads ${s.threads} (each step's batch split among them)`);
      if (s.threadsFallback && opts.threads !== undefined) say(style.yellow(`note: one thread: ${s.threadsFallback}`));
      reporter = createReporter(host, style, { epochs: s.epochs >= MAX_EPOCHS ? null : s.epochs, epochWindows: s.epochWindows, maxTimeMs: s.maxTimeMs }, opts.quiet);
      interrupts.listen(reporter);
    });
  } catch (err) {
    // data errors: name the file they are about
    if (err instanceof DataError) {
      // a log that is not a log names itself: "names.txt: run.json is not a training log" would blame the corpus
      if (opts.log !== undefined && err.message.startsWith(`${opts.log} is `)) throw new InputError(err.message, err.hint);
      const about = /^(the )?checkpoint/.test(err.message) ? opts.resume ?? opts.initFrom : /^the validation text/.test(err.message) ? sourceName(opts.valFile ?? '-') : name;
      throw new InputError(`${about}: ${err.message}`, err.hint);
    }
    throw err;
  } finally {
    interrupts.off();
    (reporter as Reporter | null)?.stop();
  }

  const state = outcome.checkpoint.training!.state;
  const latest = outcome.latest ?? opts.output;
  if (outcome.logError) say(style.red(`✗ the last records of the log were not written: ${shown(outcome.logError)}`));
  else {
    // a log that failed and was written only by the run's last write: say so, the failure being the last word so far
    const written = noteLog(null);
    if (written !== null) say(written);
  }
  const why: Record<string, string> = {
    epochs: `finished ${count(outcome.checkpoint.training!.config.epochs, 'epoch')}`, 'max-steps': 'reached --max-steps', 'max-time': 'reached --max-time',
    'early-stop': `stopped early: no improvement in ${count(outcome.checkpoint.training!.config.patience, 'evaluation')}`, interrupted: 'interrupted',
  };
  say(`${why[outcome.reason]} after ${count(state.step, 'step')}, ${formatDuration(state.elapsedMs)} of training` +
    (state.bestValLoss !== null ? `; best validation loss ${state.bestValLoss.toFixed(4)} at step ${state.bestStep}` : ''));
  say(`best model: ${shown(opts.output)}` + (latest !== opts.output ? `; latest state: ${shown(latest)}` : ''));
  if (latest === opts.output && staleLast) {
    // the best file now holds this run's latest state: a .last.json from before would be resumed by mistake
    const gone = await host.removeFile(lastPath(opts.output));
    if (gone) say(style.dim(`  removed ${shown(lastPath(opts.output))}: an older state (this run's latest is in ${shown(opts.output)})`));
  }
  if (outcome.reason !== 'epochs' && outcome.reason !== 'early-stop') {
    say(`continue with: ${opts.corpus === '-' ? '… | ' : ''}rnnlm train ${shellWord(opts.corpus)} --resume ${shellWord(latest)}${opts.valFile !== undefined ? ` --val-file ${shellWord(opts.valFile)}` : ''} -o ${shellWord(opts.output)}${opts.corpus === '-' ? ' (the same corpus on standard input again)' : ''}`);
  }
  if (!opts.quiet && state.history.length >= 2) {
    // as wide as the terminal allows (indented by two), at most 78 columns
    for (const line of lossChart(state.history, Math.max(30, Math.min(host.stderr.columns - 2, 78)), 8)) say('  ' + line);
  }
  if (opts.samples > 0 && !opts.quiet && outcome.reason !== 'interrupted') {
    say(style.bold('samples:'));
    const seed = Number(outcome.checkpoint.training!.options['seed'] ?? opts.seed) + 1;
    for (const text of sample(host.platform(), outcome.checkpoint, { n: opts.samples, seed, maxLength: level === 'char' ? 200 : 50 })) say('  ' + shown(text, true));
  }
  // a signal that came in, even while the run was finishing on its own (its last validation, its save): 128 + n
  return signal.aborted ? 128 + interrupts.number : ExitCode.ok;
}

/** One evaluation as a line: step, epoch begun, training and validation loss (with perplexity and bits/char). */
function describe(r: EvalReport, level: 'char' | 'word'): string {
  // epochs begun: at an epoch's end the state has already moved to the next one
  const parts = [`step ${r.step}`, `epoch ${r.epoch + (r.state.windowInEpoch > 0 ? 1 : 0)}`, `train ${Number.isFinite(r.trainLoss) ? r.trainLoss.toFixed(4) : '–'}`];
  if (r.valLoss !== null) {
    parts.push(`val ${r.valLoss.toFixed(4)} (ppl ${Math.exp(r.valLoss).toFixed(2)}${level === 'char' ? `, ${(r.valLoss / Math.LN2).toFixed(3)} bits/char` : ''})`);
  }
  return parts.join(' · ');
}


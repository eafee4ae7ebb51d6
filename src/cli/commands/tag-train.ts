/**
 * rnnlm tag train DATA [--dev DEV]: train a bidirectional RNN tagger on
 * labelled sentences, writing the best tagger (by dev accuracy) atomically
 * at each evaluation that improves, and on Ctrl-C or at the end the latest
 * state too, so that --resume continues exactly. The run is the api's
 * (api/tag-train.ts); this file checks paths, prints and owns the signals,
 * as `rnnlm train` does.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { CELL_KINDS, DataError, MAX_EPOCHS, tagTrain, type TagEvalEvent } from '../../api/index.js';
import { extendTagTrainOptions, tagTrainOptionsShape } from '../../api/tag-options.js';
import { InputError, UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import type { Host } from '../host.js';
import { checkOneStdin, checkPathArgument, readText, sourceName } from '../input.js';
import { flagName, parseOptions } from '../options.js';
import { createReporter, type Reporter } from '../progress.js';
import { trainingInterrupts } from '../interrupts.js';
import { count, formatBytes, formatDuration, formatInt, shellWord, shown } from '../format.js';
import { makeStyle } from '../style.js';
import { lastPath, latestState, logNotices, refuseToReplace } from './train.js';
import { lossChart } from '../chart.js';
import { columnName, readTagger } from './tag-shared.js';

/** The library's options plus what only the command line has. */
export const tagTrainCliSchema = extendTagTrainOptions({
  data: z.string().min(1, { error: 'needs a training file (or - for stdin)' }),
  dev: z.string().min(1, { error: 'must not be empty: give the dev file, e.g. --dev dev.conllu' }).optional(),
  output: z.string().min(1, { error: 'must not be empty: give a file name, e.g. -o tagger.json' }).default('tagger.json'),
  resume: z.string().min(1, { error: 'must not be empty: give the tagger to continue, e.g. --resume tagger.last.json' }).optional(),
  log: z.string().min(1, { error: 'must not be empty: give a file name, e.g. --log run.ndjson' }).optional(),
  force: z.boolean().default(false),
  quiet: z.boolean().default(false),
  color: z.boolean().default(true),
});

export function registerTagTrain(tag: Command, run: (action: (host: Host) => Promise<number>) => void): void {
  tag
    .command('train')
    .description('train a tagger on labelled sentences (CoNLL-U, or word TAB label lines)')
    .argument('<data>', "training data (CoNLL-U or plain CoNLL), or '-' for standard input")
    .option('--dev <file>', 'dev data, evaluated by token accuracy at each evaluation: chooses the best tagger and stops early with --patience')
    .option('-o, --output <file>', 'tagger to write, the best by dev accuracy; an existing one is refused unless --resume or --force (default: tagger.json)')
    .option('--force', 'start a new run over an existing -o tagger (and its .last.json), replacing them')
    .option('--format <format>', 'auto, conllu or conll (default: auto: CoNLL-U when the first word line has its 10 tab-separated columns)')
    .option('--label <column>', 'the label column: a CoNLL-U column name or number (default: upos), or a plain CoNLL column number, negative from the end (default: -1, the last)')
    .option('--cell <kind>', `recurrent cell of every direction and layer: ${CELL_KINDS.join(', ')} (default: lstm)`)
    .option('--peephole', 'LSTM peephole connections')
    .option('--layers <n>', 'stacked bidirectional layers (default: 1)')
    .option('--hidden <n>', 'hidden units per direction (default: 128)')
    .option('--embedding <n>', 'word embedding size (default: 100)')
    .option('--no-chars', 'no character-level word representation (words only: an unknown word is read as <UNK> alone)')
    .option('--char-embedding <n>', 'character embedding size (default: 32)')
    .option('--char-hidden <n>', 'hidden units per direction of the character BiRNN (default: 32)')
    .option('--max-word-chars <n>', 'characters read of a word; a longer one is read as its first and last halves (default: 20)')
    .option('--dropout <p>', 'dropout on every layer\'s input and the classifier\'s, while training (default: 0.33)')
    .option('--word-dropout <alpha>', 'while training, read a word seen c times as <UNK> with probability alpha/(alpha + c), its characters still read: rare words often, frequent ones almost never (default: 0, off; 0.25 is a good start)')
    .option('--lr <rate>', 'learning rate (default: 0.002)')
    .option('--lr-decay <factor>', 'multiply the learning rate by this once per epoch (default: 1)')
    .option('--lr-decay-after <epochs>', 'epochs at the full learning rate before --lr-decay starts (default: 0)')
    .option('--optimizer <name>', 'adam or sgd (default: adam)')
    .option('--clip <norm>', 'rescale the gradient when its global norm exceeds this, 0 = off (default: 5)')
    .option('--batch <n>', 'sentences per step, bucketed by length; long sentences come in smaller batches (default: 32)')
    .option('--epochs <n>', 'passes over the training data (default: 10; unbounded with --max-time alone)')
    .option('--max-time <duration>', 'stop after this much training time, e.g. 90s, 10m, 1h30m')
    .option('--max-steps <n>', 'stop after this many steps in this run')
    .option('--eval-every <steps>', 'evaluate on the dev data and save every this many steps (default: at the end of each epoch)')
    .option('--patience <n>', 'stop when this many evaluations in a row do not improve dev accuracy, 0 = never (default: 0)')
    .option('--seed <n>', 'random seed: same seed, same data, same tagger, bit for bit (default: 1)')
    .option('--threads <n>', 'CPU threads for training: each batch\'s sentences split among them; results depend on it only through rounding (default: all cores)')
    .option('--min-count <n>', 'words seen fewer times in the training data are read as <UNK> (default: 2)')
    .option('--lowercase', 'look words up lowercased (their characters are read as written)')
    .option('--log <file>', 'append one JSON line per evaluation (step, loss, dev accuracy, time) for plotting')
    .option('--resume <tagger>', 'continue training from a tagger (its *.last.json for an exact continuation)')
    .option('-q, --quiet', 'print nothing but errors')
    .option('--no-color', 'no colour in messages')
    .addHelpText('after', `
Writes the best tagger by dev accuracy to -o (the latest without --dev) at each evaluation, and the
latest state to its *.last.json when that is not the best (for --resume). Ctrl-C: finish the step,
save, exit 130; Ctrl-C again: quit at once.

Examples:
  rnnlm tag train train.conllu --dev dev.conllu -o upos.json
  rnnlm tag train train.conllu --dev dev.conllu --label xpos --max-time 15m -o xpos.json
  rnnlm tag train ner.train.txt --dev ner.dev.txt --lowercase --patience 3 -o ner.json
  rnnlm tag train train.conllu --dev dev.conllu --resume upos.last.json -o upos.json --epochs 20`)
    .action((data: string, raw: Record<string, unknown>, cmd: Command) => {
      // --no-chars: only an explicit flag counts as given (commander sets true by default)
      const given = cmd.getOptionValueSource('chars') === 'default' ? { ...raw, chars: undefined } : raw;
      run((host) => runTagTrain(host, { ...given, data }));
    });
}


export async function runTagTrain(host: Host, raw: Record<string, unknown>): Promise<number> {
  const opts = parseOptions(tagTrainCliSchema, raw, 'tag train');
  const style = makeStyle(host, !opts.color);
  const noteLog = logNotices(style);
  const say = (text: string) => { if (!opts.quiet) host.stderr.write(text + '\n'); };
  const last = lastPath(opts.output);
  // every path this run will write, checked before any work
  checkPathArgument(opts.output, '-o path');
  checkPathArgument(opts.log, '--log path');
  checkPathArgument(opts.resume, '--resume path');
  checkPathArgument(opts.data, 'data path');
  checkPathArgument(opts.dev, '--dev path');
  if (opts.output === '-') throw new UsageError('-o - would write the tagger to standard output, which cannot hold it', 'give a file name, e.g. -o tagger.json');
  checkOneStdin([
    { role: 'training data', path: opts.data, fix: 'give the training data as a file' },
    { role: 'dev data', path: opts.dev, fix: 'give the dev data as a file: --dev dev.conllu' },
    { role: 'tagger to resume', path: opts.resume, fix: 'give the tagger as a file: --resume tagger.last.json' },
  ]);
  if (opts.log === '-') throw new UsageError('--log - is not supported: the log is a file', 'give a file name, e.g. --log run.ndjson');
  host.checkWritable(opts.output, 'output (-o)', 'tagger.json');
  host.checkWritable(last, 'latest-state file', 'tagger.json');
  if (opts.log !== undefined) host.checkWritable(opts.log, 'log (--log)', 'run.ndjson');
  // the dev data may be the training data (an overfitting check); neither may be written over
  const outputs = [{ role: 'output (-o)', path: opts.output }, latestState(opts.output), { role: 'log (--log)', path: opts.log }];
  host.checkDistinct([{ role: 'training data', path: opts.data }, ...outputs]);
  host.checkDistinct([{ role: 'dev data (--dev)', path: opts.dev }, ...outputs]);
  // the resumed tagger may be this run's own output or latest state (read in full first, then replaced atomically)
  host.checkDistinct([{ role: 'training data', path: opts.data }, { role: 'tagger to resume (--resume)', path: opts.resume }, { role: 'log (--log)', path: opts.log }]);
  host.checkDistinct([{ role: 'dev data (--dev)', path: opts.dev }, { role: 'tagger to resume (--resume)', path: opts.resume }]);

  refuseToReplace(host, opts.output, last, opts.resume, opts.force, 'rnnlm tag train');

  const staleLast = host.isFile(last);
  const train = await readText(host, opts.data);
  const dev = opts.dev !== undefined ? await readText(host, opts.dev) : null;
  const resumed = opts.resume ? await readTagger(host, opts.resume) : null;
  const options = Object.fromEntries(Object.keys(tagTrainOptionsShape).filter((k) => raw[k] !== undefined).map((k) => [k, raw[k]]));

  // until training starts (reading, the vocabulary) there is nothing to save: a signal ends the process at once
  const interrupts = trainingInterrupts(host, say, style.yellow, opts.output, 'tagger');
  const signal = interrupts.signal;
  let reporter: Reporter | null = null;

  const name = (p: string) => (p === '-' ? '(stdin)' : p);
  let lastDev: number | null = null;
  let chunk = false;
  let outcome;
  try {
    outcome = await tagTrain(host.platform(), { train, dev, trainName: sourceName(opts.data), devName: opts.dev !== undefined ? sourceName(opts.dev) : 'the dev data' }, options, {
      signal,
      resume: resumed ?? undefined,
      onStep: (r) => {
        const tps = r.elapsedMs > 0 ? (r.tokensSeen * 1000) / r.elapsedMs : 0;
        reporter!.step({ step: r.step, epoch: r.epoch, epochProgress: r.epochProgress, loss: r.loss, tokensPerSec: tps, elapsedMs: r.elapsedMs, valLoss: lastDev });
      },
      onEval: (r) => {
        lastDev = r.devAccuracy;
        let saved = '';
        if (r.saved && r.saved.error === null) saved = style.green(` ✓ saved ${shown(r.saved.path)}`);
        if (r.saved && r.saved.error !== null) {
          saved = style.red(` ✗ not saved: ${shown(r.saved.error)}${r.saved.stillHolds !== null ? ` (${shown(opts.output)} still holds step ${r.saved.stillHolds})` : ''}; trying again at the next evaluation`);
        }
        reporter!.line(describe(r, chunk) + saved);
        const logNote = noteLog(r.logError);
        if (logNote !== null) reporter!.line(logNote);
      },
    }, {
      sink: host.files(), best: opts.output, last, log: opts.log,
      meta: { createdBy: 'rnnlm', train: name(opts.data), ...(opts.dev !== undefined ? { dev: name(opts.dev) } : {}) },
      command: { data: opts.data, ...(opts.dev !== undefined ? { dev: opts.dev } : {}), output: opts.output },
    }, { name: flagName, hint: "see 'rnnlm tag train --help'", what: 'options' }, (s) => {
      lastDev = s.devAccuracy;
      chunk = s.chunkLabels;
      for (const note of s.notes) say(style.yellow(`note: ${note}`));
      const c = s.config;
      say(style.bold(`rnnlm tag train ${shown(opts.data)}`) + (resumed ? ` (resuming ${shown(opts.resume ?? '')} at step ${s.step})` : ''));
      say(`  tagger  ${c.cell}${c.peephole ? '+peepholes' : ''} ${c.layers}×${c.hidden} per direction, word embedding ${c.embedding} (${count(c.vocabSize, 'word')})` +
        (c.chars ? `, chars ${c.chars.embedding}→2×${c.chars.hidden} (${formatInt(c.chars.vocabSize)} characters)` : ', no chars') +
        `, ${count(c.labels, 'label')}; ${formatInt(s.parameters)} parameters (${formatBytes(s.parameters * 4)})`);
      say(`  data    ${count(s.trainSentences, 'sentence')}, ${count(s.trainWords, 'word')} (${s.format === 'conllu' ? 'CoNLL-U' : 'plain CoNLL'}, labels: ${columnName(s.label)})` +
        (s.devSentences !== null ? `; dev ${count(s.devSentences, 'sentence')}, ${count(s.devWords ?? 0, 'word')} (${(100 * (s.devUnknownRate ?? 0)).toFixed(1)}% <UNK>)` : '; no dev set'));
      say(`  steps   batches of ≤ ${s.batch} sentences, ${count(s.epochBatches, 'step')} per epoch${s.maxTimeMs ? `; time budget ${formatDuration(s.maxTimeMs - s.elapsedMs)}` : ''}`);
      if (s.threads > 1) say(`  threads ${s.threads} (each step's sentences split among them)`);
      say(`  output  ${shown(opts.output)}`);
      reporter = createReporter(host, style, { epochs: s.epochs >= MAX_EPOCHS ? null : s.epochs, epochWindows: s.epochBatches, maxTimeMs: s.maxTimeMs }, opts.quiet);
      interrupts.listen(reporter);
    });
  } catch (err) {
    // data errors name the file they are about (the readers put it first)
    if (err instanceof DataError) throw new InputError(/^tagger /.test(err.message) && opts.resume ? `${opts.resume}: ${err.message}` : err.message, err.hint);
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
  const cfg = outcome.checkpoint.training!.config;
  const why: Record<string, string> = {
    epochs: `finished ${count(cfg.epochs, 'epoch')}`, 'max-steps': 'reached --max-steps', 'max-time': 'reached --max-time',
    'early-stop': `stopped early: no improvement in ${count(cfg.patience, 'evaluation')}`, interrupted: 'interrupted',
  };
  say(`${why[outcome.reason]} after ${count(state.step, 'step')}, ${formatDuration(state.elapsedMs)} of training` +
    (state.bestDevAccuracy !== null ? `; best dev accuracy ${(100 * state.bestDevAccuracy).toFixed(2)}% at step ${state.bestStep}` : ''));
  say(`best tagger: ${shown(opts.output)}` + (latest !== opts.output ? `; latest state: ${shown(latest)}` : ''));
  if (latest === opts.output && staleLast) {
    const gone = await host.removeFile(last);
    if (gone) say(style.dim(`  removed ${shown(last)}: an older state (this run's latest is in ${shown(opts.output)})`));
  }
  if (outcome.reason !== 'epochs' && outcome.reason !== 'early-stop') {
    const devPart = opts.dev !== undefined ? ` --dev ${shellWord(opts.dev)}` : '';
    say(`continue with: rnnlm tag train ${shellWord(opts.data)}${devPart} --resume ${shellWord(latest)} -o ${shellWord(opts.output)}`);
  }
  if (!opts.quiet && state.history.length >= 2) {
    // the training loss per evaluation (dev accuracy is in the lines above), as wide as the terminal allows
    const curve = state.history.map((h) => ({ ...h, valLoss: null }));
    const legend = state.bestDevAccuracy !== null ? '(dev accuracy: the lines above)' : '(no dev set)';
    for (const line of lossChart(curve, Math.max(30, Math.min(host.stderr.columns - 2, 78)), 8)) say('  ' + line.replace('(no validation)', legend));
  }
  return signal.aborted ? 128 + interrupts.number : ExitCode.ok;
}

/** One evaluation as a line: step, epoch begun, training loss, dev accuracy (and entity F1 for chunk labels). */
function describe(r: TagEvalEvent, chunk: boolean): string {
  const parts = [`step ${r.step}`, `epoch ${r.epoch + (r.state.batchInEpoch > 0 ? 1 : 0)}`, `train loss ${Number.isFinite(r.trainLoss) ? r.trainLoss.toFixed(4) : '–'}`];
  if (r.devAccuracy !== null) parts.push(`dev accuracy ${(100 * r.devAccuracy).toFixed(2)}%`);
  if (chunk && r.devScore !== null) parts.push(`dev F1 ${(100 * r.devScore).toFixed(2)}`);
  return parts.join(' · ');
}

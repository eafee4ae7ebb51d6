/**
 * rnnlm plot FILE -o curve.svg (or -m FILE): the training curve (training and validation
 * loss against step) of a checkpoint's history, or of an NDJSON training log,
 * as an SVG picture. Which of the two FILE is, is read from its content.
 */
import { basename } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import type { Checkpoint } from '../../api/index.js';
import { trainingCurve, type EvalRecord } from '../../api/info.js';
import { InputError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { count, formatDuration, formatInt, shown } from '../format.js';
import type { Host } from '../host.js';
import { checkPathArgument, readBytes, readCheckpoint, readText, sourceName } from '../input.js';
import { parseTrainLog } from '../log.js';
import { int, parseOptions } from '../options.js';
import { modelArgument } from '../model-argument.js';
import { compactCount, lossPlotSvg, type LossPlotOptions } from '../svg.js';

const DEFAULT_WIDTH = 820;
const DEFAULT_HEIGHT = 520;

export const plotOptionsSchema = z.object({
  input: z.string().min(1, { error: "needs a checkpoint or a training log (or '-' for standard input)" }),
  output: z.string({ error: 'is required: where to write the SVG (e.g. -o curve.svg, or -o - for standard output)' }).min(1),
  width: int(320, 10_000).default(DEFAULT_WIDTH),
  height: int(240, 10_000).default(DEFAULT_HEIGHT),
  title: z.string().optional(),
  quiet: z.boolean().default(false),
});

export function registerPlot(program: Command, run: (action: (host: Host) => Promise<number>) => void): void {
  program
    .command('plot')
    .description('draw the training curve (loss against step) of a checkpoint or training log as SVG')
    .argument('[file]', "checkpoint written by rnnlm train, or an NDJSON training log (one evaluation per line); '-' for standard input (required: here or with -m)")
    .option('-m, --model <file>', 'the same as the file argument')
    .requiredOption('-o, --output <file>', "SVG file to write, or '-' for standard output (required)")
    .option('--width <px>', 'picture width in pixels (default: 820)')
    .option('--height <px>', 'picture height in pixels (default: 520)')
    .option('--title <text>', 'title (default: a summary of the model)')
    .option('-q, --quiet', 'no message on stderr')
    .addHelpText('after', `
The picture shows the mean training loss since the previous evaluation and the
validation loss, in nats per token, at each evaluation (set how often with
rnnlm train --eval-every), with the best validation point marked.

Examples:
  rnnlm plot names.json -o curve.svg
  rnnlm plot train-log.ndjson -o curve.svg --title "names, 2×128 LSTM"
  rnnlm plot model.json -o - | rsvg-convert -o curve.png`)
    .action((input: string | undefined, { model, ...raw }: Record<string, unknown>) => run((host) => runPlot(host, {
      ...raw, input: modelArgument(input, model, { command: 'plot', what: 'input', needed: "a checkpoint or a training log (or '-' for standard input)", example: 'model.json', rest: ' -o curve.svg' }),
    })));
}

/** Pretty-printed JSON (a line that is just "{") or one object with a format tag: a checkpoint; anything else: a log. */
export function looksLikeCheckpoint(text: string): boolean {
  const t = text.replace(/^\uFEFF/, '').trimStart();
  if (!t.startsWith('{')) return false;
  if (/^\{\s*$/m.test(t.split('\n', 1)[0]!)) return true;
  try {
    const o = JSON.parse(t) as unknown;
    return typeof o === 'object' && o !== null && !Array.isArray(o) && ('format' in o || 'tensors' in o);
  } catch {
    return /^\{\s*"format"\s*:/.test(t);
  }
}

interface Curve {
  history: EvalRecord[];
  best: EvalRecord | null;
  plot: LossPlotOptions;
}

export async function runPlot(host: Host, raw: Record<string, unknown>): Promise<number> {
  const opts = parseOptions(plotOptionsSchema, raw, 'plot');
  checkPathArgument(opts.output, '-o path');
  checkPathArgument(opts.input, 'input path');
  if (opts.output !== '-') host.checkWritable(opts.output, 'output (-o)', 'curve.svg');
  host.checkDistinct([{ role: 'input', path: opts.input }, { role: 'output (-o)', path: opts.output }]);
  const name = sourceName(opts.input);
  const bytes = await readBytes(host, opts.input);
  // parse the bytes already read (stdin can be read only once), with the usual one-line errors
  const again: Host = { ...host, readFile: async () => bytes, readStdin: async () => bytes };
  const text = await readText(again, opts.input, { checkpointOk: true });
  const curve = looksLikeCheckpoint(text)
    ? fromCheckpoint(await readCheckpoint(again, opts.input), name)
    : fromLog(parseTrainLog(text, name), name);
  if (opts.title !== undefined) curve.plot.title = opts.title;
  const svg = lossPlotSvg(curve.history, { ...curve.plot, width: opts.width, height: opts.height });
  if (opts.output === '-') {
    host.stdout.write(svg);
  } else {
    await host.writeFileAtomic(opts.output, svg);
  }
  if (!opts.quiet) {
    const best = curve.best;
    host.stderr.write(`${opts.output === '-' ? 'wrote the SVG to standard output' : `wrote ${shown(opts.output)}`}: ${count(curve.history.length, 'evaluation')}` +
      (best ? `, best validation loss ${best.valLoss!.toFixed(4)} at step ${formatInt(best.step)}` : ', no validation loss') + '\n');
  }
  return ExitCode.ok;
}

/** `rnnlm plot`'s SVG of a checkpoint's training curve at its default size, or null when it keeps no evaluations (for `rnnlm view`'s model card). */
export function checkpointCurveSvg(ck: Checkpoint, name: string): string | null {
  if (!ck.training?.state || ck.training.state.history.length === 0) return null;
  const curve = fromCheckpoint(ck, name);
  return lossPlotSvg(curve.history, { ...curve.plot, width: DEFAULT_WIDTH, height: DEFAULT_HEIGHT });
}

function fromCheckpoint(ck: Checkpoint, name: string): Curve {
  const s = ck.training?.state;
  if (!s) throw new InputError(`${name} has no training state, so no history to plot`, 'plot the checkpoint rnnlm train wrote, or its training log');
  if (s.history.length === 0) throw new InputError(`${name} has no evaluations in its training history`, 'train until at least one evaluation (see rnnlm train --eval-every)');
  const c = ck.model.config;
  const title = `${c.cell}${c.peephole ? '+peepholes' : ''} ${c.layers}×${c.hidden}, ${c.embedding ? `embedding ${c.embedding}${c.tied ? ' (tied)' : ''}` : 'one-hot input'}` +
    `${c.dropout ? `, dropout ${c.dropout}` : ''} · ${ck.tokenizer.level} level, vocabulary ${formatInt(c.vocabSize)} · ${formatInt(ck.model.layout.total)} parameters`;
  const corpus = typeof ck.meta['corpus'] === 'string' ? ` · trained on ${ck.meta['corpus']}` : '';
  return {
    ...trainingCurve(s.history),
    plot: {
      title,
      subtitle: `${basename(name)}${corpus}`,
      caption: caption(s.step, s.epoch, s.tokensSeen, s.elapsedMs, s.history.length),
      bitsAxis: ck.tokenizer.level === 'char',
    },
  };
}

function fromLog(history: EvalRecord[], name: string): Curve {
  if (history.length === 0) throw new InputError(`${name} holds no evaluation records`, 'give a checkpoint, or a training log with one JSON evaluation record per line');
  const curve = trainingCurve(history);
  const last = curve.history[curve.history.length - 1]!;
  return {
    ...curve,
    plot: {
      title: `Training curve: ${basename(name)}`,
      subtitle: 'from the training log',
      caption: caption(last.step, last.epoch, last.tokensSeen, last.elapsedMs, history.length),
    },
  };
}

function caption(steps: number, epochs: number, tokens: number, ms: number, evals: number): string {
  const parts = [count(steps, 'step'), `${count(epochs, 'epoch')} complete`, `${compactCount(tokens)} token${tokens === 1 ? '' : 's'} seen`];
  if (Number.isFinite(ms) && ms > 0) parts.push(`${formatDuration(ms)} of training`);
  parts.push(count(evals, 'evaluation'));
  return parts.join(' · ');
}

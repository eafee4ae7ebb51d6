/**
 * rnnlm info MODEL (or -m MODEL): what a checkpoint holds — architecture and size,
 * vocabulary and tokenizer, the most frequent tokens, and how it was trained
 * (steps, epochs, tokens, time, best validation loss, the options used).
 * A report on stdout, or one JSON object with --json. What is reported is
 * the api's (src/api/info.ts); this file formats it.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import type { Checkpoint } from '../../api/index.js';
import { describeCheckpoint, type CheckpointInfo } from '../../api/info.js';
import { ExitCode } from '../exit-codes.js';
import { count, formatBytes, formatDuration, formatInt, jsonLine, shown, shellWord } from '../format.js';
import type { Host } from '../host.js';
import { checkPathArgument, readBytes, readCheckpoint } from '../input.js';
import { int, parseOptions } from '../options.js';
import { modelArgument } from '../model-argument.js';

export const infoOptionsSchema = z.object({
  model: z.string().min(1, { error: "needs a checkpoint file (or '-' for standard input)" }),
  json: z.boolean().default(false),
  top: int(0, 1_000_000).default(10),
});

export function registerInfo(program: Command, run: (action: (host: Host) => Promise<number>) => void): void {
  program
    .command('info')
    .description('describe a checkpoint: architecture, size, vocabulary, how it was trained')
    .argument('[model]', "checkpoint written by rnnlm train, or '-' for standard input (required: here or with -m)")
    .option('-m, --model <file>', 'the same as the model argument')
    .option('--top <n>', 'how many of the most frequent tokens to list (default: 10)')
    .option('--json', 'print one JSON object, numbers at full precision')
    .addHelpText('after', `
Tokens are shown as JSON strings, so that spaces and newlines are visible (" ", "\\n").

Examples:
  rnnlm info names.json
  rnnlm info model.json --json | jq .model.parameters`)
    .action((model: string | undefined, raw: Record<string, unknown>) => run((host) => runInfo(host, {
      ...raw, model: modelArgument(model, raw['model'], { command: 'info', what: 'model', needed: "the checkpoint to describe (or '-' for standard input)", example: 'model.json' }),
    })));
}

/** The training options as an `rnnlm train` command line (commander's defaults included). */
export function trainCommand(options: Record<string, unknown>): string {
  const parts = ['rnnlm', 'train', shellWord(String(options['corpus'] ?? 'CORPUS'))];
  for (const [key, value] of Object.entries(options)) {
    if (key === 'corpus' || value === undefined || value === null) continue;
    const flag = '--' + key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
    if (key === 'color') {
      if (value === false) parts.push('--no-color');
    } else if (value === true) {
      parts.push(flag);
    } else if (value !== false) {
      parts.push(flag, shellWord(typeof value === 'string' ? value : JSON.stringify(value)));
    }
  }
  return parts.join(' ');
}

export async function runInfo(host: Host, raw: Record<string, unknown>): Promise<number> {
  const opts = parseOptions(infoOptionsSchema, raw, 'info');
  checkPathArgument(opts.model, 'model path');
  const bytes = await readBytes(host, opts.model);
  // parse the bytes already read (stdin can be read only once), with readCheckpoint's one-line errors
  const ck = await readCheckpoint({ ...host, readFile: async () => bytes, readStdin: async () => bytes }, opts.model);
  const info = describe(ck, opts.model, bytes.length, opts.top);
  host.stdout.write(opts.json ? jsonLine(info) + '\n' : report(info));
  return ExitCode.ok;
}

/** What the report and --json show: the file, then the api's description of the checkpoint. */
function describe(ck: Checkpoint, file: string, fileBytes: number, top: number): Info {
  return { file, fileBytes, ...describeCheckpoint(ck, top) };
}

type Info = { file: string; fileBytes: number } & CheckpointInfo;

/** `rnnlm info`'s report of a checkpoint read from `file` (`fileBytes` long): for `rnnlm view`'s model card too. */
export function infoReport(ck: Checkpoint, file: string, fileBytes: number, top = 10): string {
  return report(describe(ck, file, fileBytes, top));
}

/** The text report. Every line goes through shown(): meta, tokens, paths and options come from the file. */
function report(i: Info): string {
  const lines: string[] = [];
  const row = (k: string, v: string) => lines.push(`  ${shown(k).padEnd(14)} ${shown(v)}`);
  const m = i.model;
  const v = i.vocabulary;
  lines.push(`${shown(i.file)}  (${formatBytes(i.fileBytes)} on disk)`);
  row('kind', i.kind === 'full'
    ? `with training state: train --resume continues it (rnnlm strip ${shellWord(i.file)} -o small.json writes the model alone)`
    : 'model only: cannot --resume (score, sample, eval and train --init-from take it)');

  lines.push('model');
  row('cell', m.cell + (m.peephole ? ' with peepholes' : m.cell === 'lstm' ? ' (no peepholes)' : ''));
  row('layers', `${m.layers} × ${formatInt(m.hidden)} hidden units`);
  row('input', m.input === 'embedding' ? `embedding of ${formatInt(m.embedding)}${m.tied ? ', tied: the decoder reads it too' : ''}` : `one-hot (${formatInt(v.size)} wide)`);
  const drops = [m.dropout > 0 && `${m.dropout} between layers and on the output`, m.inputDropout > 0 && `input ${m.inputDropout}`,
    m.wordDropout > 0 && `words ${m.wordDropout}`].filter((x) => x !== false);
  row('output', m.output.kind === 'adaptive'
    ? `adaptive softmax: head ${formatInt(m.output.cutoffs[0]!)} tokens + ${m.output.cutoffs.length} cluster${m.output.cutoffs.length > 1 ? 's' : ''} (cut-offs ${m.output.cutoffs.map(formatInt).join(', ')}; tails hidden/${m.output.div}^i)`
    : `full softmax over ${formatInt(v.size)} tokens${m.tied ? ' (tied to the embedding)' : ''}`);
  row('dropout', drops.length ? drops.join(' · ') + (m.lockedDropout ? ' (locked: one mask per window)' : '') : 'none');
  row('parameters', `${formatInt(m.parameters)} (${formatBytes(m.parameterBytes)} as float32)`);

  lines.push('vocabulary');
  row('size', `${count(v.size, 'token')} (${v.level} level; <EOS> and <UNK> included)`);
  row('tokenizer', `lowercase ${v.lowercase ? 'yes' : 'no'} · unk token ${v.unkToken === null ? 'none' : JSON.stringify(v.unkToken)} · sentence ${{ line: 'line (one per line)', paragraph: 'paragraph (blank-line separated)', file: 'file (one stream)', stream: 'stream (one per line, the state carried across lines)' }[v.sentence]}`);
  if (v.counted === null) {
    row('most frequent', 'not stored (the checkpoint has no token counts)');
  } else {
    row('counted', `${count(v.counted, 'token')} in the training part of the corpus`);
    v.top.forEach((t, k) => {
      const pct = v.counted ? ` ${((100 * t.count) / v.counted).toFixed(1).padStart(5)}%` : '';
      row(k === 0 ? `top ${v.top.length}` : '', `${shown(JSON.stringify(t.token)).padEnd(12)} ${formatInt(t.count).padStart(10)}${pct}`);
    });
  }

  row('sentences', i.trainSentences === null
    ? `no training-sentence set (${i.vocabulary.sentence === 'file' || i.vocabulary.sentence === 'stream'
      ? `${i.vocabulary.sentence} mode reads one stream`
      : 'a corpus of more than 1,000,000 sentences, or an older rnnlm'}): sample cannot mark copies`
    : `${count(i.trainSentences, 'training sentence')} kept as hashes (sample can mark copies of them)`);

  lines.push('training');
  const t = i.training;
  if (!t) {
    row('state', 'not trained with rnnlm train / no training state (cannot be resumed)');
  } else {
    row('steps', formatInt(t.steps));
    row('epochs', `${formatInt(t.epochs)} complete${t.stepsIntoNextEpoch ? `, ${count(t.stepsIntoNextEpoch, 'step')} into the next` : ''}`);
    row('tokens seen', formatInt(t.tokensSeen));
    row('time', formatDuration(t.elapsedMs));
    if (t.bestValLoss === null) {
      row('best', `no validation data (the saved model is the latest, step ${formatInt(t.bestStep)})`);
    } else {
      row('best val loss', `${t.bestValLoss.toFixed(4)} nats/token at step ${formatInt(t.bestStep)}: perplexity ${t.bestPerplexity!.toFixed(3)}` +
        (t.bestBitsPerChar !== null ? `, ${t.bestBitsPerChar.toFixed(4)} bits/char (<EOS> counted)` : ''));
    }
    if (t.lastTrainLoss !== null) row('train loss', `${t.lastTrainLoss.toFixed(4)} nats/token at the last evaluation`);
    row('evaluations', `${formatInt(t.evaluations)} (draw ${t.evaluations === 1 ? 'it' : 'them'}: rnnlm plot ${shellWord(i.file)} -o curve.svg)`);
    const cfg = t.config;
    row('optimizer', `${cfg.optimizer}, lr ${cfg.lr}${cfg.lrDecay !== 1 ? ` × ${cfg.lrDecay} per epoch after ${cfg.lrDecayAfter}` : ''}, clip ${cfg.clip || 'off'}; batch ${cfg.batch} × bptt ${cfg.bptt} (${cfg.mode})`);
    row('command', trainCommand(t.options));
  }
  const meta = Object.entries(i.meta);
  if (meta.length) {
    lines.push('meta');
    for (const [k, val] of meta) row(k, String(val));
  }
  return lines.map((l) => shown(l)).join('\n') + '\n';
}

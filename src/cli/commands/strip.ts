/**
 * rnnlm strip MODEL -o small.json (or -m MODEL): the model without its
 * training state ("training": null) — the architecture, weights, tokenizer,
 * vocabulary, meta and the training-sentence set, everything score, sample,
 * eval, info and train --init-from need, in about a third of the size (a
 * full checkpoint carries Adam's two moments, each as large as the weights).
 * Such a file cannot be resumed. Written through the one writer
 * (src/node/files.ts) like every checkpoint.
 */
import { Buffer } from 'node:buffer';
import type { Command } from 'commander';
import { z } from 'zod';
import { serializeCheckpointChunks } from '../../api/index.js';
import { UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { formatBytes, shown } from '../format.js';
import type { Host } from '../host.js';
import { checkPathArgument, readBytes, readCheckpoint, sourceName } from '../input.js';
import { modelArgument } from '../model-argument.js';
import { parseOptions } from '../options.js';

export const stripOptionsSchema = z.object({
  model: z.string().min(1, { error: "needs a checkpoint file (or '-' for standard input)" }),
  output: z.string({ error: 'is required: where to write the model (e.g. -o small.json)' }).min(1, { error: 'must not be empty: give a file name, e.g. -o small.json' }),
  quiet: z.boolean().default(false),
});

export function registerStrip(program: Command, run: (action: (host: Host) => Promise<number>) => void): void {
  program
    .command('strip')
    .description('write a model without its training state: about a third of the size; it scores and samples, but cannot be resumed')
    .argument('[model]', "checkpoint written by rnnlm train, or '-' for standard input (required: here or with -m)")
    .option('-m, --model <file>', 'the same as the model argument')
    .requiredOption('-o, --output <file>', 'the model-only checkpoint to write (required)')
    .option('-q, --quiet', 'no message on stderr')
    .addHelpText('after', `
rnnlm train writes the full training state (the optimizer's moments, the
place in the data, the random generator) so that --resume continues exactly.
The stripped file keeps the weights, the vocabulary and tokenizer, the meta
and the set of training sentences (for sample's copy marks): score, sample,
eval, info and train --init-from take it; train --resume does not.

Examples:
  rnnlm strip model.json -o model.small.json
  rnnlm info model.small.json`)
    .action((model: string | undefined, { model: m, ...raw }: Record<string, unknown>) => run((host) => runStrip(host, {
      ...raw, model: modelArgument(model, m, { command: 'strip', what: 'model', needed: "the checkpoint to strip (or '-' for standard input)", example: 'model.json', rest: ' -o small.json' }),
    })));
}

export async function runStrip(host: Host, raw: Record<string, unknown>): Promise<number> {
  const opts = parseOptions(stripOptionsSchema, raw, 'strip');
  checkPathArgument(opts.output, '-o path');
  checkPathArgument(opts.model, 'model path');
  if (opts.output === '-') throw new UsageError('-o - would write the model to standard output, which cannot hold a checkpoint', 'give a file name, e.g. -o small.json');
  host.checkWritable(opts.output, 'output (-o)');
  // the full checkpoint is kept: stripping it in place would lose the state --resume needs
  host.checkDistinct([{ role: 'model', path: opts.model }, { role: 'output (-o)', path: opts.output }]);
  const bytes = await readBytes(host, opts.model);
  const ck = await readCheckpoint({ ...host, readFile: async () => bytes, readStdin: async () => bytes }, opts.model);
  let written = 0;
  const counted = function* (chunks: Iterable<string>) {
    for (const c of chunks) {
      written += Buffer.byteLength(c, 'utf8');
      yield c;
    }
  };
  await host.writeFileAtomic(opts.output, counted(serializeCheckpointChunks({ ...ck, training: null })));
  if (!opts.quiet) {
    const name = sourceName(opts.model);
    const was = ck.training ? `${formatBytes(bytes.length)} with training state` : `${formatBytes(bytes.length)}; it had no training state already`;
    host.stderr.write(`wrote ${shown(opts.output)}: the model only, ${formatBytes(written)} (${shown(name)}: ${was}); it scores, samples and fine-tunes (--init-from), but cannot be resumed\n`);
  }
  return ExitCode.ok;
}

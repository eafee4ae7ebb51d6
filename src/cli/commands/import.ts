/**
 * rnnlm import weights.safetensors -o model.json [--config base.json]: a
 * model-only checkpoint from a safetensors file. The file's own "rnnlm"
 * metadata (an rnnlm export) says which model it is; weights trained
 * elsewhere (PyTorch's safetensors.torch.save_file of a state dict under the
 * names of docs/checkpoint.md) take the config, tokenizer and vocabulary of
 * --config. Every tensor is checked: names, shapes, dtypes, finite values.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { checkpointFromSafetensors, RnnlmError, serializeCheckpointChunks } from '../../api/index.js';
import { InputError, UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { shown } from '../format.js';
import type { Host } from '../host.js';
import { checkOneStdin, checkPathArgument, readBytes, readCheckpoint, sourceName } from '../input.js';
import { parseOptions } from '../options.js';

export const importOptionsSchema = z.object({
  weights: z.string().min(1, { error: 'needs a .safetensors file' }),
  output: z.string({ error: 'is required: where to write the checkpoint (e.g. -o model.json)' }).min(1, { error: 'must not be empty: give a file name, e.g. -o model.json' }),
  config: z.string().min(1, { error: 'must not be empty: give the checkpoint whose config the weights fit' }).optional(),
  quiet: z.boolean().default(false),
});

export function registerImport(program: Command, run: (action: (host: Host) => Promise<number>) => void): void {
  program
    .command('import')
    .description('make a checkpoint from a safetensors file (rnnlm export\'s, or weights trained elsewhere with --config)')
    .argument('<weights>', "the .safetensors file, or '-' for standard input")
    .requiredOption('-o, --output <file>', 'the checkpoint to write (required)')
    .option('--config <model>', 'a checkpoint whose config, tokenizer and vocabulary the weights fit (needed when the file was not written by rnnlm export)')
    .option('-q, --quiet', 'no message on stderr')
    .addHelpText('after', `
The result is model-only (no training state): it scores, samples, evaluates
and fine-tunes (train --init-from), but cannot be resumed.

Examples:
  rnnlm import model.safetensors -o model.json
  rnnlm import trained-in-pytorch.safetensors --config model.json -o tuned.json`)
    .action((weights: string, raw: Record<string, unknown>) => run((host) => runImport(host, { ...raw, weights })));
}

export async function runImport(host: Host, raw: Record<string, unknown>): Promise<number> {
  const opts = parseOptions(importOptionsSchema, raw, 'import');
  checkPathArgument(opts.output, '-o path');
  checkPathArgument(opts.weights, 'weights path');
  checkPathArgument(opts.config, '--config path');
  if (opts.output === '-') throw new UsageError('-o - would write the checkpoint to standard output, which cannot hold it', 'give a file name, e.g. -o model.json');
  checkOneStdin([{ role: 'weights', path: opts.weights, fix: 'give the weights as a file' }, { role: 'config', path: opts.config, fix: 'give the config as a file: --config model.json' }]);
  host.checkWritable(opts.output, 'output (-o)');
  host.checkDistinct([{ role: 'weights', path: opts.weights }, { role: 'output (-o)', path: opts.output },
    ...(opts.config !== undefined ? [{ role: '--config', path: opts.config }] : [])]);
  const base = opts.config !== undefined ? await readCheckpoint(host, opts.config) : null;
  const bytes = await readBytes(host, opts.weights);
  let ck;
  try {
    ck = checkpointFromSafetensors(bytes, base, host.backend());
  } catch (err) {
    if (err instanceof RnnlmError) throw new InputError(`${sourceName(opts.weights)}: ${err.message}`, err.hint);
    throw err;
  }
  await host.writeFileAtomic(opts.output, serializeCheckpointChunks({ ...ck, meta: { ...ck.meta, importedFrom: sourceName(opts.weights) } }));
  if (!opts.quiet) {
    const c = ck.model.config;
    host.stderr.write(`wrote ${shown(opts.output)}: ${c.cell} ${c.layers}×${c.hidden}, ${ck.vocab.tokens.length} tokens, ${ck.model.layout.total.toLocaleString('en-US')} parameters from ${shown(sourceName(opts.weights))} (model only: it cannot be resumed)\n`);
  }
  return ExitCode.ok;
}

/**
 * rnnlm export MODEL -o model.onnx: the model as an ONNX graph
 * (checkpoint/onnx.ts) for onnxruntime and other runtimes.
 * rnnlm export MODEL -o model.safetensors: the model's tensors as a
 * safetensors file (float32, the PyTorch names of docs/checkpoint.md), with
 * the config, tokenizer and vocabulary in its metadata, so that PyTorch (or
 * any safetensors reader) loads the weights and `rnnlm import` turns the file
 * back into a checkpoint. Written through the one writer (src/node/files.ts).
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { onnxModel, ONNX_OPSET, safetensorsChunks } from '../../api/index.js';
import { UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { formatBytes, shown } from '../format.js';
import type { Host } from '../host.js';
import { checkPathArgument, readCheckpoint } from '../input.js';
import { modelArgument } from '../model-argument.js';
import { parseOptions } from '../options.js';
import { makeStyle } from '../style.js';

export const exportOptionsSchema = z.object({
  model: z.string().min(1, { error: "needs a checkpoint file (or '-' for standard input)" }),
  output: z.string({ error: 'is required: where to write (e.g. -o model.safetensors)' }).min(1, { error: 'must not be empty: give a file name, e.g. -o model.safetensors' }),
  format: z.enum(['safetensors', 'onnx'], { error: 'must be safetensors or onnx' }).optional(),
  quiet: z.boolean().default(false),
});

export function registerExport(program: Command, run: (action: (host: Host) => Promise<number>) => void): void {
  program
    .command('export')
    .description('write the model in another format: ONNX (a graph for onnxruntime and other runtimes) or safetensors (weights under PyTorch\'s names)')
    .argument('[model]', "checkpoint written by rnnlm train, or '-' for standard input (required: here or with -m)")
    .option('-m, --model <file>', 'the same as the model argument')
    .requiredOption('-o, --output <file>', 'the file to write, e.g. model.onnx or model.safetensors (required)')
    .option('--format <name>', 'onnx or safetensors (default: from the output\'s extension)')
    .option('-q, --quiet', 'no message on stderr')
    .addHelpText('after', `
ONNX (opset 17): inputs tokens (int64 [T, B], the previous token of each
step, -1 for the zero input of step 1), h0 (and c0 for an LSTM) float
[layers, B, hidden]; outputs logprobs (float [T, B, V], natural log) and
the final state hn (and cn). The vocabulary, tokenizer and config are in the
model's metadata ("rnnlm", JSON).

safetensors: the tensors are float32, little-endian, under the names of docs/checkpoint.md
(weight_ih_l0, …, embedding.weight, decoder.weight or decoder.head.weight, …),
which are PyTorch's for nn.LSTM / nn.RNN and AdaptiveLogSoftmaxWithLoss. The
metadata holds "format": "pt" and "rnnlm": the config, tokenizer and
vocabulary as JSON, so that rnnlm import needs nothing else.

Examples:
  rnnlm export model.json -o model.onnx
  rnnlm export model.json -o model.safetensors
  python3 -c "from safetensors.torch import load_file; print(load_file('model.safetensors').keys())"
  rnnlm import model.safetensors -o back.json`)
    .action((model: string | undefined, { model: m, ...raw }: Record<string, unknown>) => run((host) => runExport(host, {
      ...raw, model: modelArgument(model, m, { command: 'export', what: 'model', needed: "the checkpoint to export (or '-' for standard input)", example: 'model.json', rest: ' -o model.safetensors' }),
    })));
}

const FORMAT_NAME = { onnx: 'ONNX', safetensors: 'safetensors' } as const;

export async function runExport(host: Host, raw: Record<string, unknown>): Promise<number> {
  const opts = parseOptions(exportOptionsSchema, raw, 'export');
  checkPathArgument(opts.output, '-o path');
  checkPathArgument(opts.model, 'model path');
  if (opts.output === '-') throw new UsageError('-o - would write binary data to standard output', 'give a file name, e.g. -o model.safetensors');
  const named = /\.onnx$/i.test(opts.output) ? 'onnx' : /\.safetensors$/i.test(opts.output) ? 'safetensors' : null;
  const format = opts.format ?? named;
  if (format === null) throw new UsageError(`cannot tell the format from ${shown(opts.output)}`, 'name the output *.onnx or *.safetensors, or add --format onnx|safetensors');
  host.checkWritable(opts.output, 'output (-o)', `model.${format}`);
  host.checkDistinct([{ role: 'model', path: opts.model }, { role: 'output (-o)', path: opts.output }]);
  const ck = await readCheckpoint(host, opts.model);
  let written = 0;
  const counted = function* (chunks: Iterable<Uint8Array>) {
    for (const c of chunks) {
      written += c.length;
      yield c;
    }
  };
  if (format === 'onnx') {
    const bytes = onnxModel(ck, String(ck.meta['rnnlm'] ?? ''));
    await host.writeFileAtomic(opts.output, bytes);
    written = bytes.length;
  } else {
    await host.writeFileAtomic(opts.output, counted(safetensorsChunks(ck)));
  }
  // written as asked, but a name that says the other format misleads whoever opens the file (said after the write: an error stays the only line)
  if (named !== null && named !== format && !opts.quiet) {
    host.stderr.write(makeStyle(host).yellow(`warning: ${shown(opts.output)} holds ${FORMAT_NAME[format]} (--format ${format}), but its name says ${FORMAT_NAME[named]} — name it *.${format}, or drop --format to write ${FORMAT_NAME[named]}`) + '\n');
  }
  if (!opts.quiet) {
    const what = format === 'onnx'
      ? `ONNX opset ${ONNX_OPSET} (tokens → logprobs, hn${ck.model.config.cell === 'lstm' ? ', cn' : ''}; vocabulary and config in its metadata)`
      : `${ck.model.layout.tensors.length} float32 tensors (safetensors; config and vocabulary in its metadata)`;
    host.stderr.write(`wrote ${shown(opts.output)}: ${ck.model.layout.total.toLocaleString('en-US')} parameters, ${formatBytes(written)}, ${what}\n`);
  }
  return ExitCode.ok;
}

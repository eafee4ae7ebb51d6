/**
 * rnnlm encode -m model.json corpus.txt -o ids.safetensors: the corpus as the
 * token ids the model reads it as (api/encode.ts), for training the model
 * elsewhere (examples/pytorch/) with exactly rnnlm's tokenization.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { encodeText, idsSafetensors } from '../../api/index.js';
import { UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { formatInt, shown } from '../format.js';
import type { Host } from '../host.js';
import { asInputError, checkOneStdin, checkPathArgument, readBytes, readCheckpoint, refuseCheckpoint, sourceName } from '../input.js';
import { parseOptions } from '../options.js';

export const encodeOptionsSchema = z.object({
  model: z.string({ error: 'is required: the model whose tokenizer and vocabulary to use (-m model.json)' }).min(1, { error: 'must not be empty' }),
  corpus: z.string().min(1, { error: "needs a text file (or '-' for standard input)" }),
  output: z.string({ error: 'is required: where to write the ids (e.g. -o ids.safetensors)' }).min(1, { error: 'must not be empty: give a file name, e.g. -o ids.safetensors' }),
  quiet: z.boolean().default(false),
});

export function registerEncode(program: Command, run: (action: (host: Host) => Promise<number>) => void): void {
  program
    .command('encode')
    .description("write a text as the model's token ids (a safetensors file of int32 ids and sentence starts), for training elsewhere")
    .argument('<corpus>', "UTF-8 text file, or '-' for standard input")
    .requiredOption('-m, --model <file>', 'the model whose tokenizer, sentence mode and vocabulary to use (required)')
    .requiredOption('-o, --output <file>', 'the .safetensors file to write (required)')
    .option('-q, --quiet', 'no message on stderr')
    .addHelpText('after', `
The file holds "ids" (int32, every sentence's tokens then <EOS> = 0; unknown
tokens are <UNK> = 1) and "starts" (int32, where each sentence begins, and
the end), with the vocabulary size and sentence mode in its metadata.

Examples:
  rnnlm encode -m model.json train.txt -o train.ids.safetensors
  torchrun --nproc_per_node 2 examples/pytorch/train_ddp.py --model model.safetensors --ids train.ids.safetensors`)
    .action((corpus: string, raw: Record<string, unknown>) => run((host) => runEncode(host, { ...raw, corpus })));
}

export async function runEncode(host: Host, raw: Record<string, unknown>): Promise<number> {
  const opts = parseOptions(encodeOptionsSchema, raw, 'encode');
  for (const [p, what] of [[opts.output, '-o path'], [opts.model, 'model path'], [opts.corpus, 'corpus path']] as const) checkPathArgument(p, what);
  if (opts.output === '-') throw new UsageError('-o - would write binary data to standard output', 'give a file name, e.g. -o ids.safetensors');
  checkOneStdin([{ role: 'corpus', path: opts.corpus, fix: 'give the corpus as a file' }, { role: 'model', path: opts.model, fix: 'give the model as a file: -m model.json' }]);
  host.checkWritable(opts.output, 'output (-o)', 'ids.safetensors');
  host.checkDistinct([{ role: 'corpus', path: opts.corpus }, { role: 'model (-m)', path: opts.model }, { role: 'output (-o)', path: opts.output }]);
  const ck = await readCheckpoint(host, opts.model);
  const bytes = await readBytes(host, opts.corpus);
  // readBytes has refused a compressed file already
  refuseCheckpoint(bytes, sourceName(opts.corpus));
  const corpus = asInputError(() => encodeText(ck, bytes, sourceName(opts.corpus)));
  await host.writeFileAtomic(opts.output, idsSafetensors(ck, corpus));
  if (!opts.quiet) {
    host.stderr.write(`wrote ${shown(opts.output)}: ${formatInt(corpus.ids.length)} token ids in ${formatInt(corpus.sentences)} sentences (<EOS> included; ${formatInt(corpus.unkCount)} <UNK>)\n`);
  }
  return ExitCode.ok;
}

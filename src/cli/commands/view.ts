/**
 * rnnlm view MODEL -o model.html: one self-contained HTML page that runs the
 * model in a browser (opened from disk: no server, no network) and shows what
 * it sees in a text — every token coloured by its surprise, the hidden units'
 * activations, samples with the options of `rnnlm sample`, and the model card
 * (`rnnlm info`'s report and `rnnlm plot`'s curve).
 *
 * The page's code is the api's, bundled at build time (dist/page/page.js,
 * scripts/build-page.mjs); this command puts it, the model (as `rnnlm strip`
 * writes it) and the card into one file (page-html.ts), through the one
 * atomic writer.
 */
import type { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { defaultMaxTokens, inspectedLength, sample, serializeCheckpointChunks } from '../../api/index.js';
import { InputError, UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { formatBytes, shown } from '../format.js';
import type { Host } from '../host.js';
import { checkOneStdin, checkPathArgument, checkTextArgument, readBytes, readCheckpoint, readText, sourceName } from '../input.js';
import { modelArgument } from '../model-argument.js';
import { parseOptions } from '../options.js';
import { pageHtml } from '../page-html.js';
import { checkpointCurveSvg } from './plot.js';
import { infoReport } from './info.js';

export const viewOptionsSchema = z.object({
  model: z.string().min(1, { error: "needs a checkpoint file (or '-' for standard input)" }),
  output: z.string({ error: 'is required: where to write the page (e.g. -o model.html)' }).min(1, { error: 'must not be empty: give a file name, e.g. -o model.html' }),
  text: z.string().optional(),
  textFile: z.string().min(1).optional(),
  title: z.string().optional(),
  quiet: z.boolean().default(false),
}).refine((o) => !(o.text !== undefined && o.textFile !== undefined), { error: 'cannot go with --text-file: give the starting text one way', path: ['text'] });

/** The bundle of the page's code, beside the compiled command line (dist/page/page.js). */
const BUNDLE = fileURLToPath(new URL('../../../page/page.js', import.meta.url));

export function registerView(program: Command, run: (action: (host: Host) => Promise<number>) => void): void {
  program
    .command('view')
    .description('write one self-contained HTML page that runs the model in a browser: surprise per token, hidden units, sampling, the model card')
    .argument('[model]', "checkpoint written by rnnlm train, or '-' for standard input (required: here or with -m)")
    .option('-m, --model <file>', 'the same as the model argument')
    .requiredOption('-o, --output <file>', 'the page to write, e.g. model.html (required)')
    .option('--text <text>', 'the text the page starts with (default: five samples of the model, seed 1)')
    .option('--text-file <file>', 'read the starting text from a file')
    .option('--title <text>', 'the page\'s title (default: the model file\'s name and architecture)')
    .option('-q, --quiet', 'no message on stderr')
    .addHelpText('after', `
The page opens from disk in any current browser: the model, the code and the
styles are inside it, and its Content-Security-Policy forbids every network
request. The model runs on WebAssembly (the code rnnlm itself runs), so the
numbers are rnnlm's: the log-probabilities of 'rnnlm score --per-token', and
the samples of 'rnnlm sample' for the same options and seed.

The model is stored without its training state (as 'rnnlm strip' writes it):
about 5.3 bytes per parameter, plus ~0.5 MB of code.

Examples:
  rnnlm view names.json -o names.html
  rnnlm view shakespeare.json -o shakespeare.html --text-file sonnet.txt`)
    .action((model: string | undefined, { model: m, ...raw }: Record<string, unknown>) => run((host) => runView(host, {
      ...raw, model: modelArgument(model, m, { command: 'view', what: 'model', needed: "the checkpoint to look at (or '-' for standard input)", example: 'model.json', rest: ' -o model.html' }),
    })));
}

export async function runView(host: Host, raw: Record<string, unknown>): Promise<number> {
  const opts = parseOptions(viewOptionsSchema, raw, 'view');
  checkPathArgument(opts.output, '-o path');
  checkPathArgument(opts.model, 'model path');
  checkPathArgument(opts.textFile, '--text-file path');
  checkTextArgument(opts.text, '--text text');
  if (opts.output === '-') throw new UsageError('-o - would write the page to standard output', 'give a file name, e.g. -o model.html');
  checkOneStdin([
    { role: 'model', path: opts.model, fix: 'give the model as a file' },
    { role: 'starting text (--text-file)', path: opts.textFile, fix: 'give the starting text as a file: --text-file start.txt' },
  ]);
  host.checkWritable(opts.output, 'output (-o)', 'model.html');
  host.checkDistinct([{ role: 'model', path: opts.model }, { role: 'output (-o)', path: opts.output }, { role: '--text-file', path: opts.textFile }]);
  const bundle = await host.readFileIfExists(BUNDLE);
  if (bundle === null) throw new InputError(`this installation of rnnlm has no page code (${BUNDLE})`, 'build it: npm run build (it bundles src/page with esbuild)');
  const bytes = await readBytes(host, opts.model);
  const ck = await readCheckpoint({ ...host, readFile: async () => bytes, readStdin: async () => bytes }, opts.model);
  const text = opts.text ?? (opts.textFile !== undefined ? await readText(host, opts.textFile) : sample(host.platform(), ck, { n: 5, seed: 1 }).join('\n'));
  const name = sourceName(opts.model);
  const c = ck.model.config;
  const architecture = `${c.cell}${c.peephole ? ' with peepholes' : ''} ${c.layers}×${c.hidden} · ${ck.tokenizer.level} level, ${c.vocabSize.toLocaleString('en-US')} tokens · ${ck.model.layout.total.toLocaleString('en-US')} parameters`;
  const html = pageHtml({
    bundle: new TextDecoder().decode(bundle),
    checkpoint: serializeCheckpointChunks({ ...ck, training: null }),
    data: {
      // the page's <title> and heading: a control or bidi character (of a file name, or --title) shown escaped,
      // as every message shows it, not raw in the browser's tab and heading (U+202E would reverse the name)
      title: shown(opts.title ?? `rnnlm · ${name}`), subtitle: architecture, text,
      card: { info: infoReport(ck, name, bytes.length), curve: checkpointCurveSvg(ck, name) },
      parameters: ck.model.layout.total,
    },
  });
  let written = 0;
  const counted = function* (chunks: Iterable<string>) {
    for (const s of chunks) {
      written += Buffer.byteLength(s, 'utf8');
      yield s;
    }
  };
  await host.writeFileAtomic(opts.output, counted(html));
  if (!opts.quiet) host.stderr.write(`wrote ${shown(opts.output)}: ${formatBytes(written)}, a page that runs ${shown(name)} in the browser (open it from disk; it fetches nothing)\n`);
  const length = inspectedLength(ck, text), cap = defaultMaxTokens(ck);
  if (!opts.quiet && length > cap) {
    host.stderr.write(`note: the page colours the first ${cap.toLocaleString('en-US')} tokens of the text (it has ${length.toLocaleString('en-US')}); rnnlm score reads it all\n`);
  }
  return ExitCode.ok;
}

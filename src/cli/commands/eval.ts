/**
 * rnnlm eval -m MODEL CORPUS: how well a model predicts a whole corpus —
 * cross-entropy (nats per token, <EOS> included), perplexity, bits per
 * character at char level, and the <UNK> rate. The corpus is split into
 * sentences exactly as the model's training corpus was, encoded with the
 * model's vocabulary, and read the way training reads its validation data
 * (core evaluate), so the number is comparable with the validation loss.
 * The computation is the api's (src/api/evaluate.ts); this file parses and prints.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { UNKNOWN_LISTED, evaluate, evaluateChunks, evaluateOptionsShape, type Evaluation, type EvaluationProgress } from '../../api/evaluate.js';
import { DEFAULT_LAMBDA, lambdaOption } from '../../api/score.js';
import { InputError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { inputUnits } from '../lines.js';
import { formatInt, jsonLine, shown } from '../format.js';
import type { Host } from '../host.js';
import { checkedChunks, checkOneStdin, checkPathArgument, readCheckpoint, readNgram, readText, sourceName } from '../input.js';
import { flagName, parseOptions, real } from '../options.js';
import { makeStyle } from '../style.js';

export const evalOptionsSchema = z.object({
  model: z.string({ error: 'is required: the checkpoint to evaluate (e.g. -m model.json)' }).min(1),
  corpus: z.string().min(1, { error: "needs a corpus file (or '-' for standard input)" }),
  batch: evaluateOptionsShape.batch,
  bptt: evaluateOptionsShape.bptt,
  json: z.boolean().default(false),
  quiet: z.boolean().default(false),
  color: z.boolean().default(true),
  threads: evaluateOptionsShape.threads,
  // a flag and its rate apart: an optional value would swallow the corpus (`eval -m m --dynamic test.txt`)
  dynamic: z.boolean().default(false),
  dynamicLr: real(0, 100).optional(),
  ngram: z.string().min(1).optional(),
  lambda: lambdaOption.optional(),
}).refine((o) => o.lambda === undefined || o.ngram !== undefined, { error: 'needs --ngram: the n-gram model to interpolate with (e.g. --ngram model.arpa --lambda 0.75)', path: ['lambda'] })
  .refine((o) => o.ngram === undefined || !o.dynamic, { error: 'cannot go with --ngram: dynamic evaluation does not keep the per-token probabilities the interpolation needs; choose one', path: ['dynamic'] });

export function registerEval(program: Command, run: (action: (host: Host) => Promise<number>) => void): void {
  program
    .command('eval')
    .description('cross-entropy, perplexity and <UNK> rate of a model on a whole corpus')
    .argument('<corpus>', "UTF-8 text file, or '-' for standard input")
    .requiredOption('-m, --model <file>', 'checkpoint written by rnnlm train (required)')
    .option('--batch <n>', 'sentences (or stream lanes) evaluated at once: speed only, in line/paragraph mode (default: 32)')
    .option('--bptt <n>', 'time steps per window (default: 64)')
    .option('--json', 'print one JSON object, numbers at full precision')
    .option('--threads <n>', 'CPU threads; results depend on it only through rounding (default: all cores)')
    .option('--dynamic', 'dynamic evaluation: after each sentence (or window), one SGD step on it, so the model adapts as it reads (a copy: the file is not changed); one thread, one lane')
    .option('--dynamic-lr <rate>', 'the learning rate of --dynamic, which it implies (default: 0.1)')
    .option('--ngram <file>', 'interpolate with this ARPA n-gram model, per token: P = λ·P_rnn + (1−λ)·P_ngram; prints both models alone too')
    .option('--lambda <x>', `the RNN's weight λ in the interpolation, 0 to 1, with --ngram (default: ${DEFAULT_LAMBDA})`)
    .option('-q, --quiet', 'no notes on stderr')
    .option('--no-color', 'no colour in messages')
    .addHelpText('after', `
The corpus is split into sentences as the model's training corpus was (line, paragraph
or the whole file as one stream), and every sentence ends with <EOS>, which counts as a token.

  cross-entropy  H = −(1/N) Σ log P(token | previous tokens), natural log, over all N tokens
  perplexity     exp(H)
  bits/char      H / ln 2 (char level: a token is a character, <EOS> counted as one)
  <UNK> rate     tokens not in the model's vocabulary / N

Examples:
  rnnlm eval -m names.json corpora/names.txt
  rnnlm eval -m model.json test.txt --json | jq .perplexity
  cat held-out.txt | rnnlm eval -m model.json -`)
    .action((corpus: string, raw: Record<string, unknown>) => run((host) => runEval(host, { ...raw, corpus })));
}

/**
 * The corpus's sentences (lines or paragraphs) as they are read, those of
 * each piece of input together; a unit that cannot be read (not UTF-8, too
 * long) stops the run, naming its line.
 */
async function* units(host: Host, path: string, unit: 'line' | 'paragraph'): AsyncGenerator<string[]> {
  const chunks = checkedChunks(path === '-' ? host.stdinChunks() : host.fileChunks(path), sourceName(path));
  for await (const us of inputUnits(chunks, unit)) {
    const texts: string[] = [];
    for (const u of us) {
      if ('error' in u) throw new InputError(`${sourceName(path)}: ${u.error}`, `the evaluation stops there: fix or remove that line, or ${u.hint}`);
      texts.push(u.text);
    }
    yield texts;
  }
}

/** On a terminal, one status line rewritten after each chunk: sentences, tokens and the perplexity so far. */
function progressLine(host: Host, style: ReturnType<typeof makeStyle>, quiet: boolean): ((p: EvaluationProgress) => void) | undefined {
  if (quiet || !host.stderr.isTTY) return undefined;
  return (p) => host.stderr.write(`\r\x1b[K${style.dim(`evaluating… ${formatInt(p.sentences)} sentences, ${formatInt(p.tokens)} tokens, perplexity so far ${Math.exp(p.crossEntropy).toFixed(3)}`)}`);
}

/** What --json prints: the corpus and model as given, then the api's numbers. */
export interface EvalSummary extends Omit<Evaluation, 'unknown' | 'threads' | 'fallback'> {
  corpus: string;
  model: string;
}

export async function runEval(host: Host, raw: Record<string, unknown>): Promise<number> {
  const opts = parseOptions(evalOptionsSchema, raw, 'eval');
  checkPathArgument(opts.model, 'model path (-m)');
  checkPathArgument(opts.corpus, 'corpus path');
  checkPathArgument(opts.ngram, '--ngram path');
  checkOneStdin([
    { role: 'corpus', path: opts.corpus, fix: 'give the corpus as a file' },
    { role: 'model', path: opts.model, fix: 'give the model as a file: -m model.json' },
    { role: 'n-gram model', path: opts.ngram, fix: 'give the n-gram model as a file: --ngram model.arpa' },
  ]);
  const style = makeStyle(host, !opts.color);
  const ck = await readCheckpoint(host, opts.model);
  const name = sourceName(opts.corpus);
  const ngram = opts.ngram !== undefined ? await readNgram(host, opts.ngram) : undefined;
  // windows too large for memory are refused before the corpus is read
  const options = { batch: opts.batch, bptt: opts.bptt, threads: opts.threads, dynamicLr: opts.dynamic || opts.dynamicLr !== undefined ? opts.dynamicLr ?? 0.1 : 0, ngram, lambda: opts.lambda };
  const spelling = { name: flagName, hint: "see 'rnnlm eval --help'", what: 'options', text: name };
  // a model that reads sentences is evaluated as the input is read, a chunk at a time: memory stays flat, progress shows
  const streaming = ck.tokenizer.sentence !== 'file' && ck.tokenizer.sentence !== 'stream' && options.dynamicLr === 0 && ngram === undefined;
  const e = streaming
    ? await evaluateChunks(host.platform(), ck, units(host, opts.corpus, ck.tokenizer.sentence === 'paragraph' ? 'paragraph' : 'line'), options, spelling,
      progressLine(host, style, opts.quiet))
    : await evaluate(host.platform(), ck, () => readText(host, opts.corpus), options, spelling);
  if (streaming && host.stderr.isTTY && !opts.quiet) host.stderr.write('\r\x1b[K');
  const { unknown, threads: _threads, fallback: _fallback, ...numbers } = e;
  // an adaptation that made things worse than knowing nothing: say so (the rate was too high)
  if (e.dynamicLr > 0 && !(e.crossEntropy <= Math.log(ck.vocab.tokens.length)) && !opts.quiet) {
    host.stderr.write(style.yellow(`warning: dynamic evaluation diverged: a cross-entropy of ${e.crossEntropy.toFixed(3)} nats/token is worse than a uniform guess over the ${ck.vocab.tokens.length} tokens (${Math.log(ck.vocab.tokens.length).toFixed(3)}) — lower --dynamic-lr`) + '\n');
  }
  const s: EvalSummary = { corpus: opts.corpus, model: opts.model, ...numbers };

  if (!opts.quiet && s.unk > 0) {
    const list = unknown.map((u) => shown(JSON.stringify(u))).join(', ');
    host.stderr.write(style.yellow(`note: ${formatInt(s.unk)} token${s.unk === 1 ? '' : 's'} not in the model's vocabulary, scored as <UNK>${list ? `: ${list}${unknown.length >= UNKNOWN_LISTED ? ', …' : ''}` : ''}`) + '\n');
  }
  if (opts.json) {
    host.stdout.write(jsonLine(s) + '\n');
    return ExitCode.ok;
  }
  const split = { line: 'one per line', paragraph: 'blank-line separated paragraphs', file: 'the whole text as one stream', stream: 'one per line, read as one stream: the state carried across lines' }[s.sentenceMode];
  const rows: [string, string][] = [
    ['corpus', name],
    ['model', opts.model],
    ['sentences', `${formatInt(s.sentences)} (${split}, as the model was trained)`],
    ['tokens', `${formatInt(s.tokens)} (${s.level === 'char' ? 'characters' : 'words and punctuation'} + one <EOS> per sentence)`],
    ['<UNK>', `${formatInt(s.unk)} (${(100 * s.unkRate).toFixed(2)}% of tokens)`],
    ['cross-entropy', `${s.crossEntropy.toFixed(4)} nats/token (${s.bitsPerToken.toFixed(4)} bits/token)`],
    ['perplexity', s.perplexity.toFixed(3)],
    // KenLM's second figure: over the tokens that are not <UNK>
    ['ppl w/o <UNK>', s.perplexityExcludingUnk !== null ? `${s.perplexityExcludingUnk.toFixed(3)} (over the tokens that are not <UNK>)` : s.dynamicLr ? '– (not kept in dynamic evaluation)' : '– (every token is <UNK>)'],
    ['evaluation', s.dynamicLr ? `dynamic: one SGD step of rate ${s.dynamicLr} after each ${s.sentenceMode === 'file' || s.sentenceMode === 'stream' ? 'window' : 'sentence'} (the model file is not changed)` : 'static (the model as saved)'],
  ];
  const ip = s.interpolation;
  if (ip) {
    rows.splice(rows.findIndex(([k]) => k === 'perplexity') + 1, 0,
      ['RNN alone', `${ip.rnnPerplexity.toFixed(3)} (perplexity)`],
      [`${ip.ngramOrder}-gram alone`, `${ip.ngramPerplexity.toFixed(3)} (perplexity; ${formatInt(ip.ngramOov)} token${ip.ngramOov === 1 ? '' : 's'} outside the n-gram's vocabulary)`]);
    rows.push(['interpolation', `λ = ${ip.lambda}: P = ${ip.lambda}·P_rnn + ${+(1 - ip.lambda).toFixed(10)}·P_ngram per token, ${opts.ngram} (cross-entropy, perplexity and bits are the mix's)`]);
  }
  if (s.bitsPerChar !== null) rows.push(['bits/char', `${s.bitsPerChar.toFixed(4)} (cross-entropy / ln 2; <EOS> counted as a character)`]);
  // the corpus and model names are the user's paths: shown, like every value, without raw control characters
  for (const [k, v] of rows) host.stdout.write(`${k.padEnd(14)} ${shown(v)}\n`);
  return ExitCode.ok;
}

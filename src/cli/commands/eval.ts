/**
 * rnnlm eval -m MODEL CORPUS: how well a model predicts a whole corpus —
 * cross-entropy (nats per token, <EOS> included), perplexity, bits per
 * character at char level, and the <UNK> rate. The corpus is split into
 * sentences exactly as the model's training corpus was, encoded with the
 * model's vocabulary, and read the way training reads its validation data
 * (core evaluate), so the number is comparable with the validation loss.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import type { Checkpoint } from '../../checkpoint/codec.js';
import type { ReadMode } from '../../core/batches.js';
import { encode, encodeCorpus, normalizeText, splitSentences, type EncodedCorpus, type TokenizerConfig } from '../../core/tokenize.js';
import { evaluate, evaluateOn } from '../../core/train.js';
import { createWorkspace } from '../../core/workspace.js';
import { InputError, UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { formatInt, jsonLine, shown } from '../format.js';
import type { Host } from '../host.js';
import { readCheckpoint, readText } from '../input.js';
import { THREADS_HELP, flagName, int, parseOptions } from '../options.js';
import { memoryNeed, refuseIfTooLarge } from '../../core/memory.js';
import { OptionError } from '../../core/errors.js';
import { createParallelEngine } from '../../parallel/engine.js';
import { makeStyle } from '../style.js';

export const evalOptionsSchema = z.object({
  model: z.string({ error: 'is required: the checkpoint to evaluate (e.g. -m model.json)' }).min(1),
  corpus: z.string().min(1, { error: "needs a corpus file (or '-' for standard input)" }),
  batch: int(1, 4096).default(32),
  bptt: int(1, 100_000).default(64),
  json: z.boolean().default(false),
  quiet: z.boolean().default(false),
  color: z.boolean().default(true),
  threads: int(1, 256).optional(),
});

export function registerEval(program: Command, run: (action: (host: Host) => Promise<number>) => void): void {
  program
    .command('eval')
    .description('cross-entropy, perplexity and <UNK> rate of a model on a whole corpus')
    .argument('<corpus>', "UTF-8 text file, or '-' for standard input")
    .requiredOption('-m, --model <file>', 'checkpoint written by rnnlm train')
    .option('--batch <n>', 'sentences (or stream lanes) evaluated at once: speed only, in line/paragraph mode', '32')
    .option('--bptt <n>', 'time steps per window', '64')
    .option('--json', 'print one JSON object')
    .option('--threads <n>', THREADS_HELP)
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

export interface EvalSummary {
  corpus: string;
  model: string;
  level: 'char' | 'word';
  sentenceMode: 'line' | 'paragraph' | 'file';
  sentences: number;
  /** N: tokens scored, one <EOS> per sentence included. */
  tokens: number;
  unk: number;
  unkRate: number;
  /** Mean −log P per token, nats. */
  crossEntropy: number;
  perplexity: number;
  bitsPerToken: number;
  /** bitsPerToken at char level, else null. */
  bitsPerChar: number | null;
}

export async function runEval(host: Host, raw: Record<string, unknown>): Promise<number> {
  const opts = parseOptions(evalOptionsSchema, raw, 'eval');
  const style = makeStyle(host, !opts.color);
  const ck = await readCheckpoint(host, opts.model);
  try {
    refuseIfTooLarge(memoryNeed(ck.model.config, opts.bptt, opts.batch, opts.threads ?? host.cpus, null), flagName);
  } catch (err) {
    if (err instanceof OptionError) throw new UsageError(err.message, err.hint);
    throw err;
  }
  const name = opts.corpus === '-' ? 'standard input' : opts.corpus;
  const sentences = splitSentences(normalizeText(await readText(host, opts.corpus)), ck.tokenizer.sentence);
  if (sentences.length === 0) {
    throw new InputError(`${name} has no text to evaluate (empty or only blank lines)`, 'give a UTF-8 text file with at least one non-blank line');
  }
  const tok: TokenizerConfig = { level: ck.tokenizer.level, lowercase: ck.tokenizer.lowercase, unkToken: ck.tokenizer.unkToken };
  const corpus = encodeCorpus(sentences, ck.vocab, tok);
  const mode: ReadMode = ck.tokenizer.sentence === 'file' ? 'stream' : 'sentences';
  const { sum, count } = await crossEntropySum(ck, corpus, mode, opts.batch, opts.bptt, opts.threads ?? host.cpus);

  const ce = sum / count;
  const s: EvalSummary = {
    corpus: opts.corpus, model: opts.model, level: tok.level, sentenceMode: ck.tokenizer.sentence,
    sentences: sentences.length, tokens: count, unk: corpus.unkCount, unkRate: corpus.unkCount / count,
    crossEntropy: ce, perplexity: Math.exp(ce), bitsPerToken: ce / Math.LN2, bitsPerChar: tok.level === 'char' ? ce / Math.LN2 : null,
  };

  if (!opts.quiet && corpus.unkCount > 0) {
    const unknown = unknownForms(sentences, ck, tok, 10);
    const list = unknown.map((u) => shown(JSON.stringify(u))).join(', ');
    host.stderr.write(style.yellow(`note: ${formatInt(corpus.unkCount)} token${corpus.unkCount === 1 ? '' : 's'} not in the model's vocabulary, scored as <UNK>${list ? `: ${list}${unknown.length >= 10 ? ', …' : ''}` : ''}`) + '\n');
  }
  if (opts.json) {
    host.stdout.write(jsonLine(s) + '\n');
    return ExitCode.ok;
  }
  const split = { line: 'one per line', paragraph: 'blank-line separated paragraphs', file: 'the whole text as one stream' }[s.sentenceMode];
  const rows: [string, string][] = [
    ['corpus', name],
    ['model', opts.model],
    ['sentences', `${formatInt(s.sentences)} (${split}, as the model was trained)`],
    ['tokens', `${formatInt(s.tokens)} (${tok.level === 'char' ? 'characters' : 'words and punctuation'} + one <EOS> per sentence)`],
    ['<UNK>', `${formatInt(s.unk)} (${(100 * s.unkRate).toFixed(2)}% of tokens)`],
    ['cross-entropy', `${ce.toFixed(4)} nats/token (${s.bitsPerToken.toFixed(4)} bits/token)`],
    ['perplexity', s.perplexity.toFixed(3)],
  ];
  if (s.bitsPerChar !== null) rows.push(['bits/char', `${s.bitsPerChar.toFixed(4)} (cross-entropy / ln 2; <EOS> counted as a character)`]);
  // the corpus and model names are the user's paths: shown, like every value, without raw control characters
  for (const [k, v] of rows) host.stdout.write(`${k.padEnd(14)} ${shown(v)}\n`);
  return ExitCode.ok;
}

/**
 * Σ −log P and the number of tokens, read as training reads validation data.
 * Sentences: batches of up to B sentences in corpus order, state reset per
 * batch. Stream: B contiguous lanes with the state carried; the few tokens
 * that do not fill the last row of lanes (fewer than B) are read as one
 * short lane after, so every token is scored.
 */
async function crossEntropySum(ck: Checkpoint, corpus: EncodedCorpus, mode: ReadMode, batch: number, T: number, threads: number): Promise<{ sum: number; count: number }> {
  const N = corpus.ids.length;
  /** The batch on `threads` threads (the slots split among them). */
  const onThreads = async (c: EncodedCorpus, B: number): Promise<{ loss: number; tokens: number }> => {
    const engine = await createParallelEngine(ck.model, T, B, threads);
    try {
      return evaluateOn(engine, c, mode);
    } finally {
      await engine.close();
    }
  };
  if (mode === 'sentences') {
    const S = corpus.starts.length - 1;
    const r = await onThreads(corpus, Math.min(batch, S));
    return { sum: r.loss * r.tokens, count: r.tokens };
  }
  const B = Math.max(1, Math.min(batch, Math.floor(N / T)));
  const lanes = Math.floor(N / B) * B;
  const main = await onThreads(corpus, B);
  let sum = main.loss * main.tokens, count = main.tokens;
  if (lanes < N) {
    const tail = corpus.ids.slice(lanes);
    const r = evaluate(ck.model, { ids: tail, starts: Int32Array.of(0, tail.length), unkCount: 0 }, mode, createWorkspace(ck.model, T, 1));
    sum += r.loss * r.tokens;
    count += r.tokens;
  }
  return { sum, count };
}

/** Up to `max` distinct surface forms of the corpus outside the vocabulary, in order of first appearance. */
function unknownForms(sentences: readonly string[], ck: Checkpoint, tok: TokenizerConfig, max: number): string[] {
  const seen = new Set<string>();
  for (const s of sentences) {
    for (const u of encode(s, ck.vocab, tok).unknown) {
      seen.add(u);
      if (seen.size >= max) return [...seen];
    }
  }
  return [...seen];
}

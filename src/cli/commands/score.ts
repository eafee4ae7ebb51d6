/**
 * rnnlm score -m MODEL [SENTENCE...]: log P(sentence) (EOS included), token
 * and <UNK> counts and perplexity for each sentence given, or for each line
 * of stdin when none is given. One line per sentence on stdout (log P
 * first, so `| sort -n` works), or NDJSON with --json; a summary on stderr.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { createScorer, perplexity, type Scorer } from '../../core/score.js';
import type { Checkpoint } from '../../checkpoint/codec.js';
import { encode, normalizeText, splitSentences, type TokenizerConfig } from '../../core/tokenize.js';
import { cleanSentence, NOT_UTF8_HINT } from '../../api/text.js';
import { wasInvalidUtf8 } from '../argv.js';
import { InputError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import type { Host } from '../host.js';
import { readCheckpoint, readText } from '../input.js';
import { THREADS_HELP, int, parseOptions } from '../options.js';
import { createParallelEngine } from '../../parallel/engine.js';
import { formatInt } from '../format.js';

export const scoreOptionsSchema = z.object({
  model: z.string({ error: 'is required: the checkpoint to score with (e.g. -m model.json)' }).min(1),
  sentences: z.array(z.string()),
  log10: z.boolean().default(false),
  bits: z.boolean().default(false),
  perToken: z.boolean().default(false),
  json: z.boolean().default(false),
  quiet: z.boolean().default(false),
  threads: int(1, 256).optional(),
}).refine((o) => !(o.log10 && o.bits), { error: 'cannot go with --bits: choose one unit', path: ['log10'] });

export function registerScore(program: Command, run: (action: (host: Host) => Promise<number>) => void): void {
  program
    .command('score')
    .description('log-probability and perplexity of sentences under a model')
    .argument('[sentence...]', 'sentences to score (default: one per line from standard input)')
    .requiredOption('-m, --model <file>', 'checkpoint written by rnnlm train')
    .option('--log10', 'report log base 10 instead of natural log')
    .option('--bits', 'report log base 2 (bits) instead of natural log')
    .option('--per-token', 'also show each token with its conditional probability')
    .option('--json', 'one JSON object per sentence (NDJSON)')
    .option('-q, --quiet', 'no summary on stderr')
    .option('--threads <n>', THREADS_HELP)
    .addHelpText('after', `
Output: one line per sentence, tab-separated: log P, perplexity, tokens, <UNK>s, sentence.
log P = Σ log P(token | previous tokens), <EOS> included; natural log unless --log10 or --bits.

Examples:
  rnnlm score -m model.json "The apple and pear salad." "The apple and pair salad."
  cat test.txt | rnnlm score -m model.json | sort -n | head
  rnnlm score -m model.json --per-token --bits "Emma"
  rnnlm score -m model.json --json < sentences.txt > scores.ndjson`)
    .action((sentences: string[], raw: Record<string, unknown>) => run((host) => runScore(host, { ...raw, sentences })));
}

export async function runScore(host: Host, raw: Record<string, unknown>): Promise<number> {
  const opts = parseOptions(scoreOptionsSchema, raw, 'score');
  // an argument that was not UTF-8 reached us with U+FFFD in place of its bytes: refused, as on stdin
  opts.sentences.forEach((s, i) => {
    if (wasInvalidUtf8(s)) throw new InputError(`sentence argument ${i + 1} (${JSON.stringify(s.length > 40 ? `${s.slice(0, 37)}…` : s)}) is not valid UTF-8 text`, NOT_UTF8_HINT);
  });
  const ck = await readCheckpoint(host, opts.model);
  // sentences given as arguments are cleaned as training cleaned its lines (BOM, CR, trailing
  // whitespace; the library's score() does the same); one that is then empty is kept: it
  // scores P(<EOS>) at the first step
  const texts = opts.sentences.length
    ? opts.sentences.map(cleanSentence)
    : splitSentences(normalizeText(await readText(host, '-')), ck.tokenizer.sentence === 'file' ? 'line' : ck.tokenizer.sentence);
  // full batches of 32 sentences on every thread (a few sentences are not worth starting threads for)
  const engine = texts.length >= BATCH ? await createParallelEngine(ck.model, BPTT, BATCH, opts.threads ?? host.cpus) : undefined;
  try {
    return await printScores(host, opts, ck, texts, createScorer(ck.model, { batch: BATCH, bptt: BPTT }, engine));
  } finally {
    await engine?.close();
  }
}

const BATCH = 32, BPTT = 64;

/** Score `texts` chunk by chunk, a line (or JSON object) per sentence on stdout, the summary on stderr. */
async function printScores(host: Host, opts: z.output<typeof scoreOptionsSchema>, ck: Checkpoint, texts: readonly string[], scorer: Scorer): Promise<number> {
  const tok: TokenizerConfig = { level: ck.tokenizer.level, lowercase: ck.tokenizer.lowercase, unkToken: ck.tokenizer.unkToken };
  const [base, unitName] = opts.log10 ? [Math.LN10, 'log10'] : opts.bits ? [Math.LN2, 'log2'] : [1, 'ln'];
  let totalLogProb = 0, totalTokens = 0, totalUnk = 0, totalChars = 0;
  let readerGone = false;
  // a chunk of sentences at a time (a multiple of the batch of 32): the first lines come
  // out at once, memory stays flat however long stdin is, and `| head` stops the work
  const CHUNK = 2048;
  for (let from = 0; from < texts.length && !readerGone; from += CHUNK) {
    const part = texts.slice(from, from + CHUNK);
    const scores = scorer.score(part.map((t) => encode(t, ck.vocab, tok).ids));
    for (const [i, sc] of scores.entries()) {
      if (host.stdout.closed) { readerGone = true; break; }
      const text = part[i]!;
      totalLogProb += sc.logProb;
      totalTokens += sc.tokens;
      totalUnk += sc.unk;
      totalChars += sc.tokens;
      const lp = sc.logProb / base;
      const ppl = perplexity(sc.logProb, sc.tokens);
      const tokens = Array.from(sc.ids, (id) => ck.vocab.tokens[id]!);
      if (opts.json) {
        const rec: Record<string, unknown> = { sentence: text, logprob: lp, unit: unitName, tokens: sc.tokens, unk: sc.unk, perplexity: ppl };
        if (opts.perToken) rec.perToken = tokens.map((token, t) => ({ token, logprob: sc.tokenLogProbs[t]! / base, prob: Math.exp(sc.tokenLogProbs[t]!) }));
        host.stdout.write(JSON.stringify(rec) + '\n');
        continue;
      }
      // one line per sentence: a paragraph's line breaks (and tabs) show as spaces
      host.stdout.write(`${lp.toFixed(4)}\t${ppl.toFixed(3)}\t${sc.tokens}\t${sc.unk}\t${text.replace(/[\t\n]/g, ' ')}\n`);
      if (opts.perToken) {
        tokens.forEach((token, t) => {
          host.stdout.write(`\t${JSON.stringify(token)}\t${(sc.tokenLogProbs[t]! / base).toFixed(4)}\t${Math.exp(sc.tokenLogProbs[t]!).toFixed(6)}\n`);
        });
      }
    }
    // let the event loop deliver a stream error (a reader that went away), whatever the platform
    await new Promise<void>((done) => setImmediate(done));
  }
  // no summary of a run the reader cut short: it would describe sentences nobody saw
  if (!opts.quiet && !opts.json && texts.length > 0 && !readerGone) {
    const ppl = perplexity(totalLogProb, totalTokens);
    let line = `${formatInt(texts.length)} sentences, ${formatInt(totalTokens)} tokens (<EOS> included), ${formatInt(totalUnk)} <UNK>; log P ${(totalLogProb / base).toFixed(3)} ${unitName}; perplexity ${ppl.toFixed(3)}`;
    if (tok.level === 'char') line += `; ${(-totalLogProb / Math.LN2 / totalChars).toFixed(4)} bits/char`;
    host.stderr.write(line + '\n');
  }
  return ExitCode.ok;
}

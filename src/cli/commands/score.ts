/**
 * rnnlm score -m MODEL [SENTENCE...]: log P(sentence) (EOS included), token
 * and <UNK> counts and perplexity for each sentence given, or for each line
 * of stdin when none is given. One line per sentence on stdout (log P
 * first, so `| sort -n` works), or NDJSON with --json (the library's field
 * names, numbers at full precision); a summary on stderr. An argument is a
 * sentence, never a file: one that names an existing file is scored as
 * given, with a warning saying how to score the file's lines.
 * The scoring is the api's (src/api/score.ts); this file reads, chunks and prints.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import type { Checkpoint } from '../../api/index.js';
import { createSentenceScorer, DEFAULT_LAMBDA, lambdaOption, perplexity, scoreOptionsShape, type SentenceScorer } from '../../api/score.js';
import { UNK_TOKEN } from '../../api/index.js';
import type { Platform } from '../../api/platform.js';
import { cleanSentence } from '../../api/text.js';
import { ExitCode } from '../exit-codes.js';
import type { Host } from '../host.js';
import { checkedChunks, checkOneStdin, checkPathArgument, checkTextArgument, readCheckpoint, readNgram } from '../input.js';
import { UnitReader, type UnitSink } from '../lines.js';
import { OutputBytes } from '../output-bytes.js';
import { PendingUnits } from '../pending-units.js';
import { parseOptions } from '../options.js';
import { count, formatInt, jsonLine, shellWord, shown } from '../format.js';
import { makeStyle } from '../style.js';

export const scoreOptionsSchema = z.object({
  model: z.string({ error: 'is required: the checkpoint to score with (e.g. -m model.json)' }).min(1),
  sentences: z.array(z.string()),
  log10: z.boolean().default(false),
  bits: z.boolean().default(false),
  perToken: z.boolean().default(false),
  json: z.boolean().default(false),
  quiet: z.boolean().default(false),
  threads: scoreOptionsShape.threads,
  input: z.enum(['line', 'paragraph'], { error: 'must be line or paragraph' }).default('line'),
  ngram: z.string().min(1).optional(),
  lambda: lambdaOption.optional(),
}).refine((o) => !(o.log10 && o.bits), { error: 'cannot go with --bits: choose one unit', path: ['log10'] })
  .refine((o) => o.lambda === undefined || o.ngram !== undefined, { error: 'needs --ngram: the n-gram model to interpolate with (e.g. --ngram model.arpa --lambda 0.75)', path: ['lambda'] });

export function registerScore(program: Command, run: (action: (host: Host) => Promise<number>) => void): void {
  program
    .command('score')
    .description('log-probability and perplexity of sentences under a model')
    .argument('[sentence...]', 'sentences to score (default: one per line from standard input)')
    .requiredOption('-m, --model <file>', 'checkpoint written by rnnlm train (required)')
    .option('--log10', 'report log base 10 instead of natural log')
    .option('--bits', 'report log base 2 (bits) instead of natural log')
    .option('--per-token', 'also show each token with its conditional probability')
    .option('--json', 'one JSON object per sentence (NDJSON), numbers at full precision')
    .option('-q, --quiet', 'no summary or warning on stderr')
    .option('--threads <n>', 'CPU threads; results depend on it only through rounding (default: all cores)')
    .option('--input <unit>', 'what one sentence is on standard input: line (every line, blank ones too) or paragraph (blank-line separated) (default: line)')
    .option('--ngram <file>', 'interpolate with this ARPA n-gram model, per token: P = λ·P_rnn + (1−λ)·P_ngram')
    .option('--lambda <x>', `the RNN's weight λ in the interpolation, 0 to 1, with --ngram (default: ${DEFAULT_LAMBDA})`)
    .addHelpText('after', `
Output: one line per sentence, tab-separated: log P, perplexity, tokens, <UNK>s, sentence.
With --ngram, log P and perplexity are the interpolated model's; --json adds "rnnLogProb" and
"ngramLogProb" (each model alone), per token too; the summary gives all three perplexities.
log P = Σ log P(token | previous tokens), <EOS> included; natural log unless --log10 or --bits.
--json: {"sentence", "logProb", "unit", "tokens", "unk", "perplexity"}, with --per-token also
"perToken": [{"token", "logProb", "prob"}] (logProb in the unit named by "unit").
An argument is a sentence, not a file: to score the lines of a file, give it on standard input.

Examples:
  rnnlm score -m model.json "The apple and pear salad." "The apple and pair salad."
  cat test.txt | rnnlm score -m model.json | sort -n | head
  rnnlm score -m model.json --per-token --bits "Emma"
  rnnlm score -m model.json --json < sentences.txt > scores.ndjson`)
    .action((sentences: string[], raw: Record<string, unknown>) => run((host) => runScore(host, { ...raw, sentences })));
}

export async function runScore(host: Host, raw: Record<string, unknown>): Promise<number> {
  const opts = parseOptions(scoreOptionsSchema, raw, 'score');
  // an argument that was not UTF-8 reached us with U+FFFD in place of its bytes: refused
  opts.sentences.forEach((s, i) => checkTextArgument(s, `sentence argument ${i + 1}`));
  checkPathArgument(opts.model, 'model path (-m)');
  checkPathArgument(opts.ngram, '--ngram path');
  // with no sentence argument the sentences are read from standard input
  checkOneStdin([
    { role: 'sentences', path: opts.sentences.length > 0 ? undefined : '-', fix: 'give the sentences as arguments' },
    { role: 'model', path: opts.model, fix: 'give the model as a file: -m model.json' },
    { role: 'n-gram model', path: opts.ngram, fix: 'give the n-gram model as a file: --ngram model.arpa' },
  ]);
  const ck = await readCheckpoint(host, opts.model);
  const ngram = opts.ngram !== undefined ? { model: await readNgram(host, opts.ngram), lambda: opts.lambda ?? DEFAULT_LAMBDA } : undefined;
  // sentences given as arguments are cleaned as training cleaned its lines (BOM, CR, trailing
  // whitespace; the library's score() does the same); one that is then empty is kept: it
  // scores P(<EOS>) at the first step
  const args = opts.sentences.length > 0;
  // standard input is read as it comes, a unit at a time (--input line: every line, blank ones too)
  const input = args ? { sentences: opts.sentences.map(cleanSentence) } : { chunks: checkedChunks(host.stdinChunks(), 'standard input') };
  const files = opts.quiet ? [] : filesAmong(host, opts.sentences);
  // full batches of 32 sentences on every thread (a few arguments are not worth starting threads for)
  const platform = host.platform();
  const scorer = await createSentenceScorer(platform, ck, { threads: opts.threads, sentences: args ? opts.sentences.length : Infinity, ngram });
  let code: number;
  try {
    code = await printScores(host, platform, opts, ck, input, scorer);
  } finally {
    await scorer.close();
  }
  if (files.length) host.stderr.write(makeStyle(host).yellow(shown(fileWarning(files, opts.model))) + '\n');
  return code;
}

/** Paths longer than this are not looked for: no file name is (PATH_MAX). */
const PATH_MAX = 4096;

/**
 * The arguments that name an existing regular file (`rnnlm score -m m.json
 * corpus.txt` scores the text "corpus.txt", which is seldom what was meant).
 * Only those that look like a path (a '/' or a '.') and could be one are
 * looked up, and only stat'ed: a big file is not read, a FIFO not opened.
 */
function filesAmong(host: Host, sentences: readonly string[]): string[] {
  return sentences.filter((s) => /[/.]/.test(s) && !/[\n\0]/.test(s) && s.length <= PATH_MAX && new TextEncoder().encode(s).length <= PATH_MAX && host.isFile(s));
}

/** One warning for the arguments that are files, with the command that scores their lines. */
export function fileWarning(files: readonly string[], model: string): string {
  const m = model === '-' ? 'MODEL' : shellWord(model);
  if (files.length === 1) {
    return `warning: ${JSON.stringify(files[0])} is a file; it was scored as a sentence — to score its lines: rnnlm score -m ${m} < ${shellWord(files[0]!)}`;
  }
  const listed = files.slice(0, 3).map((f) => JSON.stringify(f)).join(', ') + (files.length > 3 ? ', …' : '');
  const cat = files.length > 3 ? 'FILE...' : files.map(shellWord).join(' ');
  return `warning: ${formatInt(files.length)} arguments are files (${listed}); they were scored as sentences — to score their lines: cat ${cat} | rnnlm score -m ${m}`;
}

/** How long the input may pause before the lines read so far are scored and printed (an interactive or `tail -f` pipe). */
const IDLE_MS = 100;
/** Most lines held before they are scored: memory stays flat however long the input is. */
const CHUNK = 2048;

/**
 * Score the units as they come, in chunks (a chunk is scored when it is full,
 * when the input pauses for IDLE_MS, and at the end): a line (or JSON object)
 * per unit on stdout in input order, flushed per chunk; the summary on stderr.
 * A unit that could not be read (not UTF-8, too long) keeps its place with an error
 * record, is named on stderr, and makes the exit code 1.
 */
async function printScores(host: Host, platform: Platform, opts: z.output<typeof scoreOptionsSchema>, ck: Checkpoint, input: { sentences: readonly string[] } | { chunks: AsyncIterable<Uint8Array> }, scorer: SentenceScorer): Promise<number> {
  const [base, unitName] = opts.log10 ? [Math.LN10, 'log10'] : opts.bits ? [Math.LN2, 'log2'] : [1, 'ln'];
  let totalLogProb = 0, totalTokens = 0, totalUnk = 0, knownLogProb = 0, knownTokens = 0, rnnLogProb = 0, ngramLogProb = 0, ngramOov = 0;
  let scoredCount = 0;
  const errors: { error: string; hint: string }[] = [];
  let readerGone = false;
  // the units waiting to be scored, flat (ids and bytes), and the chunk's output as bytes
  const pending = new PendingUnits(scorer.encoder());
  const out = new OutputBytes();
  // plain lines from the scores' arrays; the other forms from each sentence's record
  const plain = !opts.json && !opts.perToken && scorer.ngram === null;
  const tokenOf = ck.vocab.tokens;
  const flush = (): void => {
    const corpus = pending.corpus();
    const scores = pending.sentences ? scorer.scoreEncoded(corpus) : null;
    const { ids, starts } = corpus;
    let k = 0, e = 0;
    for (let u = 0; u < pending.size; u++) {
      const err = pending.errors[e];
      if (err !== undefined && err.at === u) {
        e++;
        errors.push({ error: err.error, hint: err.hint });
        out.text(opts.json ? jsonLine({ line: err.line, error: err.error }) + '\n' : `NaN\tNaN\t0\t0\t\n`);
        continue;
      }
      if (plain) {
        const s0 = starts[k]!, s1 = starts[k + 1]!;
        const logProb = scores!.logProbs[k]!, tokens = s1 - s0;
        let unk = 0;
        // KenLM's second perplexity: over the tokens that are not <UNK>
        for (let i = s0; i < s1; i++) {
          if (tokenOf[ids[i]!] === UNK_TOKEN) unk++;
          else { knownLogProb += scores!.tokenLogProbs[i]!; knownTokens++; }
        }
        scoredCount++;
        totalLogProb += logProb;
        totalTokens += tokens;
        totalUnk += unk;
        // one line per sentence: a paragraph's line breaks (and tabs) show as spaces
        out.text(`${(logProb / base).toFixed(4)}\t${perplexity(logProb, tokens).toFixed(3)}\t${tokens}\t${unk}\t`);
        out.bytesOnOneLine(pending.textBytes(k++));
        out.byte(0x0a);
        continue;
      }
      const sc = scorer.scoredAt(corpus, scores!, k, pending.text(k++));
      const text = sc.sentence;
      scoredCount++;
      totalLogProb += sc.logProb;
      totalTokens += sc.tokens;
      totalUnk += sc.unk;
      rnnLogProb += sc.rnnLogProb ?? 0;
      ngramLogProb += sc.ngramLogProb ?? 0;
      ngramOov += sc.ngramOov ?? 0;
      for (const { token, logProb } of sc.perToken) if (token !== UNK_TOKEN) { knownLogProb += logProb; knownTokens++; }
      const lp = sc.logProb / base;
      const ppl = sc.perplexity;
      if (opts.json) {
        // the library's field names (ScoredSentence), every number at full precision
        const rec: Record<string, unknown> = { sentence: text, logProb: lp, unit: unitName, tokens: sc.tokens, unk: sc.unk, perplexity: ppl };
        if (sc.rnnLogProb !== undefined) Object.assign(rec, { rnnLogProb: sc.rnnLogProb / base, ngramLogProb: sc.ngramLogProb! / base, ngramOov: sc.ngramOov });
        if (opts.perToken) {
          rec.perToken = sc.perToken.map(({ token, logProb, rnnLogProb: r, ngramLogProb: g }) =>
            (r === undefined ? { token, logProb: logProb / base, prob: Math.exp(logProb) } : { token, logProb: logProb / base, prob: Math.exp(logProb), rnnLogProb: r / base, ngramLogProb: g! / base }));
        }
        out.text(jsonLine(rec) + '\n');
        continue;
      }
      out.text(`${lp.toFixed(4)}\t${ppl.toFixed(3)}\t${sc.tokens}\t${sc.unk}\t${text.replace(/[\t\n]/g, ' ')}\n`);
      if (opts.perToken) {
        for (const { token, logProb } of sc.perToken) {
          out.text(`\t${jsonLine(token)}\t${(logProb / base).toFixed(4)}\t${Math.exp(logProb).toFixed(6)}\n`);
        }
      }
    }
    pending.clear();
    // the chunk's output, written at once
    const text = out.take();
    if (host.stdout.closed) readerGone = true;
    else if (text) host.stdout.write(text);
  };
  // each unit is kept as soon as it is read; a full chunk is scored at once
  let flushed = false;
  const full = (): void => {
    if (pending.size >= CHUNK) {
      flush();
      flushed = true;
    }
  };
  const sink: UnitSink = {
    text(_line, text) {
      if (readerGone) return;
      pending.addText(text);
      full();
    },
    error(line, error, hint) {
      if (readerGone) return;
      pending.addError(line, error, hint);
      full();
    },
  };
  if ('sentences' in input) {
    input.sentences.forEach((text, i) => sink.text(i + 1, text));
  } else {
    const reader = new UnitReader(opts.input, sink);
    const it = input.chunks[Symbol.asyncIterator]();
    let next = it.next();
    while (!readerGone) {
      let r: IteratorResult<Uint8Array> | 'idle';
      if (pending.size) {
        // lines are waiting: answer them if the input pauses (a pipe kept open, `tail -f`)
        let timer: ReturnType<typeof setTimeout> | undefined;
        r = await Promise.race([next, new Promise<'idle'>((done) => { timer = setTimeout(() => done('idle'), IDLE_MS); })]);
        clearTimeout(timer);
        if (r === 'idle') {
          flush();
          continue;
        }
      } else {
        r = await next;
      }
      if (r.done) {
        reader.end();
        break;
      }
      reader.push(r.value);
      if (flushed) {
        flushed = false;
        // let the platform deliver a stream error (a reader that went away)
        await platform.pause();
      }
      if (!readerGone) next = it.next();
    }
    if (readerGone) await it.return?.(undefined);
  }
  if (!readerGone) flush();
  if (readerGone) return ExitCode.ok;
  // no summary of a run the reader cut short: it would describe sentences nobody saw
  if (!opts.quiet && errors.length) {
    // the hint is the cause's: not UTF-8 (convert it), too long (split it)
    for (const e of errors.slice(0, 10)) host.stderr.write(`rnnlm: ${shown(e.error)} — scored as NaN; ${e.hint}\n`);
    if (errors.length > 10) host.stderr.write(`rnnlm: and ${count(errors.length - 10, 'more line')} that could not be read\n`);
  }
  if (!opts.quiet && !opts.json && scoredCount > 0) {
    const ppl = perplexity(totalLogProb, totalTokens);
    let line = `${count(scoredCount, 'sentence')}, ${count(totalTokens, 'token')} (<EOS> included), ${formatInt(totalUnk)} <UNK>; log P ${(totalLogProb / base).toFixed(3)} ${unitName}; perplexity ${ppl.toFixed(3)}` +
      (totalUnk > 0 ? ` (${knownTokens > 0 ? perplexity(knownLogProb, knownTokens).toFixed(3) : '–'} excluding <UNK> tokens)` : '');
    if (ck.tokenizer.level === 'char') line += `; ${(-totalLogProb / Math.LN2 / totalTokens).toFixed(4)} bits/char`;
    host.stderr.write(line + '\n');
    const ng = scorer.ngram;
    if (ng) {
      host.stderr.write(`interpolated (λ = ${ng.lambda} RNN, ${+(1 - ng.lambda).toFixed(10)} ${ng.model.order}-gram): perplexity ${ppl.toFixed(3)}; RNN alone ${perplexity(rnnLogProb, totalTokens).toFixed(3)}; ${ng.model.order}-gram alone ${perplexity(ngramLogProb, totalTokens).toFixed(3)} (${formatInt(ngramOov)} n-gram OOV${ngramOov === 1 ? '' : 's'})\n`);
    }
  }
  return errors.length ? ExitCode.failure : ExitCode.ok;
}

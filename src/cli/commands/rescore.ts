/**
 * rnnlm rescore -m MODEL NBEST: n-best rescoring (RNNLM's -nbest). Each
 * hypothesis gets the model's log P (optionally interpolated with an ARPA
 * n-gram model) and a combined score, Σ given scores + W·log P; --best
 * prints only the best hypothesis per utterance. The formats are
 * src/api/nbest.ts's; the scoring is the api's scorer.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { RnnlmError } from '../../api/index.js';
import { attachScores, bestPerUtterance, combinedScore, parseKaldiNbest, parseNbestFields, type Hypothesis } from '../../api/nbest.js';
import { createSentenceScorer, DEFAULT_LAMBDA, lambdaOption } from '../../api/score.js';
import { cleanSentence } from '../../api/text.js';
import { InputError, UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import type { Host } from '../host.js';
import { checkOneStdin, checkPathArgument, readCheckpoint, readNgram, readText, sourceName } from '../input.js';
import { int, parseOptions, real } from '../options.js';
import { jsonLine } from '../format.js';

const weightList = z.string().transform((s, ctx) => {
  const parts = s.split(',').map((x) => x.trim());
  const nums = parts.map(Number);
  if (parts.some((x) => x === '') || nums.some((n) => !Number.isFinite(n))) {
    ctx.addIssue({ code: 'custom', message: 'must be numbers separated by commas, e.g. 1,0.5' });
    return z.NEVER;
  }
  return nums;
});

export const rescoreOptionsSchema = z.object({
  model: z.string({ error: 'is required: the checkpoint to rescore with (e.g. -m model.json)' }).min(1),
  nbest: z.string().min(1, { error: "needs an n-best file (or '-' for standard input)" }),
  format: z.enum(['fields', 'kaldi'], { error: 'must be fields or kaldi' }).default('fields'),
  scores: int(0, 100).optional(),
  scoresFile: z.string().min(1).optional(),
  costs: z.boolean().default(false),
  scoreWeights: weightList.optional(),
  lmWeight: real(-1e6, 1e6).default(1),
  log10: z.boolean().default(false),
  ngram: z.string().min(1).optional(),
  lambda: lambdaOption.optional(),
  best: z.boolean().default(false),
  json: z.boolean().default(false),
  threads: int(1, 256).optional(),
}).refine((o) => o.lambda === undefined || o.ngram !== undefined, { error: 'needs --ngram: the n-gram model to interpolate with', path: ['lambda'] })
  .refine((o) => o.format === 'fields' || o.scores === undefined, { error: "goes with --format fields (Kaldi's scores are in a separate file: --scores-file)", path: ['scores'] })
  .refine((o) => o.format === 'kaldi' || o.scoresFile === undefined, { error: 'goes with --format kaldi (in the fields format the scores are on the n-best lines: --scores K)', path: ['scoresFile'] })
  // --costs negates the given scores: with none it would do nothing (it never touches the model's log P)
  .refine((o) => !o.costs || (o.format === 'kaldi' ? o.scoresFile !== undefined : o.scores !== 0), { error: "negates the given scores, and there are none (--scores 0, or --format kaldi without --scores-file); the model's log P is weighted by --lm-weight", path: ['costs'] });

export function registerRescore(program: Command, run: (action: (host: Host) => Promise<number>) => void): void {
  program
    .command('rescore')
    .description('rescore n-best lists: each hypothesis\'s log P under the model and a combined score; the best per utterance')
    .argument('<nbest>', "n-best file, or '-' for standard input")
    .requiredOption('-m, --model <file>', 'checkpoint written by rnnlm train (required)')
    .option('--format <f>', "fields: 'utt-id score1 … scoreK words' lines; kaldi: 'utt-id-N words' lines (default: fields)")
    .option('--scores <k>', 'fields format: how many score fields follow the utterance id (default: 1; 0 for none)')
    .option('--scores-file <file>', "kaldi format: the hypotheses' scores, 'utt-id-N value…' lines (e.g. Kaldi's ac_cost)")
    .option('--costs', 'the given scores are costs (−log-likelihood, as Kaldi writes them): negated before they are added')
    .option('--score-weights <list>', 'weights of the given scores, comma-separated (default: 1 each)')
    .option('--lm-weight <w>', "weight W of the model's log P in the combined score (default: 1)")
    .option('--log10', "the model's log P in log base 10 (as SRILM and RNNLM n-best scores are) instead of natural log")
    .option('--ngram <file>', 'interpolate the model with this ARPA n-gram model, per token: P = λ·P_rnn + (1−λ)·P_ngram')
    .option('--lambda <x>', `the RNN's weight λ in the interpolation, 0 to 1, with --ngram (default: ${DEFAULT_LAMBDA})`)
    .option('--best', "print only the best hypothesis of each utterance, as 'utt-id words' (Kaldi's text format)")
    .option('--json', 'one JSON object per hypothesis (or per utterance with --best)')
    .option('--threads <n>', 'CPU threads (default: all cores)')
    .addHelpText('after', `
Output: one line per hypothesis, in input order, tab-separated:
  utt-id, index (1, 2, … within the utterance; Kaldi: the N of utt-id-N), combined score,
  LM log P (<EOS> included), hypothesis
combined = Σ wₖ·scoreₖ + W·log P (higher is better; with --costs each score is −cost).
Best per utterance: the highest combined score; on a tie, the first in input order.
--json: {"utterance", "index", "id", "scores", "lmLogProb", "combined", "best", "hypothesis"}.

Examples:
  rnnlm rescore -m model.json nbest.txt --lm-weight 0.5 --best > best.txt
  rnnlm rescore -m model.json nbest.txt --scores 2 --score-weights 1,0.1
  rnnlm rescore -m model.json --format kaldi text.nbest --scores-file ac_cost --costs --lm-weight 0.5 --best`)
    .action((nbest: string, raw: Record<string, unknown>) => run((host) => runRescore(host, { ...raw, nbest })));
}

/** Hypotheses scored per call to the scorer. */
const CHUNK = 2048;

export async function runRescore(host: Host, raw: Record<string, unknown>): Promise<number> {
  const opts = parseOptions(rescoreOptionsSchema, raw, 'rescore');
  checkPathArgument(opts.model, 'model path (-m)');
  checkPathArgument(opts.nbest, 'n-best path');
  checkPathArgument(opts.scoresFile, '--scores-file path');
  checkPathArgument(opts.ngram, '--ngram path');
  checkOneStdin([
    { role: 'n-best list', path: opts.nbest, fix: 'give the n-best list as a file' },
    { role: 'model', path: opts.model, fix: 'give the model as a file: -m model.json' },
    { role: 'scores file', path: opts.scoresFile, fix: 'give the scores as a file: --scores-file ac_cost' },
    { role: 'n-gram model', path: opts.ngram, fix: 'give the n-gram model as a file: --ngram model.arpa' },
  ]);
  const ck = await readCheckpoint(host, opts.model);
  const ngram = opts.ngram !== undefined ? { model: await readNgram(host, opts.ngram), lambda: opts.lambda ?? DEFAULT_LAMBDA } : undefined;
  const name = sourceName(opts.nbest);
  const text = await readText(host, opts.nbest);
  let hyps: Hypothesis[];
  try {
    if (opts.format === 'fields') {
      hyps = parseNbestFields(text, opts.scores ?? 1, name, opts.costs);
    } else {
      hyps = parseKaldiNbest(text, name);
      if (opts.scoresFile !== undefined) attachScores(hyps, await readText(host, opts.scoresFile), opts.scoresFile, opts.costs);
    }
  } catch (err) {
    if (err instanceof RnnlmError && !(err instanceof InputError)) throw new InputError(err.message, err.hint);
    throw err;
  }
  if (hyps.length === 0) throw new InputError(`${name} has no hypothesis (empty or only blank lines)`, "give an n-best list, e.g. 'utt1 -120.5 the cat sat' lines");
  const base = opts.log10 ? Math.LN10 : 1;
  const weights = opts.scoreWeights ?? [];
  const nScores = hyps[0]!.scores.length;
  if (weights.length > 0 && weights.length !== nScores) {
    // the option does not fit the list (exit 2), which is known only once the list is read
    throw new UsageError(`--score-weights gives ${weights.length} weight${weights.length === 1 ? '' : 's'} for ${nScores} score${nScores === 1 ? '' : 's'} per hypothesis`, `give one weight per score (${nScores}); see 'rnnlm rescore --help'`);
  }
  // the given scores are finite, but weighted and summed they can overflow (1e308 × 2): a sum of ±∞ or NaN would choose at random
  for (const h of hyps) {
    if (!Number.isFinite(combinedScore(h.scores, weights, 0, 0))) {
      throw new InputError(`${name} line ${h.line}: the weighted sum of the hypothesis's scores is beyond the range of numbers (±1.8e308)`, 'scale the scores or --score-weights down');
    }
  }
  const lm = new Float64Array(hyps.length);
  const combined = new Float64Array(hyps.length);
  const scorer = await createSentenceScorer(host.platform(), ck, { threads: opts.threads, sentences: hyps.length, ngram });
  try {
    for (let i = 0; i < hyps.length; i += CHUNK) {
      const part = hyps.slice(i, i + CHUNK);
      scorer.score(part.map((h) => cleanSentence(h.text))).forEach((s, j) => {
        lm[i + j] = s.logProb / base;
        combined[i + j] = combinedScore(part[j]!.scores, weights, lm[i + j]!, opts.lmWeight);
      });
    }
  } finally {
    await scorer.close();
  }
  const best = bestPerUtterance(hyps, combined);
  const isBest = new Set(best);
  const oneLine = (s: string) => s.replace(/[\t\n\r]/g, ' ');
  if (opts.best) {
    for (const i of best) {
      const h = hyps[i]!;
      host.stdout.write(opts.json
        ? jsonLine({ utterance: h.utterance, index: h.index, id: h.id, scores: h.scores, lmLogProb: lm[i], combined: combined[i], hypothesis: h.text }) + '\n'
        : `${h.utterance}${h.text ? ' ' + oneLine(h.text) : ''}\n`);
    }
    return ExitCode.ok;
  }
  hyps.forEach((h, i) => {
    host.stdout.write(opts.json
      ? jsonLine({ utterance: h.utterance, index: h.index, id: h.id, scores: h.scores, lmLogProb: lm[i], combined: combined[i], best: isBest.has(i), hypothesis: h.text }) + '\n'
      : `${h.utterance}\t${h.index}\t${combined[i]!.toFixed(4)}\t${lm[i]!.toFixed(4)}\t${oneLine(h.text)}\n`);
  });
  return ExitCode.ok;
}

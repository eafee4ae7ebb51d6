/**
 * rnnlm tag eval -m TAGGER GOLD: tag a gold-labelled file and score the
 * predictions (api/tag-predict.ts's evaluation): token accuracy (over all
 * words, and over the words the tagger's vocabulary lacks), the confusion
 * table of gold × predicted labels, and conlleval's report (entity
 * precision, recall and F1) when the labels are chunk labels (BIO, BIOES).
 * The report goes to stdout (data: no colour, as every command's stdout);
 * --json writes it as one JSON object.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { columnValue, DataError, evaluateText, formatConfusion, formatConlleval, type TagEvaluation } from '../../api/index.js';
import { labelColumn } from '../../api/tag-options.js';
import { InputError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import type { Host } from '../host.js';
import { checkOneStdin, checkPathArgument, readText, sourceName } from '../input.js';
import { flagName, int, oneOf, parseOptions } from '../options.js';
import { count, formatInt, jsonLine, shown } from '../format.js';
import { makeStyle } from '../style.js';
import { columnName, readTagger } from './tag-shared.js';

export const tagEvalSchema = z.object({
  model: z.string({ error: 'is required: the tagger to evaluate (e.g. -m tagger.json)' }).min(1),
  gold: z.string().min(1).optional(),
  format: oneOf(['auto', 'conllu', 'conll']).default('auto'),
  label: labelColumn.optional(),
  json: z.boolean().default(false),
  batch: int(1, 4096).default(64),
  quiet: z.boolean().default(false),
});

export function registerTagEval(tag: Command, run: (action: (host: Host) => Promise<number>) => void): void {
  tag
    .command('eval')
    .description('score a tagger on gold-labelled sentences: accuracy, confusion table, entity F1 (conlleval) for BIO/BIOES labels')
    .argument('[gold]', "gold data, CoNLL-U or plain CoNLL (default: standard input); '-' for standard input")
    .requiredOption('-m, --model <tagger>', 'tagger written by rnnlm tag train (required)')
    .option('--format <format>', 'auto, conllu or conll (default: auto)')
    .option('--label <column>', "the gold label column (default: the tagger's own when the format is its format, else upos / the last column)")
    .option('--json', 'the report as one JSON object')
    .option('--batch <n>', 'sentences per forward pass (default: 64)')
    .option('-q, --quiet', 'no note on stderr')
    .addHelpText('after', `
Report: token accuracy; accuracy on the words the tagger's vocabulary lacks (read through their characters);
the confusion table (rows gold, columns predicted, '.' for 0); with chunk labels (B-/I-/E-/S- and O),
conlleval's report: phrases found and correct, precision, recall and FB1 overall and per type.

Examples:
  rnnlm tag eval -m tagger.json dev.conllu
  rnnlm tag eval -m ner.json ner.test.txt
  rnnlm tag eval -m tagger.json dev.conllu --json | jq .accuracy`)
    .action((gold: string | undefined, raw: Record<string, unknown>) => run((host) => runTagEval(host, { ...raw, gold })));
}

export async function runTagEval(host: Host, raw: Record<string, unknown>): Promise<number> {
  const opts = parseOptions(tagEvalSchema, raw, 'tag eval');
  const goldPath = opts.gold ?? '-';
  checkPathArgument(goldPath, 'gold path');
  checkPathArgument(opts.model, 'tagger path (-m)');
  checkOneStdin([{ role: 'gold data', path: goldPath, fix: 'give the gold data as a file' }, { role: 'tagger', path: opts.model, fix: 'give the tagger as a file: -m tagger.json' }]);
  const tagger = await readTagger(host, opts.model);
  const text = await readText(host, goldPath);
  let e: TagEvaluation;
  try {
    // a column given by number comes as text ("2", "-1"): evaluateText takes it as a number
    e = evaluateText(tagger, text, opts.format, opts.label === undefined ? undefined : columnValue(opts.label), opts.batch, sourceName(goldPath), flagName);
  } catch (err) {
    if (err instanceof DataError) throw new InputError(err.message, err.hint);
    throw err;
  }
  if (e.unknownLabels.length && !opts.quiet) {
    const style = makeStyle(host);
    host.stderr.write(style.yellow(shown(`note: the gold labels ${e.unknownLabels.slice(0, 8).map((l) => JSON.stringify(l)).join(', ')}${e.unknownLabels.length > 8 ? ', …' : ''} are not among the tagger's: those words count as errors`)) + '\n');
  }
  host.stdout.write(opts.json ? jsonLine(jsonReport(goldPath, e)) + '\n' : report(goldPath, e));
  return ExitCode.ok;
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

function report(path: string, e: TagEvaluation): string {
  const lines = [
    `${sourceName(path)}: ${count(e.sentences, 'sentence')}, ${count(e.words, 'word')} (${e.format === 'conllu' ? 'CoNLL-U' : 'plain CoNLL'}, labels: ${columnName(e.label)})`,
    `accuracy       ${pct(e.accuracy.accuracy)} (${formatInt(e.accuracy.correct)} of ${count(e.accuracy.total, 'word')})`,
    `unknown words  ${e.unknownAccuracy.total > 0 ? `${pct(e.unknownAccuracy.accuracy)} (${formatInt(e.unknownAccuracy.correct)} of ${formatInt(e.unknownAccuracy.total)} words the tagger's vocabulary lacks)` : e.unknownWords > 0 ? 'none scored (the words the tagger\'s vocabulary lacks have no gold label)' : 'none (every word is in the tagger\'s vocabulary)'}`,
    '',
    'confusion (rows: gold, columns: predicted)',
  ];
  // labels escaped before the tables are laid out, so that the columns are as wide as what is shown
  let out = lines.map((l) => shown(l)).join('\n') + '\n' + formatConfusion({ ...e.confusion, labels: e.confusion.labels.map((l) => shown(l)) });
  if (e.conlleval) out += '\nconlleval\n' + formatConlleval({ ...e.conlleval, byType: e.conlleval.byType.map((t) => ({ ...t, type: shown(t.type) })) });
  return out;
}

function jsonReport(path: string, e: TagEvaluation) {
  return {
    file: path === '-' ? null : path, format: e.format, label: e.label, sentences: e.sentences, words: e.words,
    accuracy: e.accuracy.accuracy, correct: e.accuracy.correct,
    unknownWords: e.unknownWords, unknownAccuracy: e.unknownAccuracy.total > 0 ? e.unknownAccuracy.accuracy : null, unknownCorrect: e.unknownAccuracy.correct,
    unknownLabels: e.unknownLabels,
    confusion: { labels: e.confusion.labels, counts: e.confusion.counts, folded: e.confusion.folded },
    conlleval: e.conlleval,
  };
}

/**
 * N-best lists for rescoring (`rnnlm rescore`, RNNLM's -nbest): parsing the
 * text formats, combining each hypothesis's scores with the language model's
 * and choosing the best hypothesis per utterance. Pure: no I/O.
 *
 * Formats:
 *
 *   fields  one hypothesis per line: `utt-id score1 … scoreK hypothesis words`,
 *           fields separated by spaces or tabs; K (the number of scores, 0 or
 *           more) is fixed for the file and given by the caller (--scores K,
 *           default 1), so a hypothesis may begin with a word that looks like a
 *           number. Hypotheses of an utterance share its id; they are
 *           numbered 1, 2, … in the order they come.
 *   kaldi   Kaldi's `text` form of an n-best list: `utt-id-N hypothesis words`,
 *           the utterance being the id without its last `-N`; the scores, if
 *           any, in a separate file of `utt-id-N value…` lines (Kaldi's
 *           ac_cost, lm_cost files), every hypothesis listed once.
 *
 * Lines end with LF, CRLF or a lone CR. Blank lines are skipped. The hypothesis is the rest of the line after its
 * last score (or its id), leading and trailing blanks removed; it may be
 * empty (it is then scored as the empty sentence).
 */
import { DataError, OptionError } from '../core/errors.js';
import { textLines } from '../core/tokenize.js';
import { checkString, isObject } from './checks.js';
import { describeValue } from './options.js';

export interface Hypothesis {
  /** The line it was read from (1-based). */
  line: number;
  utterance: string;
  /** The hypothesis's id: `utt-id-N` in Kaldi's format, `utt-id` + its index in the fields format. */
  id: string;
  /** 1-based, within its utterance, in input order (Kaldi: the N of utt-id-N). */
  index: number;
  /** The scores given with it (after --costs, negated), in order. */
  scores: number[];
  text: string;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function num(field: string): number {
  return NUMBER.test(field) ? Number(field) : NaN;
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 37)}…` : s;
}

/** The first `k` blank-separated fields of a line and the rest of it (trimmed), or null when the line has fewer than k fields. */
function fields(line: string, k: number): { head: string[]; rest: string } | null {
  const head: string[] = [];
  let at = 0;
  const re = /[^ \t]+/g;
  for (let i = 0; i < k; i++) {
    re.lastIndex = at;
    const m = re.exec(line);
    if (!m) return null;
    head.push(m[0]);
    at = m.index + m[0].length;
  }
  return { head, rest: line.slice(at).replace(/^[ \t]+|[ \t]+$/g, '') };
}

/** The lines of a text (textLines), without the '' after a final line end. */
function linesOf(text: string): string[] {
  const lines = textLines(text);
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * The fields format: `utt-id score1 … scoreK words…` per line. `costs`: the
 * scores are costs (−log-likelihoods, as Kaldi writes them) and are negated,
 * so that higher is better throughout.
 */
export function parseNbestFields(text: string, k: number, name: string, costs = false): Hypothesis[] {
  checkNbestText(text, name, 'parseNbestFields');
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 0) throw new OptionError(`parseNbestFields()'s k must be a whole number of at least 0 (got ${describeValue(k)})`, 'how many scores follow the utterance id on each line');
  if (typeof costs !== 'boolean') throw new OptionError(`parseNbestFields()'s costs must be true or false (got ${describeValue(costs)})`, 'true when the scores are costs (Kaldi), to be negated');
  const out: Hypothesis[] = [];
  const seen = new Map<string, number>();
  const scoreFields = k === 0 ? '' : k === 1 ? ' score1' : k === 2 ? ' score1 score2' : ` score1 … score${k}`;
  const hint = `each line is 'utt-id${scoreFields} hypothesis words' (--scores ${k}); give the number of score fields with --scores`;
  linesOf(text).forEach((line, i) => {
    if (line.trim() === '') return;
    const f = fields(line, k + 1);
    if (!f) {
      const n = line.trim().split(/[ \t]+/).length - 1;
      throw new DataError(`${name} line ${i + 1}: ${k} score${k === 1 ? '' : 's'} expected after the utterance id, found ${n} field${n === 1 ? '' : 's'}`, hint);
    }
    const scores = f.head.slice(1).map((s, j) => {
      const v = num(s);
      if (!Number.isFinite(v)) {
        // 'utt-id-N words': Kaldi's n-best text given in the default format
        const kaldi = /^.+-\d+$/.test(f.head[0]!) ? "; for Kaldi's 'utt-id-N hypothesis words' lines use --format kaldi" : '';
        throw new DataError(`${name} line ${i + 1}: score ${j + 1} (${JSON.stringify(clip(s))}) is ${NUMBER.test(s) ? 'beyond the range of numbers' : 'not a number'}`, hint + kaldi);
      }
      return costs ? -v : v;
    });
    const utterance = f.head[0]!;
    const index = (seen.get(utterance) ?? 0) + 1;
    seen.set(utterance, index);
    out.push({ line: i + 1, utterance, id: `${utterance}-${index}`, index, scores, text: f.rest });
  });
  return out;
}

/** The text and name arguments of the n-best readers. */
function checkNbestText(text: unknown, name: unknown, fn: string): void {
  checkString(text, `${fn}()'s text`, 'pass the text of the n-best file');
  checkString(name, `${fn}()'s name`, 'what the text is, in messages (a file name)');
}

/** Kaldi's n-best text: `utt-id-N words…` per line. */
export function parseKaldiNbest(text: string, name: string): Hypothesis[] {
  checkNbestText(text, name, 'parseKaldiNbest');
  const out: Hypothesis[] = [];
  const ids = new Set<string>();
  // utterance and number → the id first given them: u1-1 and u1-01 are one hypothesis number twice
  const numbered = new Map<string, string>();
  linesOf(text).forEach((line, i) => {
    if (line.trim() === '') return;
    const f = fields(line, 1)!;
    const id = f.head[0]!;
    const m = /^(.+)-(\d+)$/.exec(id);
    if (!m) throw new DataError(`${name} line ${i + 1}: ${JSON.stringify(clip(id))} is not a Kaldi n-best id (utt-id-N)`, "each line is 'utt-id-N hypothesis words' (Kaldi's n-best text); for 'utt-id score words' lines use --format fields");
    if (ids.has(id)) throw new DataError(`${name} line ${i + 1}: hypothesis ${JSON.stringify(clip(id))} is listed twice`, 'give each hypothesis once');
    const key = `${m[1]!}\u0000${Number(m[2])}`;
    const first = numbered.get(key);
    if (first !== undefined) {
      throw new DataError(`${name} line ${i + 1}: hypothesis ${JSON.stringify(clip(id))} has the number of ${JSON.stringify(clip(first))} (${Number(m[2])} of utterance ${JSON.stringify(clip(m[1]!))})`, 'give each hypothesis of an utterance its own number');
    }
    numbered.set(key, id);
    ids.add(id);
    out.push({ line: i + 1, utterance: m[1]!, id, index: Number(m[2]), scores: [], text: f.rest });
  });
  return out;
}

/**
 * A Kaldi scores file (`utt-id-N value…` per line, as ac_cost or lm_cost)
 * joined to the hypotheses: each gets the file's values appended to its
 * scores (negated with `costs`). Every hypothesis must be listed once, with
 * the same number of values on every line, and no other.
 */
export function attachScores(hyps: Hypothesis[], text: string, name: string, costs = false): void {
  if (!Array.isArray(hyps)) throw new OptionError(`attachScores()'s hyps must be an array of hypotheses (got ${describeValue(hyps)})`, 'pass what parseNbestFields() or parseKaldiNbest() return');
  const bad = hyps.findIndex((h: unknown) => !isObject(h) || typeof h['id'] !== 'string' || !Array.isArray(h['scores']) || typeof h['line'] !== 'number');
  if (bad >= 0) throw new OptionError(`attachScores()'s hyps[${bad}] must be a hypothesis with its id, line and scores (got ${describeValue(hyps[bad])})`, 'pass what parseNbestFields() or parseKaldiNbest() return');
  checkNbestText(text, name, 'attachScores');
  const byId = new Map<string, number[]>();
  let width = -1;
  linesOf(text).forEach((line, i) => {
    if (line.trim() === '') return;
    const f = line.trim().split(/[ \t]+/);
    const id = f[0]!;
    if (f.length < 2) throw new DataError(`${name} line ${i + 1}: no score after ${JSON.stringify(clip(id))}`, "each line is 'utt-id-N score…'");
    if (width >= 0 && f.length - 1 !== width) throw new DataError(`${name} line ${i + 1}: ${f.length - 1} scores where the lines before have ${width}`, 'give every hypothesis the same number of scores');
    width = f.length - 1;
    const values = f.slice(1).map((s, j) => {
      const v = num(s);
      if (!Number.isFinite(v)) throw new DataError(`${name} line ${i + 1}: score ${j + 1} (${JSON.stringify(clip(s))}) is ${NUMBER.test(s) ? 'beyond the range of numbers' : 'not a number'}`, "each line is 'utt-id-N score…'");
      return costs ? -v : v;
    });
    if (byId.has(id)) throw new DataError(`${name} line ${i + 1}: ${JSON.stringify(clip(id))} is listed twice`, 'give each hypothesis one line of scores');
    byId.set(id, values);
  });
  for (const h of hyps) {
    const v = byId.get(h.id);
    if (!v) throw new DataError(`${name} has no scores for hypothesis ${JSON.stringify(clip(h.id))} (n-best line ${h.line})`, 'give the scores file of the same n-best list');
    h.scores.push(...v);
    byId.delete(h.id);
  }
  for (const id of byId.keys()) throw new DataError(`${name} has scores for ${JSON.stringify(clip(id))}, which is not in the n-best list`, 'give the scores file of the same n-best list');
}

/**
 * The combined score of a hypothesis: Σ weights[k]·scores[k] + lmWeight·lm
 * (a missing weight is 1). Higher is better. A term whose weight is 0 adds
 * nothing, even to an infinite score (an n-gram's log 0 with --lm-weight 0),
 * where 0·∞ would make the sum NaN.
 */
export function combinedScore(scores: readonly number[], weights: readonly number[], lm: number, lmWeight: number): number {
  let s = 0;
  for (let k = 0; k < scores.length; k++) {
    const w = weights[k] ?? 1;
    if (w !== 0) s += w * scores[k]!;
  }
  return lmWeight === 0 ? s : s + lmWeight * lm;
}

/**
 * The best hypothesis of each utterance: the index (into `hyps`) of the one
 * with the highest combined score; on a tie, the first in input order.
 * Utterances in the order they first appear.
 */
export function bestPerUtterance(hyps: readonly { utterance: string }[], combined: ArrayLike<number>): number[] {
  const hint = 'pass the hypotheses parseNbestFields() or parseKaldiNbest() return, and one combined score per hypothesis (combinedScore())';
  if (!Array.isArray(hyps)) throw new OptionError(`bestPerUtterance()'s hyps must be an array of hypotheses (got ${describeValue(hyps)})`, hint);
  const bad = hyps.findIndex((h) => !isObject(h) || typeof h.utterance !== 'string');
  if (bad >= 0) throw new OptionError(`bestPerUtterance()'s hyps[${bad}] must be a hypothesis with its utterance (got ${describeValue(hyps[bad])})`, hint);
  const scores: unknown = combined;
  if (!isObject(scores) || scores['length'] !== hyps.length || !Array.from(scores as unknown as ArrayLike<unknown>).every((x) => typeof x === 'number' && !Number.isNaN(x))) {
    throw new OptionError(`bestPerUtterance()'s combined must be an array of ${hyps.length} numbers, one per hypothesis (got ${describeValue(combined)})`, hint);
  }
  const best = new Map<string, number>();
  hyps.forEach((h, i) => {
    const b = best.get(h.utterance);
    if (b === undefined || combined[i]! > combined[b]!) best.set(h.utterance, i);
  });
  return [...best.values()];
}

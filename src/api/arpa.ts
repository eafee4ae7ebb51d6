/**
 * Back-off n-gram models in the ARPA text format (SRILM, KenLM, IRSTLM,
 * MITLM write it), read strictly, and their conditional probabilities
 * computed here, for interpolating an n-gram model with the RNN
 * (`--ngram model.arpa --lambda λ`, RNNLM's -lm-prob/-lambda). Pure: no I/O.
 *
 * The format:
 *
 *   \data\
 *   ngram 1=<count>
 *   ngram 2=<count>            (one line per order, 1, 2, … without a gap)
 *
 *   \1-grams:
 *   <log10 P>  <w1>  [<log10 backoff weight>]
 *   \2-grams:
 *   <log10 P>  <w1> <w2>  [<log10 backoff weight>]
 *   …
 *   \end\
 *
 * Fields are separated by spaces or tabs; blank lines are ignored, as is any
 * text before `\data\` (a header comment). A backoff weight on the highest
 * order, a missing or extra field, a number that is not one, a section out
 * of order, a count that does not match the entries, an n-gram listed twice,
 * a missing `\end\`, text after it or a model of no 1-gram is refused with the line's number.
 *
 * P(w | h) by the standard backoff recursion (Katz): the probability of the
 * longest n-gram "h w" the model lists; for each history word dropped on the
 * way (oldest first), the backoff weight of the history it was dropped from
 * (1, i.e. log 0, when that history is not listed or has no weight). A word
 * the model does not list is read as `<unk>` when the model has `<unk>`;
 * otherwise its probability is the floor 10^OOV_LOG10 (= 10⁻⁷) and it is
 * counted as an n-gram OOV.
 */
import { DataError, OptionError } from '../core/errors.js';
import { textLines } from '../core/tokenize.js';
import { checkString, checkStrings } from './checks.js';
import { describeValue } from './options.js';

/** log10 P of a word the model does not know, when it has no `<unk>`. */
export const OOV_LOG10 = -7;

export const ARPA_BOS = '<s>';
export const ARPA_EOS = '</s>';
export const ARPA_UNK = '<unk>';

export interface NgramModel {
  /** Highest order (3 for a trigram model). */
  readonly order: number;
  /** Entries per order, counts[0] = unigrams. */
  readonly counts: readonly number[];
  /** Whether `<unk>` is one of the unigrams (unknown words then take its probability). */
  readonly hasUnk: boolean;
  /** Whether the word is one of the model's unigrams. */
  has(word: string): boolean;
  /**
   * log10 P(word | history), history oldest word first (only its last
   * order − 1 words count; start it with `<s>` for a sentence's start).
   * Words outside the model are read as `<unk>` (or take OOV_LOG10).
   */
  logProb10(word: string, history: readonly string[]): number;
}

/** Whether `v` is an n-gram model as parseArpa() returns it (its order, has and logProb10). */
export const isNgramModel = (v: unknown): v is NgramModel => typeof v === 'object' && v !== null && typeof (v as NgramModel).logProb10 === 'function'
  && typeof (v as NgramModel).has === 'function' && typeof (v as NgramModel).order === 'number';

const ARPA_HINT = 'give an ARPA back-off model (\\data\\, ngram N=count lines, \\N-grams: sections, \\end\\), e.g. from build-lm.sh, ngram-count or lmplz';

interface Entry { prob: number; bow: number }

/** A log10 number of an ARPA line: a decimal (or -inf / -99 for "never"). */
function arpaNumber(field: string): number {
  if (/^-inf(inity)?$/i.test(field)) return -Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(field)) return NaN;
  return Number(field);
}

/**
 * Read an ARPA model from its text (`name` names it in messages: a file
 * name). Every problem is a DataError naming the line.
 */
export function parseArpa(text: string, name = 'the ARPA model'): NgramModel {
  checkString(text, "parseArpa()'s text", "pass the ARPA file's text, e.g. await readFile('lm.arpa', 'utf8')");
  checkString(name, "parseArpa()'s name", 'what the model is, in messages (a file name), or nothing');
  // LF, CRLF or a lone CR (old Mac files) ends a line; a BOM is dropped
  const lines = textLines(text);
  const fail = (line: number, problem: string, hint = ARPA_HINT): never => {
    throw new DataError(`${name} line ${line}: ${problem}`, hint);
  };
  let i = 0;
  // anything before \data\ is a header
  while (i < lines.length && lines[i]!.trim() !== '\\data\\') i++;
  if (i === lines.length) throw new DataError(`${name} is not an ARPA model: no \\data\\ line`, ARPA_HINT);
  i++;
  const counts: number[] = [];
  for (; i < lines.length; i++) {
    const l = lines[i]!.trim();
    if (l === '') {
      if (counts.length) break;
      continue;
    }
    const m = /^ngram\s+(\d+)\s*=\s*(\d+)$/.exec(l);
    if (!m) {
      if (l.startsWith('\\')) break;
      fail(i + 1, `expected 'ngram N=count', found ${JSON.stringify(clip(l))}`);
    }
    const n = Number(m![1]), c = Number(m![2]);
    if (n !== counts.length + 1) fail(i + 1, `'ngram ${n}=' where 'ngram ${counts.length + 1}=' was expected (orders go 1, 2, 3, … in order)`);
    // with no word, every word would take the OOV floor: a probability made up, not the model's
    if (n === 1 && c === 0) fail(i + 1, "'ngram 1=0': a model without a single word (1-gram)");
    counts.push(c);
  }
  if (counts.length === 0) throw new DataError(`${name} line ${Math.min(i, lines.length) + 1}: the \\data\\ section lists no 'ngram N=count' line`, ARPA_HINT);
  const order = counts.length;
  const tables: Map<string, Entry>[] = counts.map(() => new Map());
  let ended = false;
  for (let n = 1; n <= order; n++) {
    while (i < lines.length && lines[i]!.trim() === '') i++;
    const header = i < lines.length ? lines[i]!.trim() : '';
    if (header !== `\\${n}-grams:`) {
      fail(Math.min(i, lines.length - 1) + 1, i < lines.length ? `expected '\\${n}-grams:', found ${JSON.stringify(clip(header))}` : `the file ends before '\\${n}-grams:'`);
    }
    const table = tables[n - 1]!;
    for (i++; i < lines.length; i++) {
      const l = lines[i]!.trim();
      if (l === '') continue;
      if (l.startsWith('\\')) break;
      const f = l.split(/[ \t]+/);
      if (f.length !== n + 1 && f.length !== n + 2) {
        fail(i + 1, `a ${n}-gram line has ${f.length} fields (expected log10 P, ${n} word${n === 1 ? '' : 's'} and an optional backoff weight)`);
      }
      const prob = arpaNumber(f[0]!);
      if (Number.isNaN(prob) || prob > 0) fail(i + 1, `log10 probability ${JSON.stringify(clip(f[0]!))} is not a number ≤ 0`);
      let bow = 0;
      if (f.length === n + 2) {
        if (n === order) fail(i + 1, `a highest-order (${n}-gram) line has a backoff weight`);
        bow = arpaNumber(f[n + 1]!);
        if (!Number.isFinite(bow)) fail(i + 1, `backoff weight ${JSON.stringify(clip(f[n + 1]!))} is not a finite number`);
      }
      const key = f.slice(1, n + 1).join(' ');
      if (table.has(key)) fail(i + 1, `the ${n}-gram ${JSON.stringify(clip(key))} is listed twice`);
      table.set(key, { prob, bow });
    }
    if (table.size !== counts[n - 1]) {
      fail(Math.min(i, lines.length - 1) + 1, `\\data\\ announced ${counts[n - 1]} ${n}-grams, the section has ${table.size}`, 'fix the ngram N=count line or the section (a truncated file?)');
    }
  }
  while (i < lines.length && lines[i]!.trim() === '') i++;
  if (i < lines.length && lines[i]!.trim() === '\\end\\') ended = true;
  if (!ended) {
    fail(Math.min(i, lines.length - 1) + 1, i < lines.length ? `expected '\\end\\' after the ${order}-grams, found ${JSON.stringify(clip(lines[i]!.trim()))}` : `no '\\end\\' (the file is cut short?)`,
      i < lines.length && /^\\\d+-grams:$/.test(lines[i]!.trim()) ? `\\data\\ announces ${order} order${order === 1 ? '' : 's'}: add the 'ngram N=count' line for this section` : ARPA_HINT);
  }
  // after \end\: nothing but blank lines (a second model appended, cat a.arpa b.arpa, would be ignored)
  for (let j = i + 1; j < lines.length; j++) {
    if (lines[j]!.trim() !== '') fail(j + 1, `text after '\\end\\' (${JSON.stringify(clip(lines[j]!.trim()))}): two models in one file?`, 'give one ARPA model per file');
  }
  return makeModel(tables, counts);
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 37)}…` : s;
}

const LOGPROB_HINT = "pass a word and its history, oldest word first, e.g. logProb10('cat', ['<s>', 'the'])";

function makeModel(tables: Map<string, Entry>[], counts: number[]): NgramModel {
  const order = tables.length;
  const unigrams = tables[0]!;
  const hasUnk = unigrams.has(ARPA_UNK);
  const known = (w: string): string | null => (unigrams.has(w) ? w : hasUnk ? ARPA_UNK : null);
  return {
    order, counts, hasUnk,
    has: (w) => unigrams.has(w),
    logProb10(word, history) {
      checkString(word, "logProb10()'s word", LOGPROB_HINT);
      if (!Array.isArray(history)) throw new OptionError(`logProb10()'s history must be an array of words (got ${describeValue(history)})`, LOGPROB_HINT);
      // only the last order − 1 words count
      const recent = history.slice(Math.max(0, history.length - (order - 1)));
      checkStrings(recent, "logProb10()'s history (its last words)", LOGPROB_HINT);
      const w = known(word);
      if (w === null) return OOV_LOG10;
      const h = recent.map((x) => known(x) ?? x);
      let bows = 0;
      // the longest listed n-gram: drop the oldest history word at each miss, adding the dropped history's weight
      for (let k = 0; k <= h.length; k++) {
        const ctx = h.slice(k);
        const e = tables[ctx.length]!.get(ctx.length ? `${ctx.join(' ')} ${w}` : w);
        if (e) return bows + e.prob;
        if (ctx.length) bows += tables[ctx.length - 1]!.get(ctx.join(' '))?.bow ?? 0;
      }
      // not reached: w is a unigram
      return OOV_LOG10;
    },
  };
}

/**
 * The n-gram word for one of rnnlm's tokens: at word level the token itself
 * (`<EOS>` → `</s>`, `<UNK>` → `<unk>`); at char level a character, with the
 * characters an ARPA file cannot hold as words spelled out: space →
 * `<space>`, tab → `<tab>`, line feed → `<newline>`, any other whitespace →
 * `<U+XXXX>`.
 */
export function ngramWord(token: string, level: 'char' | 'word'): string {
  if (token === '<EOS>') return ARPA_EOS;
  if (token === '<UNK>') return ARPA_UNK;
  if (level === 'char' && /^\s$/u.test(token)) {
    if (token === ' ') return '<space>';
    if (token === '\t') return '<tab>';
    if (token === '\n') return '<newline>';
    return `<U+${token.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}>`;
  }
  return token;
}

/**
 * Natural-log P of each token of one sentence under the n-gram, its end
 * included: `words` are the sentence's n-gram words (ngramWord) without
 * `</s>`, which is scored last; the history starts with `<s>`. One entry per
 * word, then one for `</s>`; `oov` counts the words the model does not know.
 */
export function ngramSentenceLogProbs(model: NgramModel, words: readonly string[]): { logProbs: Float64Array; oov: number } {
  const out = new Float64Array(words.length + 1);
  const hist: string[] = [ARPA_BOS];
  const keep = model.order - 1;
  let oov = 0;
  for (let t = 0; t <= words.length; t++) {
    const w = t < words.length ? words[t]! : ARPA_EOS;
    if (!model.has(w)) oov++;
    out[t] = model.logProb10(w, hist) * Math.LN10;
    hist.push(w);
    if (hist.length > keep) hist.splice(0, hist.length - keep);
  }
  return { logProbs: out, oov };
}

/**
 * log(λ·e^a + (1−λ)·e^b): linear interpolation of two probabilities given
 * as natural logs, computed without underflow. λ = 1 gives a exactly, λ = 0
 * gives b exactly.
 */
export function mixLogProb(a: number, b: number, lambda: number): number {
  if (lambda === 1) return a;
  if (lambda === 0) return b;
  const x = a + Math.log(lambda), y = b + Math.log1p(-lambda);
  const m = Math.max(x, y);
  if (m === -Infinity) return -Infinity;
  return m + Math.log1p(Math.exp(Math.min(x, y) - m));
}

/**
 * Scoring a tagger (`rnnlm tag eval`): token accuracy, the confusion table
 * of gold × predicted labels and its text rendering, and chunk (entity)
 * precision, recall and F1 computed as conlleval does. Pure: no I/O.
 *
 * Every scorer takes sentences: gold[s][i] and predicted[s][i] are the
 * labels of word i of sentence s; a sentence whose two label sequences
 * differ in length, or a different number of sentences, is a DataError
 * (the predictions are not of this gold file).
 *
 * Chunks, as conlleval (the CoNLL-2000 shared task's perl script, version
 * 2004-01-26, with the S- rules of its widely used IOBES variant) reads
 * them. A label is split at its FIRST hyphen into a tag and a type
 * ("B-ORG-SPORT" → B, ORG-SPORT; "O" or "NOUN" → that, type ""). Between
 * the previous word (tag p, type tp) and this one (tag t, type tt), with
 * the start and the end of each sentence read as O:
 *
 *   a chunk STARTS here when  t is B or S and p is one of B I O E S;
 *                             t is I or E and p is O, E or S;
 *                             t is not O nor '.' and tt ≠ tp (a type change);
 *                             t is '[' or ']'.
 *   a chunk ENDED before when p is E or S and t is one of B I O E S;
 *                             p is B or I and t is B, S or O;
 *                             p is not O nor '.' and tp ≠ tt (a type change);
 *                             p is '[' or ']'.
 *
 * So one set of rules reads IOB2 (BIO), IOB1 (I- by default, B- only
 * between two touching chunks of a type), IOE1/IOE2 and IOBES (BIOES)
 * without being told which: an I-X after O, or after a chunk of another
 * type, starts a chunk. A guessed chunk is correct when a gold chunk starts
 * at the same word with the same type and both end at the same word.
 * Labels of one word with no hyphen other than O, B, I, E, S (POS tags)
 * make no chunks. The 2004 script without the S- rules gives the same
 * numbers on every label sequence without S- tags or an E- followed by a
 * B- (so on IOB1, IOB2, IOE1, IOE2); on IOBES it merges "S-X S-X" and
 * "E-X B-X" into one chunk, which is wrong, and is not followed. BILOU
 * (L-, U-) is understood by neither: convert it to IOBES (L→E, U→S) first.
 *
 * Precision = correct / found, recall = correct / gold, F1 = 2PR/(P+R),
 * micro-averaged over all chunks (conlleval's "overall"), and per type. As
 * conlleval prints them, a ratio whose denominator is 0 is 0: all-O
 * predictions have precision 0, an all-O gold has recall 0, and both all-O
 * give 0, 0, 0 (not 100). Accuracy counts the words whose tag and type are
 * both right (that is, the same label).
 *
 * Where conlleval and seqeval's strict mode (mode='strict', a fixed
 * scheme) differ, this follows conlleval:
 *   - O I-PER I-PER: conlleval, one PER chunk; strict IOB2, no chunk (an
 *     I- must follow a B- or I- of its type).
 *   - B-PER I-LOC: conlleval, PER (1 word) and LOC (1 word); strict, PER
 *     only (the I-LOC belongs to nothing).
 *   - B-LOC O, or a lone I-LOC, in BIOES: conlleval, a LOC chunk; strict
 *     IOBES, none (a chunk must close with E- or be S-).
 *   - conlleval needs no scheme; strict mode needs one and reads IOB1
 *     differently from IOB2.
 * seqeval's default mode follows conlleval on these cases. conlleval counts
 * a `-DOCSTART-` line as a word (O, always right); the readers skip those
 * lines, so on CoNLL-2003 files its token count and accuracy differ from
 * ours by them (precision, recall and F1 do not).
 */
import { DataError, OptionError } from '../core/errors.js';
import { checkSentences, checkStrings, checkWhole, isObject } from './checks.js';
import { describeValue } from './options.js';

/** A chunk: words start … end − 1 of a sentence, of a type. */
export interface Chunk {
  type: string;
  start: number;
  end: number;
}

export interface ChunkScore {
  /** Chunks in the gold labels. */
  gold: number;
  /** Chunks in the predicted labels (conlleval's "found"). */
  found: number;
  /** Predicted chunks that match a gold chunk exactly (start, end, type). */
  correct: number;
  /** correct / found, 0 when nothing was found. */
  precision: number;
  /** correct / gold, 0 when the gold has none. */
  recall: number;
  /** 2PR / (P + R), 0 when P + R = 0. */
  f1: number;
}

export interface ConllevalResult {
  /** Words scored (sentence boundaries are not words). */
  tokens: number;
  /** Words whose predicted label is right. */
  correctTags: number;
  /** correctTags / tokens, 0 when there are no words. */
  accuracy: number;
  /** All chunk types together (micro average). */
  overall: ChunkScore;
  /** Per chunk type, types sorted by code point (as perl's sort of bytes). */
  byType: (ChunkScore & { type: string })[];
}

/** Tag and type of a label, split at its first hyphen (conlleval's /^([^-]*)-(.*)$/). */
function split(label: string): [string, string] {
  const h = label.indexOf('-');
  return h < 0 ? [label, ''] : [label.slice(0, h), label.slice(h + 1)];
}

/** The tags conlleval's B/I/O/E/S rules name (others take part only through the type rule). */
const BIOES = new Set(['B', 'I', 'O', 'E', 'S']);

/** conlleval's startOfChunk: does a chunk start at this word, given the previous one? */
function startsChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  if ((tag === 'B' || tag === 'S') && BIOES.has(prevTag)) return true;
  if ((tag === 'I' || tag === 'E') && (prevTag === 'O' || prevTag === 'E' || prevTag === 'S')) return true;
  if (tag !== 'O' && tag !== '.' && prevType !== type) return true;
  return tag === '[' || tag === ']';
}

/** conlleval's endOfChunk: did a chunk end at the previous word, given this one? */
function endsChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  if ((prevTag === 'E' || prevTag === 'S') && BIOES.has(tag)) return true;
  if ((prevTag === 'B' || prevTag === 'I') && (tag === 'B' || tag === 'S' || tag === 'O')) return true;
  if (prevTag !== 'O' && prevTag !== '.' && prevType !== type) return true;
  return prevTag === '[' || prevTag === ']';
}

/**
 * The chunks of one sentence's labels, by the rules above (the sentence's
 * end closes the last one).
 */
export function chunksOf(labels: readonly string[]): Chunk[] {
  checkStrings(labels, "chunksOf()'s labels", "one sentence's labels, e.g. ['B-PER', 'I-PER', 'O']");
  const out: Chunk[] = [];
  let open: Chunk | null = null;
  let prevTag = 'O', prevType = '';
  for (let i = 0; i <= labels.length; i++) {
    const [tag, type] = i < labels.length ? split(labels[i]!) : ['O', ''];
    const last = i === labels.length;
    const starts = !last && startsChunk(prevTag, tag, prevType, type);
    if (open && (last || starts || endsChunk(prevTag, tag, prevType, type))) {
      open.end = i;
      out.push(open);
      open = null;
    }
    if (starts) open = { type, start: i, end: i + 1 };
    prevTag = tag;
    prevType = type;
  }
  return out;
}

function sameLength(gold: readonly string[], predicted: readonly string[], sentence: number): void {
  if (gold.length !== predicted.length) {
    throw new DataError(`sentence ${sentence} has ${gold.length} gold label${gold.length === 1 ? '' : 's'} and ${predicted.length} predicted`,
      'score predictions made for the same sentences, word for word, as the gold file');
  }
}

const SENTENCES_HINT = "one array of labels per sentence, e.g. [['B-PER', 'I-PER', 'O']], gold and predicted alike";

/** gold and predicted of `fn`: arrays of sentences of labels. */
function checkLabelled(fn: string, gold: unknown, predicted: unknown): void {
  checkSentences(gold, `${fn}()'s gold`, SENTENCES_HINT);
  checkSentences(predicted, `${fn}()'s predicted`, SENTENCES_HINT);
}

function sameCount(gold: readonly unknown[], predicted: readonly unknown[]): void {
  if (gold.length !== predicted.length) {
    throw new DataError(`${gold.length} gold sentence${gold.length === 1 ? '' : 's'} and ${predicted.length} predicted`,
      'score predictions made for the same sentences as the gold file');
  }
}

function score(gold: number, found: number, correct: number): ChunkScore {
  const precision = found > 0 ? correct / found : 0;
  const recall = gold > 0 ? correct / gold : 0;
  return { gold, found, correct, precision, recall, f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0 };
}

export interface ConllevalCounter {
  /** Score one more sentence (gold and predicted labels of its words). */
  add(gold: readonly string[], predicted: readonly string[]): void;
  /** The scores of the sentences added so far. */
  result(): ConllevalResult;
}

/**
 * conlleval's counting as a running total, one sentence at a time (for
 * streaming); conlleval(gold, predicted) is this over arrays. The state
 * machine is conlleval's, word by word, with a boundary (O, O) after each
 * sentence as its blank line.
 */
export function createConllevalCounter(): ConllevalCounter {
  let tokens = 0, correctTags = 0, sentences = 0;
  let correctChunks = 0, goldChunks = 0, foundChunks = 0;
  const perType = new Map<string, { gold: number; found: number; correct: number }>();
  const typeOf = (t: string) => {
    let c = perType.get(t);
    if (!c) perType.set(t, (c = { gold: 0, found: 0, correct: 0 }));
    return c;
  };
  let inCorrect = false;
  let lastGold = 'O', lastGuess = 'O', lastGoldType = '', lastGuessType = '';
  const step = (gold: string, goldType: string, guess: string, guessType: string) => {
    const goldEnds = endsChunk(lastGold, gold, lastGoldType, goldType);
    const guessEnds = endsChunk(lastGuess, guess, lastGuessType, guessType);
    if (inCorrect) {
      if (goldEnds && guessEnds && lastGuessType === lastGoldType) {
        inCorrect = false;
        correctChunks++;
        typeOf(lastGoldType).correct++;
      } else if (goldEnds !== guessEnds || guessType !== goldType) {
        inCorrect = false;
      }
    }
    const goldStarts = startsChunk(lastGold, gold, lastGoldType, goldType);
    const guessStarts = startsChunk(lastGuess, guess, lastGuessType, guessType);
    if (goldStarts && guessStarts && guessType === goldType) inCorrect = true;
    if (goldStarts) { goldChunks++; typeOf(goldType).gold++; }
    if (guessStarts) { foundChunks++; typeOf(guessType).found++; }
    lastGold = gold; lastGuess = guess; lastGoldType = goldType; lastGuessType = guessType;
  };
  return {
    add(gold, predicted) {
      sentences++;
      sameLength(gold, predicted, sentences);
      for (let i = 0; i < gold.length; i++) {
        const [g, gt] = split(gold[i]!);
        const [p, pt] = split(predicted[i]!);
        step(g, gt, p, pt);
        tokens++;
        if (g === p && gt === pt) correctTags++;
      }
      step('O', '', 'O', ''); // the sentence boundary
    },
    result() {
      // conlleval's end of input: a chunk still being matched is correct
      const pending = inCorrect ? 1 : 0;
      const types = [...perType.keys()].sort(codePointOrder);
      return {
        tokens, correctTags,
        accuracy: tokens > 0 ? correctTags / tokens : 0,
        overall: score(goldChunks, foundChunks, correctChunks + pending),
        byType: types.map((type) => {
          const c = perType.get(type)!;
          return { type, ...score(c.gold, c.found, c.correct + (pending && type === lastGoldType ? 1 : 0)) };
        }),
      };
    },
  };
}

/** conlleval's scores of predicted against gold labels, sentence by sentence. */
export function conlleval(gold: readonly (readonly string[])[], predicted: readonly (readonly string[])[]): ConllevalResult {
  checkLabelled('conlleval', gold, predicted);
  sameCount(gold, predicted);
  const counter = createConllevalCounter();
  for (let s = 0; s < gold.length; s++) counter.add(gold[s]!, predicted[s]!);
  return counter.result();
}

function codePointOrder(a: string, b: string): number {
  const x = [...a], y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/**
 * C's printf("%.2f") of a number ≥ 0: the exact binary value rounded,
 * a tie to even (JavaScript's toFixed takes a tie up: 12.125 → "12.13",
 * C "12.12"). Ties at two decimals are the odd multiples of 1/8.
 */
function printf2(x: number): string {
  const eighths = x * 8;
  if (Number.isInteger(eighths) && eighths % 2 === 1 && x < 2 ** 40) {
    const lo = Math.floor(x * 100); // x·100 = k + ½ exactly
    const n = lo % 2 === 0 ? lo : lo + 1;
    return `${Math.floor(n / 100)}.${String(n % 100).padStart(2, '0')}`;
  }
  return x.toFixed(2);
}

const pct = (x: number) => printf2(x).padStart(6);

/**
 * The report conlleval prints, character for character, from a result's
 * counts (its percentages computed from them in conlleval's order of
 * operations, so that the rounding is the same):
 *
 *   processed 12 tokens with 4 phrases; found: 6 phrases; correct: 3.
 *   accuracy:  75.00%; precision:  50.00%; recall:  75.00%; FB1:  60.00
 *                 LOC: precision:   0.00%; recall:   0.00%; FB1:   0.00  1
 *
 * (the last number of a type's line is its count of found chunks).
 */
export function formatConlleval(result: ConllevalResult): string {
  checkConllevalResult(result);
  const o = result.overall;
  const p = o.found > 0 ? (100 * o.correct) / o.found : 0;
  const r = o.gold > 0 ? (100 * o.correct) / o.gold : 0;
  const f = p + r > 0 ? (2 * p * r) / (p + r) : 0;
  let out = `processed ${result.tokens} tokens with ${o.gold} phrases; found: ${o.found} phrases; correct: ${o.correct}.\n`;
  if (result.tokens > 0) {
    out += `accuracy: ${pct((100 * result.correctTags) / result.tokens)}%; precision: ${pct(p)}%; recall: ${pct(r)}%; FB1: ${pct(f)}\n`;
  }
  for (const t of result.byType) {
    const tp = t.found > 0 ? (100 * t.correct) / t.found : 0;
    const tr = t.gold > 0 ? (100 * t.correct) / t.gold : 0;
    const tf = tp + tr === 0 ? 0 : (2 * tp * tr) / (tp + tr);
    out += `${t.type.padStart(17)}: precision: ${pct(tp)}%; recall: ${pct(tr)}%; FB1: ${pct(tf)}  ${t.found}\n`;
  }
  return out;
}

/** formatConlleval's result: the counts it prints, each a whole number (the percentages are computed from them). */
function checkConllevalResult(result: unknown): asserts result is ConllevalResult {
  const what = "formatConlleval()'s result", hint = "pass what conlleval() or a conlleval counter's result() returns";
  const counts = (o: unknown, name: string, keys: readonly string[]) => {
    if (!isObject(o)) throw new OptionError(`${what} must be a conlleval result (its ${name} is ${describeValue(o)})`, hint);
    for (const k of keys) checkWhole(o[k], `${what}'s ${name}.${k}`, hint);
    return o;
  };
  if (!isObject(result)) throw new OptionError(`${what} must be a conlleval result (got ${describeValue(result)})`, hint);
  const r = result as Record<string, unknown>;
  for (const k of ['tokens', 'correctTags']) checkWhole(r[k], `${what}'s ${k}`, hint);
  counts(r['overall'], 'overall', ['gold', 'found', 'correct']);
  const byType = r['byType'];
  if (!Array.isArray(byType)) throw new OptionError(`${what} must be a conlleval result (its byType is ${describeValue(byType)})`, hint);
  byType.forEach((t, i) => {
    const c = counts(t, `byType[${i}]`, ['gold', 'found', 'correct']);
    if (typeof c['type'] !== 'string') throw new OptionError(`${what}'s byType[${i}].type must be a string (got ${describeValue(c['type'])})`, hint);
  });
}

// ——— token accuracy and the confusion table ———

export interface TokenAccuracy {
  correct: number;
  total: number;
  /** correct / total, 0 when there are no words. */
  accuracy: number;
}

/** The share of words whose predicted label equals the gold one. */
export function tokenAccuracy(gold: readonly (readonly string[])[], predicted: readonly (readonly string[])[]): TokenAccuracy {
  checkLabelled('tokenAccuracy', gold, predicted);
  sameCount(gold, predicted);
  let correct = 0, total = 0;
  for (let s = 0; s < gold.length; s++) {
    const g = gold[s]!, p = predicted[s]!;
    sameLength(g, p, s + 1);
    for (let i = 0; i < g.length; i++) if (g[i] === p[i]) correct++;
    total += g.length;
  }
  return { correct, total, accuracy: total > 0 ? correct / total : 0 };
}

export interface ConfusionTable {
  /** Row and column order. */
  labels: string[];
  /** counts[g][p]: words of gold label labels[g] predicted as labels[p]. */
  counts: number[][];
  /** Words counted. */
  total: number;
  /** Words on the diagonal. */
  correct: number;
  /**
   * Labels folded into the last row and column (named "(N others)"): beyond
   * `maxLabels`, the least frequent ones; 0 when every label has its own.
   */
  folded: number;
}

export interface ConfusionCounter {
  add(gold: readonly string[], predicted: readonly string[]): void;
  /**
   * The table so far, in `labels` order when given (labels not in it are
   * appended in the default order), else the default order; past `maxLabels`
   * rows (default: no limit), the rest are folded into one.
   */
  table(labels?: readonly string[], maxLabels?: number): ConfusionTable;
}

/** Whether every label is O or PREFIX-TYPE with prefix B, I, E or S (chunk labels), and one is not O. */
export function isChunkLabelSet(labels: Iterable<string>): boolean {
  const hint = "the labels, e.g. ['B-PER', 'I-PER', 'O'] or a Set of them";
  if (typeof labels === 'string' || !isObject(labels) || typeof (labels as Partial<Iterable<string>>)[Symbol.iterator] !== 'function') {
    throw new OptionError(`isChunkLabelSet()'s labels must be an array or another iterable of strings (got ${describeValue(labels)})`, hint);
  }
  let any = false;
  for (const l of labels) {
    if (typeof l !== 'string') throw new OptionError(`isChunkLabelSet()'s labels must all be strings (got ${describeValue(l)})`, hint);
    if (l === 'O') continue;
    if (!/^[BIES]-./.test(l)) return false;
    any = true;
  }
  return any;
}

const PREFIX_ORDER: Record<string, number> = { B: 0, I: 1, E: 2, S: 3 };

/**
 * The default order of a table's labels. Chunk labels (isChunkLabelSet):
 * by type, B- I- E- S- within a type, O last (B-LOC I-LOC B-PER I-PER O).
 * Others (POS tags…): most frequent in the gold first, then the labels only
 * predicted, most predicted first; ties by code point.
 */
function defaultOrder(goldCount: Map<string, number>, predCount: Map<string, number>): string[] {
  const all = new Set([...goldCount.keys(), ...predCount.keys()]);
  if (isChunkLabelSet(all)) {
    return [...all].sort((a, b) => {
      if (a === 'O' || b === 'O') return a === b ? 0 : a === 'O' ? 1 : -1;
      const [pa, ta] = split(a), [pb, tb] = split(b);
      return codePointOrder(ta, tb) || PREFIX_ORDER[pa]! - PREFIX_ORDER[pb]!;
    });
  }
  const g = (l: string) => goldCount.get(l) ?? 0, p = (l: string) => predCount.get(l) ?? 0;
  return [...all].sort((a, b) => g(b) - g(a) || (g(a) === 0 ? p(b) - p(a) : 0) || codePointOrder(a, b));
}

/** Gold × predicted counts as a running total, one sentence at a time. */
export function createConfusionCounter(): ConfusionCounter {
  const pairs = new Map<string, Map<string, number>>();
  const goldCount = new Map<string, number>(), predCount = new Map<string, number>();
  let sentences = 0;
  return {
    add(gold, predicted) {
      sentences++;
      sameLength(gold, predicted, sentences);
      for (let i = 0; i < gold.length; i++) {
        const g = gold[i]!, p = predicted[i]!;
        let row = pairs.get(g);
        if (!row) pairs.set(g, (row = new Map()));
        row.set(p, (row.get(p) ?? 0) + 1);
        goldCount.set(g, (goldCount.get(g) ?? 0) + 1);
        predCount.set(p, (predCount.get(p) ?? 0) + 1);
      }
    },
    table(given, maxLabels = Infinity) {
      const order = defaultOrder(goldCount, predCount);
      const all = given ? [...new Set(given)] : order;
      if (given) for (const l of order) if (!all.includes(l)) all.push(l);
      // a treebank's lemmas or features are thousands of labels: the first maxLabels − 1 keep their own row, the rest share one
      const folded = all.length > maxLabels ? all.length - Math.max(1, maxLabels - 1) : 0;
      const labels = folded ? [...all.slice(0, all.length - folded), `(${folded} others)`] : all;
      const index = new Map(all.map((l, i) => [l, Math.min(i, labels.length - 1)]));
      const counts = labels.map(() => labels.map(() => 0));
      let total = 0, correct = 0;
      for (const [g, row] of pairs) {
        for (const [p, n] of row) {
          counts[index.get(g)!]![index.get(p)!] += n;
          total += n;
          if (g === p) correct += n;
        }
      }
      return { labels, counts, total, correct, folded };
    },
  };
}

/** The confusion table of predicted against gold labels (see ConfusionCounter.table for `labels`). */
export function confusionTable(gold: readonly (readonly string[])[], predicted: readonly (readonly string[])[], labels?: readonly string[], maxLabels = Infinity): ConfusionTable {
  checkLabelled('confusionTable', gold, predicted);
  if (labels !== undefined) checkStrings(labels, "confusionTable()'s labels", 'the order of its rows and columns, e.g. [\'NOUN\', \'VERB\'], or nothing for the default order');
  if (maxLabels !== Infinity) checkWhole(maxLabels, "confusionTable()'s maxLabels", 'rows past it are folded into one, e.g. 30; or nothing for no limit', 1);
  sameCount(gold, predicted);
  const counter = createConfusionCounter();
  for (let s = 0; s < gold.length; s++) counter.add(gold[s]!, predicted[s]!);
  return counter.table(labels, maxLabels);
}

/** Optional decorations of formatConfusion's cells (colours), applied after padding so the columns stay aligned. */
export interface ConfusionStyle {
  /** The header row and the row labels. */
  header?: (s: string) => string;
  /** Counts on the diagonal (right answers). */
  diagonal?: (s: string) => string;
  /** Non-zero counts off the diagonal (errors). */
  error?: (s: string) => string;
}

/**
 * The table as text: one row per gold label, one column per predicted
 * label, right-aligned counts, zeros as '.', columns two spaces apart;
 * the corner says `gold\pred`. Each line ends with '\n'; no trailing
 * spaces; no colours unless `style` adds them.
 */
export function formatConfusion(table: ConfusionTable, style: ConfusionStyle = {}): string {
  checkConfusion(table, style);
  const id = (s: string) => s;
  const header = style.header ?? id, diagonal = style.diagonal ?? id, error = style.error ?? id;
  const corner = 'gold\\pred';
  const first = Math.max(corner.length, ...table.labels.map((l) => [...l].length));
  const cell = (n: number) => (n === 0 ? '.' : String(n));
  const widths = table.labels.map((l, j) => Math.max([...l].length, ...table.counts.map((row) => cell(row[j]!).length)));
  const padEnd = (s: string, w: number) => s + ' '.repeat(Math.max(0, w - [...s].length));
  const padStart = (s: string, w: number) => ' '.repeat(Math.max(0, w - [...s].length)) + s;
  let out = header(padEnd(corner, first));
  table.labels.forEach((l, j) => { out += `  ${header(padStart(l, widths[j]!))}`; });
  out += '\n';
  table.labels.forEach((g, i) => {
    out += header(padEnd(g, first));
    table.counts[i]!.forEach((n, j) => {
      const s = padStart(cell(n), widths[j]!);
      out += `  ${n === 0 ? s : i === j ? diagonal(s) : error(s)}`;
    });
    out += '\n';
  });
  return out.replace(/ +\n/g, '\n');
}

/** formatConfusion's table (labels, and a row of counts per label, a count per label) and style (functions, each optional). */
function checkConfusion(table: unknown, style: unknown): void {
  const what = "formatConfusion()'s table", hint = 'pass what confusionTable() or a confusion counter\'s table() returns';
  if (!isObject(table)) throw new OptionError(`${what} must be a confusion table (got ${describeValue(table)})`, hint);
  checkStrings(table['labels'], `${what}'s labels`, hint);
  const n = (table['labels'] as string[]).length, counts = table['counts'];
  if (!Array.isArray(counts) || counts.length !== n) throw new OptionError(`${what}'s counts must be an array of ${n} rows, one per label (got ${describeValue(counts)})`, hint);
  counts.forEach((row: unknown, i) => {
    if (!Array.isArray(row) || row.length !== n || !row.every((c) => typeof c === 'number' && Number.isInteger(c) && c >= 0)) {
      throw new OptionError(`${what}'s counts[${i}] must be an array of ${n} whole numbers, one per label (got ${describeValue(row)})`, hint);
    }
  });
  const styleHint = 'an object of optional functions header, diagonal and error (each takes a cell\'s text and returns it decorated), or nothing';
  if (!isObject(style) || Array.isArray(style)) throw new OptionError(`formatConfusion()'s style must be an object (got ${describeValue(style)})`, styleHint);
  for (const k of ['header', 'diagonal', 'error']) {
    if (style[k] !== undefined && typeof style[k] !== 'function') throw new OptionError(`formatConfusion()'s style.${k} must be a function (got ${describeValue(style[k])})`, styleHint);
  }
}

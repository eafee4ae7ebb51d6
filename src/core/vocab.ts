/**
 * The vocabulary: a fixed, deterministic mapping between tokens and ids.
 *
 *   id 0        <EOS>   end of sentence (every sentence ends with it)
 *   id 1        <UNK>   any token not in the vocabulary
 *   id 2 … V-1  the kept corpus tokens, sorted by Unicode code point
 *
 * The order never depends on insertion or hash order (makemore sorts its
 * characters; min-char-rnn's `list(set(data))` is the bug to avoid), so the
 * same corpus and options always give the same ids. Sorting compares code
 * points, not UTF-16 units: '😀' (U+1F600, stored as the surrogates
 * D83D DE00) sorts after 'ﬀ' (U+FB00), although D83D < FB00.
 *
 * The two special tokens are names, not corpus strings: a corpus token that
 * happens to spell "<EOS>" or "<UNK>" never gets id 0 or 1 and is never
 * added as a regular token either (it maps to <UNK> when encoded).
 */
import { DataError } from './errors.js';

export const EOS = 0;
export const UNK = 1;
export const EOS_TOKEN = '<EOS>';
export const UNK_TOKEN = '<UNK>';

export interface Vocab {
  /** Token of each id, id order: tokens[0] = EOS_TOKEN, tokens[1] = UNK_TOKEN. */
  readonly tokens: readonly string[];
  /** Id of each token (the inverse of `tokens`). */
  readonly index: ReadonlyMap<string, number>;
}

export interface VocabOptions {
  /** Total size cap INCLUDING the 2 special tokens; default no cap. At least 3. */
  maxVocab?: number;
  /** Tokens seen fewer times than this map to <UNK>; default 1 (keep all). */
  minCount?: number;
  /**
   * The order of the tokens after <EOS> and <UNK>: by code point (default),
   * or most frequent first (ties by code point), which an adaptive softmax
   * needs (its clusters are ranges of ids).
   */
  order?: 'codepoint' | 'frequency';
  /** How messages spell minCount (the command line's --min-count); default minCount. */
  minCountName?: string;
}

export interface VocabResult {
  vocab: Vocab;
  /** Distinct regular tokens seen (count ≥ 1; the special spellings excluded). */
  distinct: number;
  /** Distinct tokens mapped to <UNK> by maxVocab/minCount; vocab size = 2 + distinct − dropped. */
  dropped: number;
}

/**
 * Compares two strings by Unicode code point, lexicographically (a proper
 * prefix sorts first). Differs from `<` on strings, which compares UTF-16
 * units, exactly when a supplementary character (a surrogate pair) meets a
 * BMP character in U+E000–U+FFFF. Lone surrogates compare by their own value.
 */
export function compareCodePoints(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(j)!;
    if (ca !== cb) return ca < cb ? -1 : 1;
    i += ca > 0xffff ? 2 : 1;
    j += cb > 0xffff ? 2 : 1;
  }
  const restA = a.length - i;
  const restB = b.length - j;
  return restA === restB ? 0 : restA < restB ? -1 : 1;
}

function isSpecial(token: string): boolean {
  return token === EOS_TOKEN || token === UNK_TOKEN;
}

function makeVocab(regular: readonly string[]): Vocab {
  const tokens = Object.freeze([EOS_TOKEN, UNK_TOKEN, ...regular]);
  const index = new Map<string, number>();
  tokens.forEach((t, id) => index.set(t, id));
  return { tokens, index };
}

function checkOptions(maxVocab: number | undefined, minCount: number): void {
  if (maxVocab !== undefined && !(Number.isInteger(maxVocab) && maxVocab >= 3)) {
    throw new DataError(
      `maxVocab must be an integer of at least 3, got ${maxVocab}`,
      'the size includes <EOS> and <UNK>, so 3 keeps one corpus token; omit it for no cap',
    );
  }
  if (!(Number.isInteger(minCount) && minCount >= 1)) {
    throw new DataError(
      `minCount must be a positive integer, got ${minCount}`,
      'use 1 to keep every token seen at least once',
    );
  }
}

/**
 * Builds the vocabulary from token counts (as made by `countTokens`).
 * Tokens with count < minCount are dropped; if more than maxVocab − 2 remain,
 * the most frequent are kept, ties broken by code point order. The kept
 * tokens get ids 2… in code point order. Throws DataError when there are no
 * tokens at all, or when the options drop every one of them.
 */
export function buildVocab(counts: ReadonlyMap<string, number>, opts: VocabOptions = {}): VocabResult {
  const maxVocab = opts.maxVocab;
  const minCount = opts.minCount ?? 1;
  checkOptions(maxVocab, minCount);

  let distinct = 0;
  // parallel arrays, not [token, count] pairs: a word corpus may have millions of distinct tokens
  const tokens: string[] = [];
  const freq: number[] = [];
  for (const [token, count] of counts) {
    if (isSpecial(token) || !(count > 0)) continue;
    distinct++;
    if (count >= minCount) {
      tokens.push(token);
      freq.push(count);
    }
  }
  if (distinct === 0) {
    throw new DataError('the corpus has no tokens', 'check that the input is not empty or blank lines only');
  }

  const byCodePoint = codePointOrder(tokens);
  let kept: number[]; // indices into tokens
  const room = maxVocab === undefined ? Infinity : maxVocab - 2;
  if (tokens.length > room) {
    // only tokens at least as frequent as the room-th most frequent can be kept: sort just those
    const sorted = Float64Array.from(freq).sort(); // ascending, native
    const cut = sorted[sorted.length - room]!;
    const pool: number[] = [];
    for (let i = 0; i < tokens.length; i++) if (freq[i]! >= cut) pool.push(i);
    pool.sort((a, b) => freq[b]! - freq[a]! || byCodePoint(a, b));
    kept = pool.slice(0, room);
  } else {
    kept = tokens.map((_, i) => i);
  }
  if (opts.order === 'frequency') kept.sort((a, b) => freq[b]! - freq[a]! || byCodePoint(a, b));
  else kept.sort(byCodePoint);

  if (kept.length === 0) {
    throw new DataError(
      `${opts.minCountName ?? 'minCount'} ${minCount} drops all ${distinct} distinct tokens of the corpus`,
      `lower ${opts.minCountName ?? 'minCount'} (the most frequent token is seen fewer times than that)`,
    );
  }
  return { vocab: makeVocab(kept.map((i) => tokens[i]!)), distinct, dropped: distinct - kept.length };
}

/**
 * compareCodePoints on indices into `tokens`, fast: strings without
 * surrogates compare the same by UTF-16 unit as by code point, so for them
 * the native comparison (< in C++, ~10× a JS loop) decides.
 */
function codePointOrder(tokens: readonly string[]): (a: number, b: number) => number {
  const SURROGATE = /[\ud800-\udfff]/;
  const wide = new Uint8Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) wide[i] = SURROGATE.test(tokens[i]!) ? 1 : 0;
  return (a, b) => {
    const x = tokens[a]!, y = tokens[b]!;
    if (wide[a]! | wide[b]!) return compareCodePoints(x, y);
    return x < y ? -1 : x > y ? 1 : 0;
  };
}

/**
 * Rebuilds a vocabulary from its id-ordered token list (as stored in a
 * checkpoint). The list must start with <EOS>, <UNK> and hold no duplicates;
 * the order of the rest is taken as given.
 */
export function vocabFromTokens(tokens: readonly string[]): Vocab {
  if (tokens[0] !== EOS_TOKEN || tokens[1] !== UNK_TOKEN) {
    const got = tokens.slice(0, 2).map((t) => JSON.stringify(t)).join(', ');
    throw new DataError(
      `vocabulary must start with "${EOS_TOKEN}", "${UNK_TOKEN}", got [${got}]`,
      'the checkpoint is damaged or was not written by rnnlm; retrain',
    );
  }
  const seen = new Set<string>();
  for (let id = 0; id < tokens.length; id++) {
    const t = tokens[id];
    if (typeof t !== 'string') {
      throw new DataError(`vocabulary entry ${id} is not a string`, 'the checkpoint is damaged; retrain');
    }
    if (seen.has(t)) {
      throw new DataError(
        `vocabulary token ${JSON.stringify(t)} appears twice (again at id ${id})`,
        'the checkpoint is damaged or was not written by rnnlm; retrain',
      );
    }
    seen.add(t);
  }
  return makeVocab(tokens.slice(2));
}

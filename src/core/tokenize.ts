/**
 * From text to token ids and back.
 *
 *   text ──normalizeText──▶ ──splitSentences──▶ sentences ──tokenize──▶ tokens
 *        ──(vocab)──▶ ids, each sentence followed by <EOS>
 *
 * Two levels:
 *   char  every Unicode code point is a token (a surrogate pair is one token,
 *         a combining mark is a token of its own; no normalization to NFC).
 *   word  the sentence is split on whitespace, then punctuation is split off
 *         the words (see WORD below).
 *
 * A sentence is a line, a paragraph or the whole file (SentenceMode; in
 * 'stream' mode a line, the lines read as one stream, see batches.ts). The
 * model learns to end each one: encodeCorpus appends <EOS> after every
 * sentence, tokenize and encode never do.
 */
import { ShapeError } from './errors.js';
import { EOS, EOS_TOKEN, UNK, UNK_TOKEN, type Vocab } from './vocab.js';

export type Level = 'char' | 'word';
export type SentenceMode = 'line' | 'paragraph' | 'file' | 'stream';

/**
 * How a corpus of this sentence mode is read in training and evaluation:
 * independent sentences in batches, or one stream with the state carried
 * ('file': the whole text; 'stream': its lines, each ending with <EOS>, as
 * Penn Treebank and WikiText language models read them).
 */
export function readModeOf(mode: SentenceMode): 'sentences' | 'stream' {
  return mode === 'file' || mode === 'stream' ? 'stream' : 'sentences';
}

export interface TokenizerConfig {
  level: Level;
  /** Lowercase the text before splitting it (both levels). */
  lowercase: boolean;
  /** Corpus literal meaning <UNK> at word level, e.g. '<unk>' for Penn Treebank; null = none. Ignored at char level. */
  unkToken: string | null;
  /**
   * Word level: how a sentence is split. 'punctuation' (default): on
   * whitespace, then punctuation split off the words (WORD_OR_SYMBOL).
   * 'whitespace': on whitespace only, nothing else touched — text tokenized
   * elsewhere (Penn Treebank's "'s", "u.s.", WikiText).
   */
  split?: 'punctuation' | 'whitespace';
}

/** Strips one leading byte order mark and turns CRLF and lone CR into LF. */
export function normalizeText(text: string): string {
  const noBom = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return noBom.replace(/\r\n?/g, '\n');
}

/**
 * The lines of a text as normalizeText reads it (a leading BOM dropped; LF,
 * CRLF or a lone CR, as old Mac files have, ends a line), without a copy of
 * the whole text; '' last when the text ends with a line end.
 */
export function textLines(text: string): string[] {
  return (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split(/\r\n?|\n/);
}

const isBlank = (s: string): boolean => s.trim() === '';

/**
 * The lines of text, trailing whitespace removed, in one pass (no
 * intermediate arrays: a 100 MB corpus has millions of lines). With `out`,
 * blank lines are skipped and the rest appended to it; with null, every line
 * is returned, blank ones as ''.
 */
function eachLine(text: string, out: string[] | null): string[] {
  const lines = out ?? [];
  let from = 0;
  while (from <= text.length) {
    let to = text.indexOf('\n', from);
    if (to < 0) to = text.length;
    const line = text.slice(from, to).trimEnd();
    if (out === null || line !== '') lines.push(line); // trimmed: a blank line is ''
    from = to + 1;
  }
  return lines;
}

/**
 * Splits (normalized) text into sentences. The text is normalized here too
 * (normalizeText is idempotent), so a stray CR never becomes a token.
 *
 *   line       each line is a sentence (so in stream mode);
 *   paragraph  blocks of lines separated by blank lines; the lines of a block
 *              are joined with '\n' (a token at char level, a separator at
 *              word level);
 *   file       the whole text is one sentence.
 *
 * Trailing whitespace is removed from every line (and so from every sentence;
 * in file mode only from the end of the text), leading whitespace is kept.
 * Blank and whitespace-only sentences are skipped.
 */
export function splitSentences(text: string, mode: SentenceMode): string[] {
  const norm = normalizeText(text);
  if (mode === 'file') {
    const whole = norm.trimEnd();
    return isBlank(whole) ? [] : [whole];
  }
  if (mode === 'line' || mode === 'stream') return eachLine(norm, []);
  const out: string[] = [];
  let block: string[] = [];
  for (const line of eachLine(norm, null)) {
    if (isBlank(line)) {
      if (block.length > 0) out.push(block.join('\n'));
      block = [];
    } else {
      block.push(line);
    }
  }
  if (block.length > 0) out.push(block.join('\n'));
  return out;
}

/**
 * WORD: a run of letters, marks and digits (\p{L}\p{M}\p{N}), possibly joined
 * by an apostrophe (' or ’) or a hyphen (- ‐ ‑) between two such runs, or by
 * '.' or ',' between two digits: "don't", "well-known", "3.14", "1,000" are
 * one token each. Any other non-space code point is a token of its own, so
 * "salad." is "salad", "." and "<EOS>" is "<", "EOS", ">".
 */
const WORD_OR_SYMBOL = /[\p{L}\p{M}\p{N}]+(?:(?:['’\-‐‑]|(?<=\p{N})[.,](?=\p{N}))[\p{L}\p{M}\p{N}]+)*|\S/gu;
const PIECE = /\S+/gu;

/**
 * Calls `fn` with each token of one sentence, in order (no <EOS>). The
 * workhorse of tokenize, countTokens and encodeCorpus: no generator and, at
 * word level without an unk literal, one regular-expression scan of the
 * sentence. Not re-entrant (the expressions are shared): `fn` must not tokenize.
 */
function forEachToken(sentence: string, cfg: TokenizerConfig, fn: (token: string) => void): void {
  if (cfg.level === 'char') {
    for (const ch of cfg.lowercase ? sentence.toLowerCase() : sentence) fn(ch); // string iteration: code points
    return;
  }
  if (cfg.split === 'whitespace') {
    // pre-tokenized text: every whitespace-separated piece is a token as it is
    PIECE.lastIndex = 0;
    for (let piece = PIECE.exec(sentence); piece !== null; piece = PIECE.exec(sentence)) {
      fn(piece[0] === cfg.unkToken ? UNK_TOKEN : cfg.lowercase ? piece[0].toLowerCase() : piece[0]);
    }
    return;
  }
  // lowercasing is piece by piece (as eachToken does it); over a whole sentence it is the same except for a capital
  // sigma, whose lowercase depends on the letters around it: 'ﬀ\uFEFFΣ' gives ς whole but σ as the piece 'Σ'
  if (cfg.unkToken === null && !(cfg.lowercase && sentence.includes('\u03a3'))) {
    // WORD_OR_SYMBOL never matches whitespace, so over the whole sentence it finds the same tokens as piece by piece
    const text = cfg.lowercase ? sentence.toLowerCase() : sentence;
    WORD_OR_SYMBOL.lastIndex = 0;
    for (let m = WORD_OR_SYMBOL.exec(text); m !== null; m = WORD_OR_SYMBOL.exec(text)) fn(m[0]);
    return;
  }
  PIECE.lastIndex = 0;
  for (let piece = PIECE.exec(sentence); piece !== null; piece = PIECE.exec(sentence)) {
    const next = PIECE.lastIndex;
    if (piece[0] === cfg.unkToken) {
      fn(UNK_TOKEN);
    } else {
      const p = cfg.lowercase ? piece[0].toLowerCase() : piece[0];
      WORD_OR_SYMBOL.lastIndex = 0;
      for (let m = WORD_OR_SYMBOL.exec(p); m !== null; m = WORD_OR_SYMBOL.exec(p)) fn(m[0]);
    }
    PIECE.lastIndex = next;
  }
}

/**
 * The tokens of one sentence, one at a time (no <EOS>). Lazy, so a whole
 * file read as one sentence is never held as one array of tokens: code point
 * by code point at char level, whitespace-separated piece by piece at word
 * level (matchAll has its own regular expression, so generators may interleave).
 */
export function* eachToken(sentence: string, cfg: TokenizerConfig): Generator<string, void, undefined> {
  if (cfg.level === 'char') {
    yield* cfg.lowercase ? sentence.toLowerCase() : sentence; // string iteration: code points
    return;
  }
  for (const [piece] of sentence.matchAll(PIECE)) yield* tokenize(piece, cfg);
}

/** The tokens of one sentence (no <EOS>). */
export function tokenize(sentence: string, cfg: TokenizerConfig): string[] {
  const out: string[] = [];
  forEachToken(sentence, cfg, (t) => out.push(t));
  return out;
}

// ── char level without a string per character ───────────────────────────────
//
// A corpus of N characters would otherwise make N one-character strings to
// count and N more to encode (~100 ns each). Char level walks the UTF-16 code
// units instead and keys everything by code point: a surrogate pair is one
// code point (as in string iteration), a lone surrogate is its own unit.

const isHigh = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;

/** Calls fn with each code point of s (a lone surrogate as its own value). */
function forEachCodePoint(s: string, fn: (cp: number) => void): void {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (isHigh(c) && i + 1 < n) {
      const d = s.charCodeAt(i + 1);
      if (isLow(d)) {
        fn(0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00));
        i++;
        continue;
      }
    }
    fn(c);
  }
}

/** The code point a char-level token stands for, or −1 for any other string (specials, words). */
function codePointOf(token: string): number {
  if (token.length === 1) return token.charCodeAt(0);
  if (token.length === 2 && isHigh(token.charCodeAt(0)) && isLow(token.charCodeAt(1))) return token.codePointAt(0)!;
  return -1;
}

/** Code point → id at char level: a table for the BMP, a map for the rest; <UNK> when absent. */
interface CharIds {
  bmp: Int32Array; // (65536,)
  astral: Map<number, number>;
}

const charIdCache = new WeakMap<Vocab, CharIds>();

function charIds(vocab: Vocab): CharIds {
  const known = charIdCache.get(vocab);
  if (known) return known;
  const bmp = new Int32Array(0x10000).fill(UNK);
  const astral = new Map<number, number>();
  vocab.tokens.forEach((t, id) => {
    if (id < 2) return; // the specials are names, never corpus characters
    const cp = codePointOf(t);
    if (cp < 0) return;
    if (cp < 0x10000) bmp[cp] = id;
    else astral.set(cp, id);
  });
  const made = { bmp, astral };
  charIdCache.set(vocab, made);
  return made;
}

function charIdOf(table: CharIds, cp: number): number {
  return cp < 0x10000 ? table.bmp[cp]! : table.astral.get(cp) ?? UNK;
}

function countChars(sentences: Iterable<string>, lowercase: boolean): Map<string, number> {
  const bmp = new Float64Array(0x10000); // (65536,) counts
  const astral = new Map<number, number>();
  const add = (cp: number): void => {
    if (cp < 0x10000) bmp[cp]!++;
    else astral.set(cp, (astral.get(cp) ?? 0) + 1);
  };
  for (const s of sentences) forEachCodePoint(lowercase ? s.toLowerCase() : s, add);
  const counts = new Map<string, number>();
  for (let cp = 0; cp < 0x10000; cp++) if (bmp[cp]! > 0) counts.set(String.fromCharCode(cp), bmp[cp]!);
  for (const [cp, n] of astral) counts.set(String.fromCodePoint(cp), n);
  return counts;
}

/** How often each token occurs in the sentences (input for buildVocab). */
export function countTokens(sentences: Iterable<string>, cfg: TokenizerConfig): Map<string, number> {
  if (cfg.level === 'char') return countChars(sentences, cfg.lowercase);
  const counts = new Map<string, number>();
  const add = (t: string): void => { counts.set(t, (counts.get(t) ?? 0) + 1); };
  for (const s of sentences) forEachToken(s, cfg, add);
  return counts;
}

/**
 * The id of a token; <UNK> for a token outside the vocabulary. A token that
 * spells "<EOS>" is text, not the end of a sentence, so it is <UNK> too.
 */
function idOf(vocab: Vocab, token: string): number {
  if (token === EOS_TOKEN) return UNK;
  return vocab.index.get(token) ?? UNK;
}

export interface EncodedCorpus {
  /** All sentences' token ids, each sentence followed by EOS. */
  ids: Int32Array;
  /** Length S+1; sentence s is ids[starts[s] .. starts[s+1]), its EOS included. */
  starts: Int32Array;
  /** Number of token occurrences encoded as <UNK> (EOS not counted). */
  unkCount: number;
}

/**
 * An append-only id array that never holds more than about twice its
 * contents: it fills fixed chunks, then copies them once into an array of the
 * exact length. A first chunk of the right size (`capacity`) is returned as
 * is, without a copy.
 */
function idBuffer(capacity: number): { push(id: number): void; length(): number; finish(): Int32Array } {
  const CHUNK = 1 << 16;
  const full: Int32Array[] = [];
  let fullLength = 0;
  let cur = new Int32Array(Math.max(capacity, 16));
  let n = 0;
  return {
    push(id) {
      if (n === cur.length) {
        full.push(cur);
        fullLength += n;
        cur = new Int32Array(Math.max(CHUNK, fullLength >>> 3)); // chunks grow with the total: few of them
        n = 0;
      }
      cur[n++] = id;
    },
    length: () => fullLength + n,
    finish() {
      if (full.length === 0) {
        // a slight overestimate (astral characters, a lowercase that shrinks) stays as a view
        return n === cur.length || cur.length - n < (cur.length >>> 4) ? cur.subarray(0, n) : cur.slice(0, n);
      }
      const out = new Int32Array(fullLength + n);
      let at = 0;
      for (const c of full) { out.set(c, at); at += c.length; }
      out.set(cur.subarray(0, n), at);
      return out;
    },
  };
}

/**
 * Encodes sentences into one id array, each followed by <EOS>. Works sentence
 * by sentence into typed arrays (no array of every corpus token, no string per
 * character): at char level the ids array is sized from the text length, at
 * word level it is built in chunks and copied once.
 * Every sentence gets its slot, even one with no tokens (it is just <EOS>).
 */
export function encodeCorpus(sentences: readonly string[], vocab: Vocab, cfg: TokenizerConfig): EncodedCorpus {
  const S = sentences.length;
  const starts = new Int32Array(S + 1); // (S+1,)
  let unkCount = 0;
  let capacity = 1024;
  if (cfg.level === 'char') {
    capacity = S; // one EOS each, plus at most one id per UTF-16 unit
    for (let s = 0; s < S; s++) capacity += sentences[s]!.length;
  }
  const buf = idBuffer(capacity);
  const encode = sentenceEncoder(vocab, cfg, (id) => {
    if (id === UNK) unkCount++;
    buf.push(id);
  });
  for (let s = 0; s < S; s++) {
    starts[s] = buf.length();
    encode(sentences[s]!);
  }
  starts[S] = buf.length();
  return { ids: buf.finish(), starts, unkCount };
}

/**
 * A function that hands `push` the ids of a sentence and then <EOS>, as
 * encodeCorpus encodes each (made once: no closure per sentence).
 */
function sentenceEncoder(vocab: Vocab, cfg: TokenizerConfig, push: (id: number) => void): (sentence: string) => void {
  if (cfg.level === 'char') {
    const table = charIds(vocab);
    const add = (cp: number): void => push(charIdOf(table, cp));
    return (sentence) => {
      forEachCodePoint(cfg.lowercase ? sentence.toLowerCase() : sentence, add);
      push(EOS);
    };
  }
  const add = (t: string): void => push(idOf(vocab, t));
  return (sentence) => {
    forEachToken(sentence, cfg, add);
    push(EOS);
  };
}

/**
 * Sentences encoded one at a time into reused arrays, as encodeCorpus encodes
 * them (the same ids, each sentence followed by <EOS>): a filter that scores
 * a stream chunk by chunk keeps its pending sentences here, as ids, with no
 * object or string per sentence. `corpus()` views the sentences added since
 * the last `clear()` (valid until the next add or clear); the arrays grow as
 * needed and are kept.
 */
export class CorpusBuilder {
  private ids = new Int32Array(1024);
  private starts = new Int32Array(65);
  private n = 0;
  private count = 0;
  private unk = 0;
  private readonly encode: (sentence: string) => void;
  private readonly addId = (id: number): void => {
    if (id === UNK) this.unk++;
    if (this.n === this.ids.length) {
      const grown = new Int32Array(2 * this.ids.length);
      grown.set(this.ids);
      this.ids = grown;
    }
    this.ids[this.n++] = id;
  };

  constructor(vocab: Vocab, cfg: TokenizerConfig) {
    this.encode = sentenceEncoder(vocab, cfg, this.addId);
  }

  /** Sentences added since the last clear(). */
  get size(): number {
    return this.count;
  }

  /** <UNK> ids among those added since the last clear(). */
  get unknown(): number {
    return this.unk;
  }

  add(sentence: string): void {
    if (this.count + 1 === this.starts.length) {
      const grown = new Int32Array(2 * this.starts.length);
      grown.set(this.starts);
      this.starts = grown;
    }
    this.starts[this.count] = this.n;
    this.encode(sentence);
    this.starts[++this.count] = this.n;
  }

  /** The sentences added since the last clear(), as encodeCorpus would return them (views of the kept arrays). */
  corpus(): EncodedCorpus {
    return { ids: this.ids.subarray(0, this.n), starts: this.starts.subarray(0, this.count + 1), unkCount: this.unk };
  }

  clear(): void {
    this.n = 0;
    this.count = 0;
    this.unk = 0;
  }
}

/**
 * Encodes one sentence (no <EOS> appended). `unknown` lists, in order of
 * first appearance, the distinct surface forms that were not in the
 * vocabulary and so became <UNK> (the corpus <UNK> literal is not listed).
 */
export function encode(sentence: string, vocab: Vocab, cfg: TokenizerConfig): { ids: Int32Array; unknown: string[] } {
  const tokens = tokenize(sentence, cfg);
  const ids = new Int32Array(tokens.length);
  const unknown = new Set<string>();
  const table = cfg.level === 'char' ? charIds(vocab) : null;
  tokens.forEach((t, i) => {
    const id = table ? charIdOf(table, codePointOf(t)) : idOf(vocab, t);
    ids[i] = id;
    if (id === UNK && t !== UNK_TOKEN) unknown.add(t);
  });
  return { ids, unknown: [...unknown] };
}

/** Closing punctuation: no space before a token that is exactly one of these. */
const NO_SPACE_BEFORE = new Set(['.', ',', ';', ':', '!', '?', ')', ']', '}', '%', "'", '’']);
/** Opening brackets: no space after a token that is exactly one of these. */
const NO_SPACE_AFTER = new Set(['(', '[', '{']);

/**
 * Turns ids back into text. <EOS> ids are skipped; <UNK> shows as '<UNK>'
 * (at word level as cfg.unkToken when one is set).
 *
 *   char  the tokens are concatenated, so decode(encode(s)) === s whenever
 *         every character of s is in the vocabulary (and lowercase is off).
 *   word  the tokens are joined with single spaces, except that there is no
 *         space before a token that is a lone closing mark . , ; : ! ? ) ] } %
 *         ' ’ and no space after a lone opening ( [ {. This is a heuristic:
 *         the original spacing is not stored, so "a ( b" comes back as "a (b",
 *         an opening quote "'tis" as "'tis" only at the start of the text, and
 *         '"' always gets spaces on both sides.
 */
export function decode(ids: ArrayLike<number>, vocab: Vocab, cfg: TokenizerConfig): string {
  const unkText = cfg.level === 'word' && cfg.unkToken !== null ? cfg.unkToken : UNK_TOKEN;
  const V = vocab.tokens.length;
  const parts: string[] = [];
  let prev: string | null = null;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!Number.isInteger(id) || id < 0 || id >= V) {
      throw new ShapeError(`decode: id ${id} at position ${i} is outside the vocabulary [0, ${V})`);
    }
    if (id === EOS) continue;
    const text = id === UNK ? unkText : vocab.tokens[id];
    // pre-tokenized text comes back as it was written: tokens between single spaces
    if (cfg.level === 'word' && prev !== null && (cfg.split === 'whitespace' || (!NO_SPACE_BEFORE.has(text) && !NO_SPACE_AFTER.has(prev)))) {
      parts.push(' ');
    }
    parts.push(text);
    prev = text;
  }
  return parts.join('');
}

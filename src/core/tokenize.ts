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
 * A sentence is a line, a paragraph or the whole file (SentenceMode). The
 * model learns to end each one: encodeCorpus appends <EOS> after every
 * sentence, tokenize and encode never do.
 */
import { ShapeError } from './errors.js';
import { EOS, EOS_TOKEN, UNK, UNK_TOKEN, type Vocab } from './vocab.js';

export type Level = 'char' | 'word';
export type SentenceMode = 'line' | 'paragraph' | 'file';

export interface TokenizerConfig {
  level: Level;
  /** Lowercase the text before splitting it (both levels). */
  lowercase: boolean;
  /** Corpus literal meaning <UNK> at word level, e.g. '<unk>' for Penn Treebank; null = none. Ignored at char level. */
  unkToken: string | null;
}

/** Strips one leading byte order mark and turns CRLF and lone CR into LF. */
export function normalizeText(text: string): string {
  const noBom = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return noBom.replace(/\r\n?/g, '\n');
}

const isBlank = (s: string): boolean => s.trim() === '';

/**
 * Splits (normalized) text into sentences. The text is normalized here too
 * (normalizeText is idempotent), so a stray CR never becomes a token.
 *
 *   line       each line is a sentence;
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
  const lines = norm.split('\n').map((l) => l.trimEnd());
  if (mode === 'line') return lines.filter((l) => !isBlank(l));
  const out: string[] = [];
  let block: string[] = [];
  for (const line of lines) {
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
 * The tokens of one sentence, one at a time (no <EOS>). Lazy, so a whole
 * file read as one sentence is never held as one array of tokens.
 */
export function* eachToken(sentence: string, cfg: TokenizerConfig): Generator<string, void, undefined> {
  if (cfg.level === 'char') {
    yield* cfg.lowercase ? sentence.toLowerCase() : sentence; // string iteration: code points
    return;
  }
  for (const [piece] of sentence.matchAll(PIECE)) {
    if (cfg.unkToken !== null && piece === cfg.unkToken) {
      yield UNK_TOKEN;
      continue;
    }
    const p = cfg.lowercase ? piece.toLowerCase() : piece;
    for (const [t] of p.matchAll(WORD_OR_SYMBOL)) yield t;
  }
}

/** The tokens of one sentence (no <EOS>). */
export function tokenize(sentence: string, cfg: TokenizerConfig): string[] {
  return Array.from(eachToken(sentence, cfg));
}

/** How often each token occurs in the sentences (input for buildVocab). */
export function countTokens(sentences: Iterable<string>, cfg: TokenizerConfig): Map<string, number> {
  const counts = new Map<string, number>();
  for (const s of sentences) {
    for (const t of eachToken(s, cfg)) counts.set(t, (counts.get(t) ?? 0) + 1);
  }
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
 * Encodes sentences into one id array, each followed by <EOS>. Works sentence
 * by sentence into a doubling Int32Array (no array of every corpus token).
 * Every sentence gets its slot, even one with no tokens (it is just <EOS>).
 */
export function encodeCorpus(sentences: readonly string[], vocab: Vocab, cfg: TokenizerConfig): EncodedCorpus {
  const S = sentences.length;
  const starts = new Int32Array(S + 1); // (S+1,)
  let ids = new Int32Array(1024);
  let n = 0;
  let unkCount = 0;
  const push = (id: number): void => {
    if (n === ids.length) {
      const grown = new Int32Array(ids.length * 2);
      grown.set(ids);
      ids = grown;
    }
    ids[n++] = id;
  };
  for (let s = 0; s < S; s++) {
    starts[s] = n;
    for (const t of eachToken(sentences[s], cfg)) {
      const id = idOf(vocab, t);
      if (id === UNK) unkCount++;
      push(id);
    }
    push(EOS);
  }
  starts[S] = n;
  return { ids: ids.slice(0, n), starts, unkCount };
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
  tokens.forEach((t, i) => {
    const id = idOf(vocab, t);
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
    if (cfg.level === 'word' && prev !== null && !NO_SPACE_BEFORE.has(text) && !NO_SPACE_AFTER.has(prev)) {
      parts.push(' ');
    }
    parts.push(text);
    prev = text;
  }
  return parts.join('');
}

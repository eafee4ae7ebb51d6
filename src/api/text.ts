/**
 * Text the user hands rnnlm, read the same way by the command line and the
 * library, so that the two cannot drift apart:
 *
 *   textFromBytes  bytes → text: strict UTF-8, no binary (a NUL byte) nor a
 *                  compressed file (gzip, …), a leading BOM kept for
 *                  normalizeText to drop;
 *   cleanSentence  a sentence given one by one (a `score` argument, an
 *                  element of score()'s array) cleaned as training cleaned
 *                  its lines;
 *   primeOf        a sample's prime: its ids for the model, and the text of a
 *                  sample that starts with the prime as the user wrote it (a
 *                  character or word outside the vocabulary is read as <UNK>
 *                  but shown as given, never as a literal "<UNK>").
 *
 * Pure: no node: import (TextDecoder is a global of every JavaScript platform).
 */
import { firstInvalidUtf8 } from '../checkpoint/json-bytes.js';
import { DataError } from '../core/errors.js';
import { decode, encode, normalizeText, splitSentences, tokenize, type SentenceMode, type TokenizerConfig } from '../core/tokenize.js';
import { UNK, UNK_TOKEN, type Vocab } from '../core/vocab.js';

/** The fix for text that is not UTF-8 (a file, standard input, an argument). */
export const NOT_UTF8_HINT = 'convert it to UTF-8 first (e.g. iconv -f latin1 -t utf-8)';

/**
 * The UTF-8 text of `bytes`; `name` says what they are in the messages
 * ("corpus.txt", "standard input", "train()'s text"). Throws DataError, one
 * line, for a NUL byte (binary data), invalid UTF-8 (overlong forms, encoded
 * surrogates, stray continuation bytes, a sequence cut at the end, code
 * points above U+10FFFF) and for more text than one JavaScript string holds.
 * A leading BOM is kept (normalizeText drops it).
 */
export function textFromBytes(bytes: Uint8Array, name: string): string {
  const packed = compressedError(bytes, name);
  if (packed) throw packed;
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw new DataError(`${name} looks like a binary file (a NUL byte at offset ${nul})`, 'give a UTF-8 text file');
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (err) {
    // V8's longest string is 2^29 − 24 UTF-16 units (~512 MB of ASCII text)
    if ((err as { code?: string }).code === 'ERR_STRING_TOO_LONG') {
      throw new DataError(`${name} is too large to read as one text (${bytes.length} bytes; the limit is about 512 MB)`, 'train on a part of it, e.g. head -c 400M');
    }
    throw notUtf8(bytes, name);
  }
}

/** The signatures of the compressed files a text is often kept in, and the command that decompresses each. */
const COMPRESSED: readonly { magic: readonly number[]; kind: string; tool: string }[] = [
  // with its method byte (8, deflate): a safetensors header length of 0x8b1f is two bytes alike
  { magic: [0x1f, 0x8b, 0x08], kind: 'gzip', tool: 'gunzip -k' },
  { magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], kind: 'xz', tool: 'unxz -k' },
  { magic: [0x28, 0xb5, 0x2f, 0xfd], kind: 'zstd', tool: 'unzstd' },
  // "BZh", the block size 1–9, then the block magic (π's digits): text cannot start so
  { magic: [0x42, 0x5a, 0x68, -1, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59], kind: 'bzip2', tool: 'bunzip2 -k' },
  { magic: [0x50, 0x4b, 0x03, 0x04], kind: 'zip', tool: 'unzip' },
];

/**
 * A DataError when `bytes` (the start of a file) are a compressed file
 * (gzip, xz, zstd, bzip2, zip), naming it and the command that decompresses
 * it; else null. Such a file is no text, and "not UTF-8" or "binary" would
 * not say why.
 */
export function compressedError(bytes: Uint8Array, name: string): DataError | null {
  const c = COMPRESSED.find((x) => bytes.length >= x.magic.length && x.magic.every((b, i) => (b < 0 ? bytes[i]! >= 0x31 && bytes[i]! <= 0x39 : bytes[i] === b)));
  return c ? new DataError(`${name} is compressed (${c.kind})`, `decompress it first (${c.tool})`) : null;
}

/**
 * What is wrong with bytes that are not UTF-8, said precisely: where, and
 * whether the text was merely cut in the middle of a character (`head -c`)
 * rather than written in another encoding.
 */
function notUtf8(bytes: Uint8Array, name: string): DataError {
  const at = firstInvalidUtf8(bytes);
  if (at < 0) return new DataError(`${name} is not valid UTF-8 text`, NOT_UTF8_HINT);
  const lead = bytes[at]!;
  const need = lead >= 0xf0 && lead <= 0xf4 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc2 ? 2 : 0;
  if (need > 0 && at + need > bytes.length && bytes.subarray(at + 1).every((b) => (b & 0xc0) === 0x80)) {
    const left = bytes.length - at;
    return new DataError(`${name} is not valid UTF-8 text: it ends in the middle of a character (the last ${left} byte${left === 1 ? '' : 's'} of a ${need}-byte character) — was it cut short, e.g. by head -c?`,
      'cut text at line boundaries (head -n), or drop the last bytes');
  }
  return new DataError(`${name} is not valid UTF-8 text (byte 0x${lead.toString(16).toUpperCase().padStart(2, '0')} at offset ${at})`, NOT_UTF8_HINT);
}

/**
 * One sentence as training cleaned its lines: a leading BOM dropped, CRLF and
 * CR made LF, trailing whitespace removed. A sentence that is then empty
 * stays: it scores P(<EOS>) at the first step.
 */
export function cleanSentence(sentence: string): string {
  return normalizeText(sentence).trimEnd();
}

export interface Prime {
  /** What the model reads: the prime's token ids (<UNK> for tokens outside the vocabulary). */
  ids: Int32Array;
  /** The distinct tokens outside the vocabulary, in order of first appearance (for a warning). */
  unknown: string[];
  /** The prime as a sample shows it: as given, after the tokenizer's normalisation (BOM, CR, lowercase). */
  shown: string;
  /** A sample's text: the prime as shown, then the generated ids, spaced as decode spaces them at the seam. */
  text(generated: ArrayLike<number>): string;
}

/**
 * The prime of a sample. A token outside the vocabulary is <UNK> for the
 * model, but the user wrote it, so the sample shows it as written: each such
 * token gets an id past the end of the vocabulary in a display vocabulary,
 * and decode, which spaces words by their text, joins prime and continuation
 * exactly as it would if every token were known. The corpus's own unknown
 * marker (`unkToken` at word level) stays <UNK> and shows as that marker,
 * which is also what the user wrote.
 */
export function primeOf(prime: string, vocab: Vocab, tok: TokenizerConfig): Prime {
  const text = normalizeText(prime);
  const { ids, unknown } = encode(text, vocab, tok);
  let display: Vocab = vocab;
  let shownIds: ArrayLike<number> = ids;
  if (unknown.length > 0) {
    const tokens = tokenize(text, tok); // the same tokens encode read, one per id
    const extra = [...vocab.tokens];
    shownIds = Array.from(ids, (id, i) => {
      if (id !== UNK || tokens[i] === UNK_TOKEN) return id;
      extra.push(tokens[i]!);
      return extra.length - 1;
    });
    display = { tokens: extra, index: vocab.index };
  }
  const joined = (generated: ArrayLike<number>): string => {
    if (shownIds.length === 0) return decode(generated, vocab, tok);
    const all = new Array<number>(shownIds.length + generated.length);
    for (let i = 0; i < shownIds.length; i++) all[i] = shownIds[i]!;
    for (let i = 0; i < generated.length; i++) all[shownIds.length + i] = generated[i]!;
    return decode(all, display, tok);
  };
  return { ids, unknown, shown: joined([]), text: joined };
}

/**
 * The sentences of a text (a string, or UTF-8 bytes checked as textFromBytes
 * checks them) as `mode` splits them, refused with a DataError when there are
 * none. `name` names the text, `verb` what was to be done with it.
 */
export function sentencesOfText(text: string | Uint8Array, mode: SentenceMode, name: string, verb: string): string[] {
  const whole = typeof text === 'string' ? text : textFromBytes(text, name);
  const sentences = splitSentences(normalizeText(whole), mode);
  if (sentences.length === 0) throw new DataError(`${name} has no text to ${verb} (empty or only blank lines)`, 'give a UTF-8 text file with at least one non-blank line');
  return sentences;
}

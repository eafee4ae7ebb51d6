/**
 * Reading what the user points rnnlm at: text corpora (a path or '-' for
 * stdin, strictly UTF-8, no binary) and checkpoints (validated by the
 * checkpoint codec).
 */
import { parseCheckpointBytes, type Checkpoint } from '../api/index.js';
import { DataError, RnnlmError } from '../api/index.js';
import { parseArpa, type NgramModel } from '../api/arpa.js';
import { compressedError, NOT_UTF8_HINT, textFromBytes } from '../api/text.js';
import { InputError, UsageError } from './errors.js';
import { wasInvalidUtf8 } from './argv.js';
import type { Host } from './host.js';

/** Bytes of a file, or of stdin for '-'; a compressed file (model.json.gz) refused naming how to decompress it: nothing rnnlm reads is compressed. */
export async function readBytes(host: Host, path: string): Promise<Uint8Array> {
  checkPathArgument(path, 'path');
  const bytes = await (path === '-' ? host.readStdin() : host.readFile(path));
  const packed = compressedError(bytes, sourceName(path));
  if (packed) throw new InputError(packed.message, packed.hint);
  return bytes;
}

/** An input of a command in its role, for checkOneStdin: `fix` says how to give it as a file. */
export interface InputRole {
  /** What it is, in messages: 'corpus', 'model'. */
  role: string;
  /** Its path; '-' is standard input, undefined not given. */
  path: string | undefined;
  /** The hint when it must be a file: 'give the model as a file: -m model.json'. */
  fix: string;
}

/**
 * Standard input can be read once: two inputs given as '-' are a usage
 * error naming both roles (`rnnlm train`'s rule), the hint the second's fix.
 * List the input that is usually piped in first.
 */
export function checkOneStdin(inputs: readonly InputRole[]): void {
  const piped = inputs.filter((i) => i.path === '-');
  if (piped.length < 2) return;
  throw new UsageError(`the ${piped[0]!.role} and the ${piped[1]!.role} cannot both be standard input`, piped[1]!.fix);
}

/** How a path is named in messages: '-' is standard input. */
export const sourceName = (path: string): string => (path === '-' ? 'standard input' : path);

/**
 * UTF-8 text of a file or '-'; refuses binary data and invalid UTF-8 with a
 * one-line reason naming the file. The check itself is the library's
 * (src/api/text.ts textFromBytes), so train(bytes) and `rnnlm train` agree.
 */
export async function readText(host: Host, path: string, options: { checkpointOk?: boolean; expected?: string } = {}): Promise<string> {
  // readBytes has refused a compressed file already
  const bytes = await readBytes(host, path);
  if (!options.checkpointOk) refuseCheckpoint(bytes, sourceName(path), options.expected);
  return asInputError(() => textFromBytes(bytes, sourceName(path)));
}

const CHECKPOINT_START = /^\uFEFF?\s*\{\s*"format"\s*:\s*"rnnlm-(checkpoint|tagger)"/;

/**
 * What no text input is, seen in its first bytes: a compressed file, or an
 * rnnlm checkpoint given where its text was meant (`rnnlm train model.json`
 * would train on the JSON). One line naming the file and what goes there.
 */
export function checkTextStart(bytes: Uint8Array, name: string, expected = 'text'): void {
  const packed = compressedError(bytes, name);
  if (packed) throw new InputError(packed.message, packed.hint);
  refuseCheckpoint(bytes, name, expected);
}

/** A text input (already read: no compressed file) that is an rnnlm checkpoint or tagger: refused as checkTextStart says. */
export function refuseCheckpoint(bytes: Uint8Array, name: string, expected = 'text'): void {
  const kind = CHECKPOINT_START.exec(new TextDecoder().decode(bytes.subarray(0, 256)))?.[1];
  const here = `give ${expected === 'text' ? 'the text' : expected} here`;
  if (kind === 'checkpoint') throw new InputError(`${name} is a language model (an rnnlm checkpoint), not ${expected}`, `${here}; a model goes with -m (to train it further: --resume or --init-from)`);
  if (kind === 'tagger') throw new InputError(`${name} is a tagger (an rnnlm checkpoint), not ${expected}`, `${here}; a tagger goes with -m (to train it further: tag train --resume)`);
}

/** Chunks of an input read as it comes, its first bytes checked as checkTextStart checks a whole text. */
export async function* checkedChunks(chunks: AsyncIterable<Uint8Array>, name: string): AsyncGenerator<Uint8Array> {
  let first = true;
  for await (const c of chunks) {
    if (first && c.length > 0) {
      checkTextStart(c, name);
      first = false;
    }
    yield c;
  }
}

/** An ARPA model from a path; a problem in it is a one-line error naming the file and line (exit 1). */
export async function readNgram(host: Host, path: string): Promise<NgramModel> {
  const text = await readText(host, path, { expected: 'an ARPA n-gram model' });
  return asInputError(() => parseArpa(text, sourceName(path)));
}

/** `read()`, with a DataError about what the user gave (a file's text, an ARPA model) reported as an InputError. */
export function asInputError<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof DataError) throw new InputError(err.message, err.hint);
    throw err;
  }
}

/** A checkpoint from a path; every problem is a one-line error naming the file. */
export async function readCheckpoint(host: Host, path: string): Promise<Checkpoint> {
  const bytes = await readBytes(host, path);
  try {
    return parseCheckpointBytes(bytes, host.backend());
  } catch (err) {
    if (err instanceof RnnlmError) throw new InputError(`${sourceName(path)}: ${err.message}`, err.hint);
    throw err;
  }
}

/**
 * A path given on the command line that was not UTF-8 reached us with U+FFFD
 * in place of its bytes: it would name another file (to read, or worse, to
 * write). Refused (exit 2), naming what it is (`-o path`, `corpus path`).
 */
export function checkPathArgument(path: string | undefined, what: string): void {
  refuseNotUtf8(path, what, 'it would name another file: ', 'use a name in UTF-8');
}

/**
 * Text given on the command line (a sentence, --prime) that was not UTF-8:
 * it would be read with U+FFFD in place of its bytes. Refused (exit 2), as a
 * path is, naming what it is (`--prime text`, `sentence argument 2`).
 */
export function checkTextArgument(text: string | undefined, what: string): void {
  refuseNotUtf8(text, what, 'it would be read as ', NOT_UTF8_HINT);
}

function refuseNotUtf8(arg: string | undefined, what: string, because: string, hint: string): void {
  if (arg !== undefined && wasInvalidUtf8(arg)) {
    throw new UsageError(`the ${what} is not valid UTF-8 (${because}${JSON.stringify(arg.length > 40 ? `${arg.slice(0, 37)}…` : arg)})`, hint);
  }
}

/**
 * Reading what the user points rnnlm at: text corpora (a path or '-' for
 * stdin, strictly UTF-8, no binary) and checkpoints (validated by the
 * checkpoint codec).
 */
import { parseCheckpoint, type Checkpoint } from '../checkpoint/codec.js';
import { RnnlmError } from '../core/errors.js';
import { InputError } from './errors.js';
import type { Host } from './host.js';

/** Bytes of a file, or of stdin for '-'. */
export async function readBytes(host: Host, path: string): Promise<Uint8Array> {
  return path === '-' ? host.readStdin() : host.readFile(path);
}

/** UTF-8 text of a file or '-'; refuses binary data and invalid UTF-8 with a one-line reason. */
export async function readText(host: Host, path: string): Promise<string> {
  const bytes = await readBytes(host, path);
  const name = path === '-' ? 'standard input' : path;
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw new InputError(`${name} looks like a binary file (a NUL byte at offset ${nul})`, 'give a UTF-8 text file');
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (err) {
    // V8's longest string is 2^29 − 24 UTF-16 units (~512 MB of ASCII text)
    if ((err as { code?: string }).code === 'ERR_STRING_TOO_LONG') {
      throw new InputError(`${name} is too large to read as one text (${bytes.length} bytes; the limit is about 512 MB)`, 'train on a part of it, e.g. head -c 400M');
    }
    throw new InputError(`${name} is not valid UTF-8 text`, 'convert it to UTF-8 first (e.g. iconv -f latin1 -t utf-8)');
  }
}

/** A checkpoint from a path; every problem is a one-line error naming the file. */
export async function readCheckpoint(host: Host, path: string): Promise<Checkpoint> {
  const bytes = await readBytes(host, path);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new InputError(`${path} is not an rnnlm checkpoint (not UTF-8 text)`, 'give a model.json written by rnnlm train');
  }
  try {
    return parseCheckpoint(text);
  } catch (err) {
    if (err instanceof RnnlmError) throw new InputError(`${path}: ${err.message}`, err.hint);
    throw err;
  }
}

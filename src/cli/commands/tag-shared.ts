/** What the tag commands share: reading a tagger, naming a label column. */
import { parseTaggerBytes, RnnlmError, type TaggerCheckpoint } from '../../api/index.js';
import { InputError } from '../errors.js';
import type { Host } from '../host.js';
import { readBytes, sourceName } from '../input.js';

/** A tagger from a path ('-': standard input); every problem is one line naming the file. */
export async function readTagger(host: Host, path: string): Promise<TaggerCheckpoint> {
  const bytes = await readBytes(host, path);
  try {
    return parseTaggerBytes(bytes, host.backend());
  } catch (err) {
    if (err instanceof RnnlmError) throw new InputError(`${sourceName(path)}: ${err.message}`, err.hint);
    throw err;
  }
}

/** "upos", "column 2", "the last column": a label column in messages. */
export function columnName(label: string | number): string {
  if (typeof label === 'string') return label.toLowerCase();
  return label === -1 ? 'the last column' : label < 0 ? `column ${label} (from the end)` : `column ${label}`;
}

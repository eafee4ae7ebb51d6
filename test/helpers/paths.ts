/** Where things are, from the compiled tests (dist/test/…): the repository root and its files. */
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** A path inside the repository, e.g. repoPath('test/fixtures/tiny.txt'). */
export function repoPath(relative: string): string {
  return join(repoRoot, relative);
}

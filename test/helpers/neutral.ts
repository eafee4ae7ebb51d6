/**
 * Run code with no Node at all: `entry` (TypeScript importing the project's
 * sources, relative to the repository root, setting `globalThis.run`) is
 * bundled by esbuild for a neutral platform — a `node:` import anywhere on its
 * path fails the bundle — and run in a fresh `vm` context that has the
 * language and what every browser has (TextEncoder, TextDecoder), but no
 * process, require, Buffer, setImmediate or performance. Returns what `run()`
 * resolves to.
 */
import assert from 'node:assert/strict';
import { runInNewContext } from 'node:vm';
import { build } from 'esbuild';
import { repoRoot } from './paths.js';

export async function runWithoutNode<T>(entry: string): Promise<T> {
  const bundle = await build({
    stdin: { contents: entry, resolveDir: repoRoot, loader: 'ts', sourcefile: 'entry.ts' },
    bundle: true, platform: 'neutral', format: 'iife', write: false, logLevel: 'silent',
    mainFields: ['module', 'main'], conditions: ['import', 'default'],
  });
  const context: Record<string, unknown> = { TextEncoder, TextDecoder };
  runInNewContext(bundle.outputFiles[0]!.text, context);
  for (const name of ['process', 'require', 'Buffer', 'setImmediate', 'performance']) {
    assert.equal(runInNewContext(`typeof ${name}`, context), 'undefined', `${name} must not exist in the context`);
  }
  return (context['run'] as () => Promise<T>)();
}

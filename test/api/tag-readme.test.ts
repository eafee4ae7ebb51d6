/**
 * The README's tagger example (section "Tagging (bidirectional RNNs)"), run
 * as it is written: saved inside the package (so `import … from 'rnnlm'`
 * resolves to this package by its own name) and run from the repo root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../helpers/paths.js';

test("the README's tagger example runs and prints what it says", () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Tagging (bidirectional RNNs)'));
  const code = /```js\n([\s\S]*?)```/.exec(section)![1]!;
  // what the comments say it prints
  const said = [...code.matchAll(/console\.log\(.*\);\s*\/\/ (.*)$/gm)].map((m) => m[1]!.trim());
  const file = join(repoRoot, 'dist', 'readme-tag-example.mjs');
  writeFileSync(file, code);
  try {
    const r = spawnSync(process.execPath, [file], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), said);
    assert.deepEqual(said, ['B-PER O B-PER O O B-LOC', '1']);
  } finally {
    rmSync(file, { force: true });
    rmSync(join(repoRoot, 'ner-small.json'), { force: true });
  }
});

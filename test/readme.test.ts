/**
 * The README's Node example, run as it is written: extracted from README.md,
 * saved inside the package (so `import … from 'rnnlm'` resolves to this
 * package by its own name) and run in a child process from the repo root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

test('the README example runs and prints what it says', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## From Node'));
  const code = /```js\n([\s\S]*?)```/.exec(section)![1]!;
  const file = join(root, 'dist', 'readme-example.mjs');
  writeFileSync(file, code);
  try {
    const r = spawnSync(process.execPath, [file], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['max-steps true', '3']);
    assert.match(r.stderr, /step 20: loss \d/);
  } finally {
    rmSync(file, { force: true });
    rmSync(join(root, 'names-small.json'), { force: true });
  }
});

test('the README\'s onnxruntime example runs and prints what rnnlm score says', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Export and import'));
  const code = /```js\n([\s\S]*?)```/.exec(section)![1]!;
  const file = join(root, 'dist', 'readme-onnx-example.mjs');
  const dir = mkdtempSync(join(tmpdir(), 'rnnlm-readme-onnx-'));
  writeFileSync(file, code);
  try {
    const cli = (args: string[]) => spawnSync(process.execPath, [join(root, 'bin/rnnlm.js'), ...args], { cwd: dir, encoding: 'utf8' });
    assert.equal(cli(['train', join(root, 'corpora/names.txt'), '--hidden', '16', '--max-steps', '3', '-q', '--samples', '0', '-o', 'names.json']).status, 0);
    assert.equal(cli(['export', 'names.json', '-o', 'names.onnx', '-q']).status, 0);
    const r = spawnSync(process.execPath, [file], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const score = cli(['score', '-m', 'names.json', 'emma']).stdout.split('\t')[0]!;
    assert.equal(r.stdout.trim(), Number(score).toFixed(4));
  } finally {
    rmSync(file, { force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});

test('npm run demo is the command the README quotes, and runs again over its own names.json (--force: a new run refuses an existing -o)', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const demo = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['demo']!;
  const quoted = /one minute \(`(node bin\/rnnlm\.js train [^`]*)`/.exec(readme)![1]!;
  assert.ok(demo.includes(` ${quoted} `), `${demo} runs ${quoted}`);
  assert.match(quoted, / --force /);
  assert.ok(demo.includes('node bin/rnnlm.js sample -m names.json -n 5'));
});

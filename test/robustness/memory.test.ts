/**
 * Memory: a run that cannot fit is refused before any work, with the size it
 * would need and the option to lower; an allocation that fails anyway is
 * reported as out of memory, never as a bug or a missing file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { oneLineError, runCli, tempDir } from '../helpers/fake-host.js';
import { repoPath } from '../helpers/paths.js';
import { memoryNeed, workspaceFloats } from '../../src/core/memory.js';
import { createWorkspace } from '../../src/core/workspace.js';
import { createModel, type ModelConfig } from '../../src/core/model.js';
import { createWasmKernels } from '../../src/core/wasm/wasm-kernels.js';
import { OutOfMemoryError } from '../../src/core/errors.js';
import { formatError } from '../../src/cli/errors.js';

const CORPUS = repoPath('corpora/sentences.txt');

test('a run too large for memory is refused before any work, with the size and what to lower', async () => {
  const dir = tempDir();
  for (const [args, lower] of [
    [['--hidden', '4096', '--layers', '16'], /lower --hidden, --layers/],
    [['--hidden', '2048', '--batch', '3000', '--bptt', '10000', '--sentence', 'file'], /lower --batch or --bptt/],
  ] as const) {
    const t0 = performance.now();
    const r = await runCli(['train', CORPUS, '-o', join(dir, 'm.json'), ...args, '--threads', '1']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(oneLineError(r.stderr), /this run needs about \d+\.\d GB of memory .* at most 4 GB/);
    assert.match(r.stderr, lower);
    assert.ok(performance.now() - t0 < 5000, 'refused without trying');
  }
  assert.ok(!existsSync(join(dir, 'm.json')));
});

test('the memory estimate counts what a workspace really allocates', () => {
  const config: ModelConfig = { cell: 'lstm', peephole: true, layers: 2, hidden: 6, vocabSize: 11, embedding: 0, dropout: 0.1 };
  let floats = 0;
  createWorkspace(createModel(config), 5, 3, (n) => { floats += n; return new Float32Array(n); });
  assert.equal(workspaceFloats(config, 5, 3), floats);
  // params + grads + two Adam moments + activations, in bytes, by hand for one thread
  const P = createModel(config).layout.total;
  const need = memoryNeed(config, 5, 3, 1, 'adam');
  assert.equal(need.total, 4 * (P + P + 2 * P) + 4 * (floats + 2 * 2 * 3 * 6));
});

test('eval: windows that the corpus really fills and that cannot fit are refused before scoring; larger than the corpus, they shrink to it', async () => {
  const dir = tempDir();
  // a word-level model with 20,002 outputs: every token of a window holds 20,002 logits
  const words = Array.from({ length: 4096 }, (_, i) => Array.from({ length: 12 }, (_, k) => `w${(i * 12 + k) % 20000}`).join(' ')).join('\n');
  const corpus = join(dir, 'words.txt');
  writeFileSync(corpus, words);
  const m = join(dir, 'm.json');
  const t = await runCli(['train', corpus, '-o', m, '--level', 'word', '--hidden', '8', '--layers', '1', '--embedding', '8', '--max-steps', '1', '--val-fraction', '0', '-q', '--samples', '0', '--threads', '1']);
  assert.equal(t.code, 0, t.stderr);
  // 4,096 sentences × 13 steps × 20,002 logits × 4 bytes = 4.3 GB of logits alone
  const r = await runCli(['eval', '-m', m, corpus, '--batch', '4096', '--bptt', '100000', '--threads', '1']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(oneLineError(r.stderr), /this run needs about \d+\.\d GB of memory.*lower --batch or --bptt/);
  // the small corpus of the other tests: --batch 4096 --bptt 100000 shrink to its 220 sentences and longest line
  const small = join(dir, 'small.json');
  assert.equal((await runCli(['train', CORPUS, '-o', small, '--hidden', '8', '--layers', '1', '--max-steps', '1', '-q', '--samples', '0'])).code, 0);
  const a = await runCli(['eval', '-m', small, CORPUS, '--batch', '4096', '--bptt', '100000', '--threads', '1', '--json']);
  const b = await runCli(['eval', '-m', small, CORPUS, '--threads', '1', '--json']);
  assert.equal(a.code, 0, a.stderr);
  assert.ok(Math.abs(JSON.parse(a.stdout).crossEntropy - JSON.parse(b.stdout).crossEntropy) < 1e-9);
});

test('an allocation beyond the WebAssembly memory is an OutOfMemoryError with the size, reported as such', () => {
  const wasm = createWasmKernels();
  if (!wasm) return; // no WebAssembly SIMD here: the reference kernels allocate ordinary arrays
  assert.throws(() => wasm.alloc(2 ** 30 + 1), (e: Error) => e instanceof OutOfMemoryError && /out of memory: 4\.0 GB more were asked for/.test(e.message));
  try {
    wasm.alloc(2 ** 30 + 1);
  } catch (e) {
    assert.match(formatError(e), /^rnnlm: out of memory: .* — lower --hidden/);
  }
  // and a buffer the engine cannot allocate
  assert.match(formatError(new RangeError('Array buffer allocation failed')), /^rnnlm: out of memory \(Array buffer allocation failed\) — lower/);
});

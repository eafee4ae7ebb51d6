/**
 * Broken checkpoints through the command line. From one real checkpoint (a
 * tiny LSTM trained in a temporary directory) the test makes dozens of
 * damaged ones — cut short at random points, a tensor with a wrong length, a
 * field missing, the wrong version, vocabulary and config that disagree, NaN
 * in a weight, not JSON, an empty file, a directory, binary data — and feeds
 * each to `score`, `sample` and `train --resume`. Every one must give one
 * line on stderr naming the file, exit 1, nothing on stdout, no stack trace,
 * no "bug in rnnlm", no hang, and leave the broken file and the output path
 * as they were.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createRng } from '../../src/core/rng.js';
import { oneLineError, runCli, tempDir } from '../helpers/fake-host.js';
import { repoPath } from '../helpers/paths.js';

/** Every temporary directory this file makes, removed when it is done. */
const made: string[] = [];
const scratchDir = (): string => { const d = tempDir(); made.push(d); return d; };
after(() => { for (const d of made) rmSync(d, { recursive: true, force: true }); });

const tiny = repoPath('test/fixtures/tiny.txt');

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Broken {
  name: string;
  /** The file's bytes, or 'dir' for a directory, or 'missing' for no file at all. */
  content: string | Uint8Array | 'dir' | 'missing';
}

/** base64 of little-endian float32 → Float32Array, and back. */
const floats = (b64: string): Float32Array => {
  const bytes = Buffer.from(b64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
};
const base64Of = (x: Float32Array): string => Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('base64');

/** Every damaged variant of the checkpoint text `good`. */
function brokenVariants(good: string): Broken[] {
  const out: Broken[] = [];
  const edit = (name: string, change: (j: Json) => void): void => {
    const j = JSON.parse(good) as Json;
    change(j);
    out.push({ name, content: JSON.stringify(j, null, 2) });
  };

  // ── not a checkpoint at all ──
  out.push({ name: '0-byte file', content: '' });
  out.push({ name: 'only whitespace', content: ' \n\t\n' });
  out.push({ name: 'plain text', content: readFileSync(tiny, 'utf8') });
  out.push({ name: 'a JSON array', content: '[1, 2, 3]' });
  out.push({ name: 'JSON null', content: 'null' });
  out.push({ name: 'a JSON string', content: '"rnnlm-checkpoint"' });
  out.push({ name: 'an empty object', content: '{}' });
  out.push({ name: 'deeply nested arrays', content: '['.repeat(100_000) + ']'.repeat(100_000) });
  const rng = createRng(7);
  const noise = new Uint8Array(4096);
  for (let i = 0; i < noise.length; i++) noise[i] = rng.int(256);
  noise[10] = 0;
  out.push({ name: 'random binary bytes', content: noise });
  out.push({ name: 'the checkpoint in UTF-16', content: Buffer.from('\ufeff' + good, 'utf16le') });
  out.push({ name: 'the checkpoint with a NUL byte inside', content: Buffer.concat([Buffer.from(good.slice(0, 100)), Buffer.from([0]), Buffer.from(good.slice(101))]) });
  out.push({ name: 'garbage after the JSON', content: good + 'xyz' });
  out.push({ name: 'two checkpoints back to back', content: good + good });
  out.push({ name: 'a directory', content: 'dir' });
  out.push({ name: 'no such file', content: 'missing' });

  // ── cut short: at the first bytes, at the last, and at random points in between ──
  const cuts = new Set([1, 2, good.indexOf('"tensors"'), good.trimEnd().length - 1]);
  while (cuts.size < 16) cuts.add(1 + rng.int(good.trimEnd().length - 2));
  for (const at of [...cuts].sort((a, b) => a - b)) out.push({ name: `truncated at byte ${at} of ${good.length}`, content: good.slice(0, at) });

  // ── header ──
  edit('format: another program', (j) => { j.format = 'keras'; });
  edit('format missing', (j) => { delete j.format; });
  edit('version 2 (from the future)', (j) => { j.version = 2; });
  edit('version 0', (j) => { j.version = 0; });
  edit('version "1" as a string', (j) => { j.version = '1'; });
  edit('version missing', (j) => { delete j.version; });

  // ── a top-level field missing or of the wrong type ──
  for (const k of ['meta', 'config', 'tokenizer', 'vocab', 'tensors', 'training']) edit(`${k} missing`, (j) => { delete j[k]; });
  edit('tensors is an object', (j) => { j.tensors = {}; });
  edit('meta holds an object', (j) => { j.meta.corpus = { a: 1 }; });

  // ── config ──
  for (const k of ['cell', 'peephole', 'layers', 'hidden', 'vocabSize', 'embedding', 'dropout']) edit(`config.${k} missing`, (j) => { delete j.config[k]; });
  edit('cell "transformer"', (j) => { j.config.cell = 'transformer'; });
  edit('cell "gru" (tensors of an LSTM)', (j) => { j.config.cell = 'gru'; });
  edit('layers 0', (j) => { j.config.layers = 0; });
  edit('layers 2 (one layer of tensors)', (j) => { j.config.layers = 2; });
  edit('layers 1e6', (j) => { j.config.layers = 1e6; });
  edit('hidden -1', (j) => { j.config.hidden = -1; });
  edit('hidden 1.5', (j) => { j.config.hidden = 1.5; });
  edit('hidden 1e9 (must not allocate)', (j) => { j.config.hidden = 1e9; });
  edit('hidden as a string', (j) => { j.config.hidden = String(j.config.hidden); });
  edit('embedding 4 (no embedding tensor)', (j) => { j.config.embedding = 4; });
  edit('dropout 1.5', (j) => { j.config.dropout = 1.5; });
  edit('peephole on (no peephole tensors)', (j) => { j.config.peephole = true; });

  // ── tokenizer ──
  edit('tokenizer.level "byte"', (j) => { j.tokenizer.level = 'byte'; });
  edit('tokenizer.sentence missing', (j) => { delete j.tokenizer.sentence; });
  edit('tokenizer.lowercase "yes"', (j) => { j.tokenizer.lowercase = 'yes'; });

  // ── vocabulary vs config: ids out of range of the output layer ──
  edit('vocabSize one more than the vocabulary', (j) => { j.config.vocabSize += 1; });
  edit('vocabSize one less than the vocabulary', (j) => { j.config.vocabSize -= 1; });
  edit('vocabSize 1', (j) => { j.config.vocabSize = 1; });
  edit('a vocabulary token removed', (j) => { j.vocab.tokens.pop(); });
  edit('a vocabulary token added', (j) => { j.vocab.tokens.push('zz'); });
  edit('vocabSize and tokens grown together (output layer too small)', (j) => { j.vocab.tokens.push('zz'); j.config.vocabSize += 1; if (j.vocab.counts) j.vocab.counts.push(1); });
  edit('<EOS> and <UNK> swapped', (j) => { [j.vocab.tokens[0], j.vocab.tokens[1]] = [j.vocab.tokens[1], j.vocab.tokens[0]]; });
  edit('a vocabulary token twice', (j) => { j.vocab.tokens[3] = j.vocab.tokens[2]; });
  edit('a vocabulary token is a number', (j) => { j.vocab.tokens[2] = 5; });
  edit('vocab.counts one short', (j) => { j.vocab.counts.pop(); });
  edit('a negative count', (j) => { j.vocab.counts[2] = -1; });

  // ── tensors ──
  const t0 = (j: Json) => j.tensors[0] as { name: string; shape: number[]; dtype: string; data: string };
  edit('a tensor one float short', (j) => { const t = t0(j); t.data = base64Of(floats(t.data).subarray(1)); });
  edit('a tensor one float long', (j) => { const t = t0(j); t.data = base64Of(Float32Array.from([...floats(t.data), 0.5])); });
  edit('a tensor with its base64 cut mid-group', (j) => { const t = t0(j); t.data = t.data.slice(0, -3); });
  edit('a tensor with a character outside base64', (j) => { const t = t0(j); t.data = '!' + t.data.slice(1); });
  edit('a tensor with an empty data string', (j) => { t0(j).data = ''; });
  edit('a tensor with a wrong shape', (j) => { const t = t0(j); t.shape = [...t.shape].reverse(); });
  edit('a tensor with dtype float64', (j) => { t0(j).dtype = 'float64'; });
  edit('a tensor renamed', (j) => { t0(j).name = 'weight_ih_l9'; });
  edit('two tensors swapped', (j) => { [j.tensors[0], j.tensors[1]] = [j.tensors[1], j.tensors[0]]; });
  edit('a tensor removed', (j) => { j.tensors.pop(); });
  edit('a tensor twice', (j) => { j.tensors.push(j.tensors[0]); });
  for (const [what, value] of [['NaN', NaN], ['+Infinity', Infinity], ['-Infinity', -Infinity]] as const) {
    edit(`${what} in a weight (base64 edited)`, (j) => {
      const t = j.tensors[j.tensors.length - 1];
      const x = floats(t.data);
      x[x.length >> 1] = value;
      t.data = base64Of(x);
    });
  }

  // ── training state ──
  edit('optimizer.m one float short', (j) => { const o = j.training.state.optimizer; o.m = base64Of(floats(o.m).subarray(1)); });
  edit('optimizer.v missing but m present', (j) => { j.training.state.optimizer.v = null; });
  edit('NaN in optimizer.m', (j) => { const o = j.training.state.optimizer; const m = floats(o.m); m[0] = NaN; o.m = base64Of(m); });
  edit('rng state of 3 numbers', (j) => { j.training.state.rng.pop(); });
  edit('step -1', (j) => { j.training.state.step = -1; });
  edit('training.config.batch 0', (j) => { j.training.config.batch = 0; });
  edit('training.config.optimizer.kind "rmsprop"', (j) => { j.training.config.optimizer.kind = 'rmsprop'; });
  edit('a history record without a step', (j) => { j.training.state.history.push({ epoch: 1 }); });
  return out;
}

/** Damage a checkpoint's training settings only `train --resume` uses (score and sample may accept them). */
function brokenTrainingSettings(good: string): Broken[] {
  const out: Broken[] = [];
  const edit = (name: string, change: (j: Json) => void): void => {
    const j = JSON.parse(good) as Json;
    change(j);
    out.push({ name, content: JSON.stringify(j, null, 2) });
  };
  edit('training.config.bptt 1e9', (j) => { j.training.config.bptt = 1e9; });
  edit('training.config.lr "Infinity"', (j) => { j.training.config.lr = 'Infinity'; });
  edit('training.config.lr -1', (j) => { j.training.config.lr = -1; });
  return out;
}

function write(dir: string, i: number, b: Broken): string {
  const path = join(dir, `broken-${String(i).padStart(3, '0')}.json`);
  if (b.content === 'dir') mkdirSync(path);
  else if (b.content !== 'missing') writeFileSync(path, b.content);
  return path;
}

let good = '';
let dir = '';

before(async () => {
  dir = scratchDir();
  const m = join(dir, 'm.json');
  const r = await runCli(['train', tiny, '-o', m, '--hidden', '8', '--layers', '1', '--epochs', '2', '--samples', '0', '-q']);
  assert.equal(r.code, 0, r.stderr);
  good = readFileSync(m, 'utf8');
});

/** The three commands a checkpoint goes into, each with its own output path. */
function commands(path: string, out: string): [string, string[]][] {
  return [
    ['score', ['score', '-m', path, 'abc']],
    ['sample', ['sample', '-m', path, '-n', '2', '--seed', '1']],
    ['train --resume', ['train', tiny, '-o', out, '--resume', path, '--samples', '0', '-q']],
  ];
}

async function expectRefused(path: string, b: Broken, cmd: string, argv: string[], out: string): Promise<void> {
  const original = b.content === 'dir' || b.content === 'missing' ? null : readFileSync(path);
  const r = await runCli(argv);
  const what = `${b.name} → ${cmd}: ${r.stderr}`;
  assert.equal(r.code, 1, what);
  assert.equal(r.stdout, '', `${what}: nothing on stdout`);
  const line = oneLineError(r.stderr);
  assert.ok(line.startsWith('rnnlm: '), what);
  assert.ok(line.includes(basename(path)), `${what}: the message names the file`);
  assert.doesNotMatch(line, /bug in rnnlm|internal error|undefined|\[object /, what);
  assert.ok(line.length < 400, `${what}: one short line`);
  if (original) assert.deepEqual(readFileSync(path), original, `${what}: the broken file is untouched`);
  assert.ok(!existsSync(out), `${what}: no output written`);
}

test('a training setting with no upper bound is said as such: "lr should be a finite number above 0", not "… to 1.7976931348623157e+308"', async () => {
  const j = JSON.parse(good) as Json;
  j.training.config.lr = -1;
  const path = join(dir, 'lr-negative.json');
  writeFileSync(path, JSON.stringify(j));
  const r = await runCli(['info', path]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(oneLineError(r.stderr), /checkpoint field training\.config\.lr should be a finite number above 0, got -1 — /);
});

describe('broken checkpoints into score, sample and train --resume', () => {
  test('the base checkpoint itself works in all three (so each refusal below is the damage)', { timeout: 60_000 }, async () => {
    const path = join(dir, 'good.json');
    writeFileSync(path, good);
    const out = join(dir, 'good-out.json');
    for (const [cmd, argv] of commands(path, out)) {
      const r = await runCli(argv);
      assert.equal(r.code, 0, `${cmd}: ${r.stderr}`);
    }
  });

  test('every damaged checkpoint: one line naming the file, exit 1, no stdout, nothing written', { timeout: 120_000 }, async () => {
    const variants = brokenVariants(good);
    assert.ok(variants.length >= 60, `${variants.length} variants`);
    const names = new Set(variants.map((v) => v.name));
    assert.equal(names.size, variants.length, 'variant names are distinct');
    for (const [i, b] of variants.entries()) {
      const path = write(dir, i, b);
      for (const [cmd, argv] of commands(path, join(dir, `out-${i}.json`))) await expectRefused(path, b, cmd, argv, join(dir, `out-${i}.json`));
    }
  });

  test('checkpoint from stdin (-m -) that is broken: same one-line error', { timeout: 30_000 }, async () => {
    for (const stdin of ['', '{"format": "rnnlm-checkpoint"', 'not json']) {
      const r = await runCli(['score', '-m', '-', 'abc'], { stdin });
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(oneLineError(r.stderr), /^rnnlm: standard input: (checkpoint|not an rnnlm checkpoint)/, 'named as the tagger reader names it, not "-:"');
    }
  });

  // Damage that only matters when training resumes: the checkpoint schema bounds the
  // training settings, so the file is refused when it is read, as a damaged checkpoint.
  test('damaged training settings: train --resume refuses them as a damaged checkpoint', { timeout: 60_000 }, async () => {
    for (const [i, b] of brokenTrainingSettings(good).entries()) {
      const path = write(dir, 500 + i, b);
      const out = join(dir, `out-t${i}.json`);
      await expectRefused(path, b, 'train --resume', ['train', tiny, '-o', out, '--resume', path, '--samples', '0', '-q'], out);
    }
  });
});

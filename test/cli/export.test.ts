/**
 * rnnlm export / rnnlm import on the command line: a model goes out as
 * safetensors and comes back scoring exactly as before (model only); weights
 * without rnnlm's metadata need --config; the refusals (ONNX not yet, an
 * unknown extension, the same file twice, standard output).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCheckpoint } from '../../src/checkpoint/codec.js';
import { oneLineError, runCli, tempDir } from '../helpers/fake-host.js';

test('export → import: the same scores, bit for bit; the file is model-only; metadata-less weights need --config', async () => {
  const d = tempDir();
  const corpus = join(d, 'c.txt');
  writeFileSync(corpus, 'emma\nolivia\nava\nisabella\nsophia\nmia\n');
  const model = join(d, 'm.json'), st = join(d, 'm.safetensors'), back = join(d, 'back.json');
  assert.equal((await runCli(['train', corpus, '-o', model, '--hidden', '12', '--max-steps', '3', '--val-fraction', '0', '-q', '--samples', '0'])).code, 0);
  const e = await runCli(['export', model, '-o', st]);
  assert.equal(e.code, 0, e.stderr);
  assert.match(e.stderr, /wrote .*m\.safetensors: [\d,]+ parameters, .*, \d+ float32 tensors/);
  const i = await runCli(['import', st, '-o', back]);
  assert.equal(i.code, 0, i.stderr);
  const a = parseCheckpoint(readFileSync(model, 'utf8')), b = parseCheckpoint(readFileSync(back, 'utf8'));
  assert.deepEqual(new Uint8Array(b.model.params.data.buffer), new Uint8Array(a.model.params.data.buffer));
  assert.equal(b.training, null);
  assert.deepEqual(b.vocab.tokens, a.vocab.tokens);
  const s1 = await runCli(['score', '-m', model, '--json', 'emma', 'zz']), s2 = await runCli(['score', '-m', back, '--json', 'emma', 'zz']);
  assert.equal(s2.stdout, s1.stdout);
  // the same tensors without the metadata: a file written elsewhere
  const bytes = readFileSync(st);
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as Record<string, unknown>;
  delete header['__metadata__'];
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  const bare = join(d, 'bare.safetensors');
  writeFileSync(bare, Buffer.concat([len, json, bytes.subarray(8 + n)]));
  const no = await runCli(['import', bare, '-o', join(d, 'x.json')]);
  assert.equal(no.code, 1);
  assert.match(oneLineError(no.stderr), /does not say which model it is.*--config model\.json/);
  assert.ok(!existsSync(join(d, 'x.json')));
  const yes = await runCli(['import', bare, '--config', model, '-o', join(d, 'x.json')]);
  assert.equal(yes.code, 0, yes.stderr);
  assert.equal((await runCli(['score', '-m', join(d, 'x.json'), '--json', 'emma', 'zz'])).stdout, s1.stdout);
});

test('export and import refusals: an extension that says nothing, the same file twice, standard output, a checkpoint given as weights', async () => {
  const d = tempDir();
  const corpus = join(d, 'c.txt');
  writeFileSync(corpus, 'emma\nolivia\n');
  const model = join(d, 'm.json');
  assert.equal((await runCli(['train', corpus, '-o', model, '--hidden', '8', '--max-steps', '1', '--val-fraction', '0', '-q', '--samples', '0'])).code, 0);
  const cases: [string[], number, RegExp][] = [
    [['export', model, '-o', join(d, 'm.bin')], 2, /cannot tell the format.*--format onnx\|safetensors/],
    [['export', model, '-o', model, '--format', 'safetensors'], 1, /are both/],
    [['export', model, '-o', '-'], 2, /standard output/],
    [['export', model, '-o', join(d, 'm.st'), '--format', 'tflite'], 2, /--format must be safetensors or onnx/],
    [['import', model, '-o', join(d, 'x.json')], 1, /not a safetensors file/],
    [['import', join(d, 'missing.safetensors'), '-o', join(d, 'x.json')], 1, /does not exist/],
  ];
  for (const [argv, code, re] of cases) {
    const r = await runCli(argv);
    assert.equal(r.code, code, `${argv.join(' ')}: ${r.stderr}`);
    assert.match(oneLineError(r.stderr), re, argv.join(' '));
  }
  // --format against the name's extension: written as asked, with a warning naming both (none with -q)
  const onnxName = join(d, 'x.onnx');
  const w = await runCli(['export', model, '-o', onnxName, '--format', 'safetensors']);
  assert.equal(w.code, 0, w.stderr);
  assert.equal(readFileSync(onnxName).subarray(8, 9).toString(), '{', 'a safetensors header');
  const [warning, ...rest] = w.stderr.trim().split('\n');
  assert.match(warning!, /^warning: .*x\.onnx holds safetensors \(--format safetensors\), but its name says ONNX — name it \*\.safetensors, or drop --format to write ONNX$/);
  assert.equal(rest.length, 1);
  assert.match(rest[0]!, /^wrote .*x\.onnx: /);
  assert.equal((await runCli(['export', model, '-o', onnxName, '--format', 'safetensors', '-q'])).stderr, '');
  assert.doesNotMatch((await runCli(['export', model, '-o', onnxName, '--format', 'onnx'])).stderr, /warning/);
});

/**
 * rnnlm encode: a text as the model's token ids in a safetensors file. The
 * expected ids are looked up by hand in the model's vocabulary, line by line,
 * <EOS> (0) after each, unknown characters <UNK> (1); the file is read back
 * with the project's safetensors reader, whose layout the checkpoint tests
 * check by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCheckpoint } from '../../src/checkpoint/codec.js';
import { oneLineError, runCli, tempDir } from '../helpers/fake-host.js';

/** The I32 tensors of an ids file, read by hand: length, JSON header, little-endian int32 data. */
function readIds(bytes: Buffer): { meta: Record<string, string>; ids: number[]; starts: number[] } {
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }> & { __metadata__: Record<string, string> };
  const take = (name: string) => {
    const t = header[name]!;
    assert.equal(t.dtype, 'I32');
    const out: number[] = [];
    for (let at = t.data_offsets[0]; at < t.data_offsets[1]; at += 4) out.push(bytes.readInt32LE(8 + n + at));
    return out;
  };
  return { meta: header.__metadata__, ids: take('ids'), starts: take('starts') };
}

test('encode: each line\'s tokens by the model\'s vocabulary, <EOS> after each, <UNK> for the unknown; sentence starts; metadata', async () => {
  const d = tempDir();
  const corpus = join(d, 'c.txt'), model = join(d, 'm.json'), out = join(d, 'ids.safetensors');
  writeFileSync(corpus, 'emma\nolivia\nava\n');
  assert.equal((await runCli(['train', corpus, '-o', model, '--hidden', '8', '--max-steps', '1', '--val-fraction', '0', '-q', '--samples', '0'])).code, 0);
  const text = join(d, 't.txt');
  writeFileSync(text, 'ava\n\nlxz\r\nemma');
  const r = await runCli(['encode', '-m', model, text, '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /wrote .*: 13 token ids in 3 sentences \(<EOS> included; 2 <UNK>\)/);
  const ck = parseCheckpoint(readFileSync(model, 'utf8'));
  const id = (ch: string) => ck.vocab.index.get(ch) ?? 1;
  const want = ['ava', 'lxz', 'emma'].flatMap((w) => [...[...w].map(id), 0]);
  const got = readIds(readFileSync(out));
  assert.deepEqual(got.ids, want);
  assert.deepEqual(got.starts, [0, 4, 8, 13]);
  assert.deepEqual([got.meta['format'], got.meta['vocabSize'], got.meta['sentence'], got.meta['unknownTokens']], ['rnnlm-ids', String(ck.vocab.tokens.length), 'line', '2']);
  for (const [argv, re] of [
    [['encode', '-m', model, text, '-o', text], /are both/],
    [['encode', '-m', model, join(d, 'none.txt'), '-o', out], /does not exist/],
    [['encode', text, '-o', out], /-m/],
  ] as const) {
    const e = await runCli([...argv]);
    assert.notEqual(e.code, 0);
    assert.match(oneLineError(e.stderr), re);
  }
});

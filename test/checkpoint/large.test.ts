/**
 * Opt-in (RNNLM_SLOW_TESTS=1; ~20 s, ~1.6 GB of memory, ~650 MB in the
 * temporary directory): a checkpoint larger than V8's string limit. A
 * ~40M-parameter LSTM (2 layers, hidden 1800, a char vocabulary of 70) with
 * Adam's moments is written through serializeCheckpointChunks into a file
 * chunk by chunk, read back with parseCheckpointBytes, and compared bit for
 * bit. The time of each phase and the peak resident memory are printed as
 * test diagnostics. RNNLM_LARGE_HIDDEN changes the hidden size (2048 gives
 * ~51M parameters, an ~820 MB file).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCheckpointBytes, serializeCheckpointChunks, type Checkpoint } from '../../src/checkpoint/codec.js';
import { createModel, type ModelConfig } from '../../src/core/model.js';
import { defaultTrainConfig, newTrainState } from '../../src/core/train.js';
import { vocabFromTokens } from '../../src/core/vocab.js';

const V8_STRING_LIMIT = 2 ** 29 - 24; // characters (one-byte strings), Node 20 on 64-bit

/** Fills with finite float32 bit patterns (exponent's top bit cleared), from a xorshift32 stream: fast for 40M values. */
function fill(a: Float32Array, seed: number): void {
  const u = new Uint32Array(a.buffer, a.byteOffset, a.length);
  let s = seed | 0 || 1;
  for (let i = 0; i < u.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    u[i] = (s >>> 0) & 0xbfffffff;
  }
}

const same = (a: Float32Array | Float64Array | null, b: Float32Array | Float64Array | null): boolean =>
  a !== null && b !== null && Buffer.compare(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), new Uint8Array(b.buffer, b.byteOffset, b.byteLength)) === 0;

test('a ~40M-parameter LSTM with Adam moments: written in chunks to a file past the string limit, read back bit for bit', {
  skip: process.env['RNNLM_SLOW_TESTS'] !== '1' && 'set RNNLM_SLOW_TESTS=1 to run',
  timeout: 600_000,
}, (t) => {
  const hidden = Number(process.env['RNNLM_LARGE_HIDDEN'] ?? 1800);
  const chars = [...'\n !"\'(),-.0123456789:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'].slice(0, 68);
  const tokens = ['<EOS>', '<UNK>', ...chars];
  const config: ModelConfig = { cell: 'lstm', peephole: false, layers: 2, hidden, vocabSize: tokens.length, embedding: 0, dropout: 0 };
  const model = createModel(config);
  fill(model.params.data as Float32Array, 1);
  const cfg = { ...defaultTrainConfig, batch: 4 };
  const state = newTrainState(model, cfg, [1, 2, 3, 4]);
  fill(state.opt.m as Float32Array, 2);
  fill(state.opt.v as Float32Array, 3);
  state.carry = new Float32Array(2 * 2 * 4 * hidden);
  fill(state.carry, 4);
  const ck: Checkpoint = {
    model, tokenizer: { level: 'char', lowercase: false, unkToken: null, sentence: 'paragraph' },
    vocab: vocabFromTokens(tokens), counts: null, meta: { test: 'large' },
    training: { options: { hidden, layers: 2 }, config: cfg, state },
  };
  const P = model.params.data.length;
  t.diagnostic(`${P} parameters (${(P / 1e6).toFixed(1)}M), hidden ${hidden}`);

  const dir = mkdtempSync(join(tmpdir(), 'rnnlm-large-'));
  try {
    const path = join(dir, 'model.json');
    let t0 = performance.now();
    const fd = openSync(path, 'w');
    let chunks = 0, longest = 0;
    try {
      for (const chunk of serializeCheckpointChunks(ck)) {
        writeSync(fd, chunk);
        chunks++;
        longest = Math.max(longest, chunk.length);
      }
    } finally {
      closeSync(fd);
    }
    const size = statSync(path).size;
    t.diagnostic(`write: ${((performance.now() - t0) / 1000).toFixed(1)} s, ${(size / 1e6).toFixed(0)} MB in ${chunks} chunks of at most ${longest} characters`);
    assert.ok(size > V8_STRING_LIMIT, `the file (${size} bytes) is larger than any JS string`);
    assert.ok(longest <= 4 * 2 ** 20);

    t0 = performance.now();
    const bytes = readFileSync(path);
    const readMs = performance.now() - t0;
    t0 = performance.now();
    const back = parseCheckpointBytes(bytes);
    t.diagnostic(`read: readFileSync ${(readMs / 1000).toFixed(1)} s, parseCheckpointBytes ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    assert.deepEqual(back.model.config, config);
    assert.ok(same(back.model.params.data, model.params.data), 'parameters bit for bit');
    assert.ok(same(back.training!.state.opt.m, state.opt.m), 'Adam m bit for bit');
    assert.ok(same(back.training!.state.opt.v, state.opt.v), 'Adam v bit for bit');
    assert.ok(same(back.training!.state.carry, state.carry), 'carry bit for bit');
    assert.deepEqual(back.training!.state.rng, state.rng);
    assert.deepEqual(back.training!.state.history, state.history);
    assert.deepEqual(back.vocab.tokens, tokens);
    t.diagnostic(`peak resident memory: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

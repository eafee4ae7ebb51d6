/**
 * parseCheckpoint on damaged text: whatever the mutation of a valid file
 * (cut short, characters replaced, keys deleted, values replaced by random
 * JSON, numbers changed), the result is a Checkpoint or a CheckpointError,
 * never another exception. And what it accepts, serializeCheckpoint writes
 * back, to text that reads back to the same checkpoint.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { CheckpointError, parseCheckpoint, serializeCheckpoint, type Checkpoint } from '../../src/checkpoint/codec.js';
import { VARIANTS, bytesOf, makeCheckpoint } from './tiny-checkpoint.js';

const texts = [
  serializeCheckpoint(makeCheckpoint(VARIANTS[0]!, false)),
  serializeCheckpoint(makeCheckpoint(VARIANTS[2]!, true)),
  serializeCheckpoint(makeCheckpoint(VARIANTS[6]!, true)),
];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Path = (string | number)[];

/** Every path to a value inside j (the root excluded), depth first. */
function paths(j: Json, prefix: Path = [], out: Path[] = []): Path[] {
  if (Array.isArray(j)) j.forEach((v, i) => { out.push([...prefix, i]); paths(v, [...prefix, i], out); });
  else if (j !== null && typeof j === 'object') for (const [k, v] of Object.entries(j)) { out.push([...prefix, k]); paths(v, [...prefix, k], out); }
  return out;
}

function parentOf(j: Json, path: Path): { parent: Json[] | { [k: string]: Json }; key: string | number } {
  let p: Json = j;
  for (const k of path.slice(0, -1)) p = (p as Record<string | number, Json>)[k]!;
  return { parent: p as Json[] | { [k: string]: Json }, key: path[path.length - 1]! };
}

/** Parses, and when that succeeds checks that the checkpoint writes and reads back to itself. */
function outcome(text: string): 'ok' | 'error' {
  let ck: Checkpoint;
  try {
    ck = parseCheckpoint(text);
  } catch (e) {
    if (e instanceof CheckpointError) {
      assert.doesNotMatch(e.message, /[\n\r]/);
      return 'error';
    }
    throw new Error(`not a CheckpointError: ${String(e)}\n${(e as Error)?.stack ?? ''}`);
  }
  const again = serializeCheckpoint(ck);
  const back = parseCheckpoint(again);
  assert.deepEqual(bytesOf(back.model.params.data), bytesOf(ck.model.params.data));
  assert.equal(serializeCheckpoint(back), again);
  return 'ok';
}

const CHARS = fc.constantFrom(...'{}[]",:0123456789.-+eE AZaz/=\\\n\u00e9\u2028\ud83d'.split(''));

test('cut short anywhere: a CheckpointError', () => {
  fc.assert(fc.property(fc.constantFrom(...texts), fc.double({ min: 0, max: 1, noNaN: true }), (text, at) => {
    const cut = text.slice(0, Math.floor(at * text.length));
    assert.equal(outcome(cut), cut.trimEnd() === text.trimEnd() ? 'ok' : 'error'); // only the final newline may go
  }), { numRuns: 150 });
});

test('characters replaced: a Checkpoint or a CheckpointError', () => {
  fc.assert(fc.property(
    fc.constantFrom(...texts),
    fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), CHARS), { minLength: 1, maxLength: 4 }),
    (text, edits) => {
      let t = text;
      for (const [at, ch] of edits) {
        const i = Math.floor(at * t.length);
        t = t.slice(0, i) + ch + t.slice(i + 1);
      }
      outcome(t);
    },
  ), { numRuns: 300 });
});

test('a key deleted: a Checkpoint or a CheckpointError', () => {
  fc.assert(fc.property(fc.constantFrom(...texts), fc.nat(), (text, pick) => {
    const j = JSON.parse(text) as Json;
    const all = paths(j);
    const { parent, key } = parentOf(j, all[pick % all.length]!);
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key as string];
    outcome(JSON.stringify(j));
  }), { numRuns: 200 });
});

test('a value replaced by random JSON: a Checkpoint or a CheckpointError', () => {
  fc.assert(fc.property(fc.constantFrom(...texts), fc.nat(), fc.jsonValue({ maxDepth: 3 }), (text, pick, value) => {
    const j = JSON.parse(text) as Json;
    const all = paths(j);
    const { parent, key } = parentOf(j, all[pick % all.length]!);
    (parent as Record<string | number, Json>)[key] = value as Json;
    outcome(JSON.stringify(j));
  }), { numRuns: 300 });
});

test('a number changed: a Checkpoint or a CheckpointError, and an accepted one round-trips', () => {
  const number = fc.oneof(fc.double(), fc.integer(), fc.nat({ max: 10 }), fc.constantFrom(-0, 0.5, 2 ** 32, 2 ** 53, -1, 1e300));
  let accepted = 0;
  fc.assert(fc.property(fc.constantFrom(...texts), fc.nat(), number, (text, pick, value) => {
    const j = JSON.parse(text) as Json;
    const numeric = paths(j).filter((p) => typeof parentOf(j, p).parent[p[p.length - 1] as never] === 'number');
    const { parent, key } = parentOf(j, numeric[pick % numeric.length]!);
    (parent as Record<string | number, Json>)[key] = value;
    if (outcome(JSON.stringify(j)) === 'ok') accepted++;
  }), { numRuns: 300 });
  assert.ok(accepted > 0, 'some changed numbers are still valid checkpoints');
});

test('any finite float32 weights round-trip bit for bit', () => {
  const ck = makeCheckpoint(VARIANTS[5]!, true);
  const n = ck.model.params.data.length;
  fc.assert(fc.property(fc.float32Array({ noNaN: true, noDefaultInfinity: true, minLength: n, maxLength: n }), (weights) => {
    ck.model.params.data.set(weights);
    const back = parseCheckpoint(serializeCheckpoint(ck));
    assert.deepEqual(bytesOf(back.model.params.data), bytesOf(ck.model.params.data));
  }), { numRuns: 100 });
});

test('one weight changed in the file by hand: read back exactly', () => {
  fc.assert(fc.property(fc.constantFrom(...texts), fc.nat(), fc.nat(), fc.float({ noNaN: true, noDefaultInfinity: true }), (text, ti, vi, value) => {
    const j = JSON.parse(text);
    const t = j.tensors[ti % j.tensors.length];
    const buf = Buffer.from(t.data, 'base64');
    const i = vi % (buf.length / 4);
    buf.writeFloatLE(value, 4 * i);
    t.data = buf.toString('base64');
    const ck = parseCheckpoint(JSON.stringify(j));
    const slot = ck.model.layout.tensors.find((s) => s.name === t.name)!;
    assert.ok(Object.is(ck.model.params.data[slot.offset + i], value));
    assert.equal(outcome(JSON.stringify(j)), 'ok');
  }), { numRuns: 100 });
});

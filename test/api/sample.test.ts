/**
 * api/sample.ts: one sampling path for `rnnlm sample`, the library and
 * train's closing samples. Samples come one at a time and stop after `n`;
 * every sample starts with the prime as written and ends as it says (<EOS>
 * before the cap, or exactly at the cap); greedy sampling ignores the seed;
 * the command line prints exactly what the api draws.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { basicPlatform } from '../../src/api/platform.js';
import { sample, startSampling } from '../../src/api/sample.js';
import { OptionError } from '../../src/core/errors.js';
import { nodePlatform } from '../../src/node/platform.js';
import { runCli } from '../helpers/fake-host.js';
import { ENV, tinyModel, type TinyModel } from './tiny-model.js';

let m: TinyModel;
before(async () => { m = await tinyModel(); });
after(() => rmSync(m.dir, { recursive: true, force: true }));

test('one at a time: n samples then null; each starts with the prime as written; <EOS> before the cap or exactly the cap', () => {
  const run = startSampling(basicPlatform(), m.ref, { n: 40, prime: 'bQ', maxLength: 6, seed: 9 });
  assert.deepEqual([run.count, run.maxLength, run.seed], [40, 6, 9]);
  assert.deepEqual(run.prime.unknown, ['Q'], 'the unknown character, for a warning');
  assert.equal(run.prime.shown, 'bQ');
  const got = [];
  for (let s = run.next(); s !== null; s = run.next()) got.push(s);
  assert.equal(got.length, 40);
  assert.equal(run.next(), null);
  for (const s of got) {
    assert.ok(s.text.startsWith('bQ') && !s.text.includes('<UNK>'), s.text);
    assert.equal([...s.text].length, 2 + s.tokens, 'the prime, then one character per token drawn');
    if (s.end === 'eos') assert.ok(s.tokens < 6, `${s.tokens}`); else assert.equal(s.tokens, 6);
  }
  assert.ok(got.some((s) => s.end === 'eos'), 'a trained model ends some lines');
  // sample() is the same draws, collected
  assert.deepEqual(sample(basicPlatform(), m.ref, { n: 40, prime: 'bQ', maxLength: 6, seed: 9 }), got.map((s) => s.text));
});

test('greedy: every sample is the same, whatever the seed; the default cap is 200 characters', () => {
  const a = sample(basicPlatform(), m.ref, { n: 3, greedy: true, seed: 1 });
  const b = sample(basicPlatform(), m.ref, { n: 2, greedy: true, seed: 77 });
  assert.equal(new Set([...a, ...b]).size, 1);
  assert.equal(startSampling(basicPlatform(), m.ref).maxLength, 200);
  assert.equal(startSampling(basicPlatform(), m.ref).count, 1);
});

test('rnnlm sample prints what the api draws on Node\'s platform, to the character', async () => {
  const r = await runCli(['sample', '-m', m.file, '-n', '12', '--seed', '5', '--prime', 'ab', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const recs = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  const run = startSampling(nodePlatform(ENV), m.node, { n: 12, seed: 5, prime: 'ab' });
  recs.forEach((rec, i) => {
    const s = run.next()!;
    assert.deepEqual(rec, { text: s.text, prime: 'ab', tokens: s.tokens, end: s.end, seed: 5, index: i });
  });
  assert.equal(run.next(), null);
});

test('options checked by the shared schema, spelt for the caller: one OptionError, before any work', () => {
  assert.throws(() => startSampling(basicPlatform(), m.ref, { temprature: 0.5 } as never), (e: Error) => e instanceof OptionError && e.message === 'unknown option temprature');
  assert.throws(() => startSampling(basicPlatform(), m.ref, { number: 2 } as never), (e: Error) => e instanceof OptionError && /did you mean n\?/.test((e as OptionError).hint ?? ''));
  assert.throws(() => startSampling(basicPlatform(), m.ref, { topK: -1 }, { name: (k) => `--${k}`, hint: 'see --help' }),
    (e: Error) => e instanceof OptionError && /^--topK must be a whole number/.test(e.message) && (e as OptionError).hint === 'see --help');
  assert.throws(() => sample(basicPlatform(), null as never), (e: Error) => e instanceof OptionError && /^sample\(\)'s model must be a model/.test(e.message));
});

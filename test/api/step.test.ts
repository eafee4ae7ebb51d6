/**
 * The step API: stepping through a sentence and its <EOS> sums to the log P
 * the scorer gives it (another code path: windows over a batch); each
 * distribution sums to 1 and top(k) is its k largest in order; a clone
 * diverges without touching the original; the same seed draws the same
 * tokens; <EOS> starts the next sentence from the zero state; bad arguments
 * are refused with one-line OptionErrors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { basicPlatform } from '../../src/api/platform.js';
import { createStepper } from '../../src/api/step.js';
import { scoreNow } from '../../src/api/score.js';
import { createStepper as libraryStepper } from '../../src/node/library.js';
import { OptionError } from '../../src/core/errors.js';
import { tinyModel } from './tiny-model.js';

const tiny = await tinyModel();
test.after(() => rmSync(tiny.dir, { recursive: true, force: true }));

test('stepping through a sentence and its <EOS> gives the scorer\'s log P (both backends)', () => {
  for (const [ck, make] of [[tiny.ref, (c: typeof tiny.ref) => createStepper(basicPlatform(), c)], [tiny.node, (c: typeof tiny.ref) => libraryStepper(c)]] as const) {
    for (const sentence of ['abc', 'a b c', 'bca', '', 'cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc']) {
      const s = make(ck);
      let sum = 0;
      for (const ch of sentence) {
        const id = ck.vocab.index.get(ch)!;
        sum += s.logProbOf(id);
        s.feed(id);
      }
      sum += s.logProbOf(0);
      s.feed(0);
      const want = scoreNow(ck, [sentence])[0]!.logProb;
      assert.ok(Math.abs(sum - want) <= 1e-5 * Math.max(1, Math.abs(want)), `${JSON.stringify(sentence)}: stepped ${sum}, scored ${want}`);
      assert.equal(s.logProb, sum);
      // feedText is the same as feeding the ids
      const t = make(ck);
      const ids = t.feedText(sentence);
      assert.deepEqual(ids, [...sentence].map((c) => ck.vocab.index.get(c)));
      t.feed(0);
      assert.equal(t.logProb, s.logProb);
    }
  }
});

test('distributions sum to 1; top(k) is the k most likely, in order, with their tokens', () => {
  const s = createStepper(basicPlatform(), tiny.ref);
  s.feedText('ab');
  const V = tiny.ref.vocab.tokens.length;
  for (const t of [1, 0.5, 3]) {
    const p = s.distribution(t);
    assert.equal(p.length, V);
    const sum = p.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-12, `temperature ${t}: sum ${sum}`);
    assert.ok(p.every((x) => x >= 0));
  }
  const p = s.distribution();
  const top = s.top(3);
  assert.equal(top.length, 3);
  const sorted = [...p].sort((a, b) => b - a);
  top.forEach((e, i) => {
    assert.equal(e.token, tiny.ref.vocab.tokens[e.id]);
    assert.ok(Math.abs(e.prob - sorted[i]!) < 1e-15);
    assert.ok(Math.abs(e.prob - p[e.id]!) < 1e-15);
    assert.equal(e.logProb, s.logProbOf(e.id));
  });
  assert.equal(s.top(V + 10).length, V);
  // a lower temperature sharpens: the most likely token gains
  assert.ok(s.distribution(0.5)[top[0]!.id]! >= p[top[0]!.id]!);
});

test('clone, then diverge: the original is unchanged; a clone draws what the original would', () => {
  const s = createStepper(basicPlatform(), tiny.ref, { seed: 7 });
  s.feedText('ca');
  const before = { logProb: s.logProb, ids: s.ids, dist: s.distribution(), text: s.text() };
  const c = s.clone();
  c.feedText('bbb');
  c.feed(0);
  c.draw();
  assert.equal(s.logProb, before.logProb);
  assert.deepEqual(s.ids, before.ids);
  assert.deepEqual(s.distribution(), before.dist);
  assert.equal(s.text(), 'ca');
  // the same state and generator: the same draws
  const c2 = s.clone();
  const mine = [0, 1, 2, 3, 4].map(() => s.draw().id);
  const theirs = [0, 1, 2, 3, 4].map(() => c2.draw().id);
  assert.deepEqual(theirs, mine);
  assert.equal(c2.logProb, s.logProb);
});

test('seeded draws; <EOS> starts the next sentence from the zero state; topK 1 is the argmax; reset', () => {
  const a = createStepper(basicPlatform(), tiny.ref, { seed: 3 }), b = createStepper(basicPlatform(), tiny.ref, { seed: 3 });
  const da = Array.from({ length: 20 }, () => a.draw({ temperature: 1.5 }).id);
  const db = Array.from({ length: 20 }, () => b.draw({ temperature: 1.5 }).id);
  assert.deepEqual(da, db);
  assert.ok(!da.includes(1), '<UNK> is not drawn by default');
  const fresh = createStepper(basicPlatform(), tiny.ref).distribution();
  const s = createStepper(basicPlatform(), tiny.ref);
  s.feedText('abc');
  s.feed(0);
  assert.deepEqual(s.distribution(), fresh);
  assert.equal(s.text(), '');
  const argmax = s.top(1)[0]!.id;
  const g = s.draw({ topK: 1 });
  assert.equal(g.id, argmax);
  s.reset();
  assert.equal(s.logProb, 0);
  assert.deepEqual(s.ids, []);
  assert.deepEqual(s.distribution(), fresh);
});

test('bad arguments: one-line OptionErrors', () => {
  const s = createStepper(basicPlatform(), tiny.ref);
  const V = tiny.ref.vocab.tokens.length;
  const refused = (f: () => unknown, re: RegExp) => assert.throws(f, (e: unknown) => e instanceof OptionError && re.test(e.message) && !e.message.includes('\n'));
  refused(() => s.feed(V), new RegExp(`feed\\(\\)'s id at 0 must be a token id, a whole number from 0 to ${V - 1} \\(got ${V}\\)`));
  refused(() => s.feed([2, 1.5]), /id at 1 must be a token id/);
  refused(() => s.feed('ab' as never), /feed\(\) takes a token id or an array of them/);
  assert.deepEqual(s.ids, [], 'nothing fed when an id is refused');
  refused(() => s.top(0), /top\(\)'s k must be a whole number of at least 1/);
  refused(() => s.distribution(0), /temperature must be a number above 0/);
  refused(() => s.draw({ topP: 0 }), /topP must be a number above 0 and at most 1/);
  refused(() => s.draw({ temp: 1 } as never), /draw\(\) has no option "temp"/);
  refused(() => s.feedText(5 as never), /feedText\(\) takes a string/);
  refused(() => createStepper(basicPlatform(), tiny.ref, { seed: -1 }), /seed must be a whole number/);
  refused(() => createStepper(basicPlatform(), 'model.json' as never), /createStepper\(\)'s model must be a model/);
  refused(() => createStepper(basicPlatform(), tiny.ref, [] as never), /^createStepper\(\)'s options must be an object such as \{ seed: 1 \} \(got an array of 0\)$/);
});

/**
 * The inspector behind `rnnlm view`: each token's log P is the scorer's (a
 * different code path: windows over a batch), <EOS> and blank lines included;
 * the totals are the sums score reports; an edit recomputes from the first
 * changed token and gives what a fresh inspector gives; traces are the state
 * a stepper fed the same tokens reaches; ranking by variance and by
 * correlation checked against sums computed here; patterns mark characters
 * by hand-checked offsets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { basicPlatform } from '../../src/api/platform.js';
import { createInspector, patternIndicator } from '../../src/api/inspect.js';
import { createStepper } from '../../src/api/step.js';
import { scoreNow } from '../../src/api/score.js';
import { OptionError } from '../../src/core/errors.js';
import { tinyModel } from './tiny-model.js';

const tiny = await tinyModel({ cell: 'lstm', layers: 2 });
test.after(() => rmSync(tiny.dir, { recursive: true, force: true }));
const platform = basicPlatform();

const close = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

test('every token\'s log P is the scorer\'s, <EOS> and a blank line included; the totals are their sums', () => {
  const text = 'abc\n\nb a c  \ncab x\n';
  const view = createInspector(platform, tiny.ref);
  const seen = view.inspect(text);
  const lines = ['abc', '', 'b a c', 'cab x'];
  const scored = scoreNow(tiny.ref, lines);
  const want = scored.flatMap((s) => s.perToken);
  assert.equal(seen.tokens.length, want.length);
  seen.tokens.forEach((t, i) => {
    assert.equal(tiny.ref.vocab.tokens[t.id], want[i]!.token);
    close(t.logProb, want[i]!.logProb, `token ${i}`);
  });
  assert.deepEqual(seen.read, lines);
  assert.equal(seen.count, want.length);
  assert.equal(seen.unk, 1, "'x' is not in the vocabulary of a, b, c and space");
  const total = scored.reduce((s, x) => s + x.logProb, 0);
  close(seen.logProb, total, 'log P');
  close(seen.perplexity, Math.exp(-total / want.length), 'perplexity');
  close(seen.bitsPerChar!, -total / Math.LN2 / want.length, 'bits/char');
  assert.deepEqual(seen.tokens.filter((t) => t.eos).map((t) => t.sentence), [0, 1, 2, 3]);
  const x = seen.tokens.find((t) => t.unknown)!;
  assert.deepEqual([x.text, x.start, x.end, x.sentence], ['x', 4, 5, 3]);
});

test('an edit recomputes from the first changed token and equals a fresh inspection', () => {
  const view = createInspector(platform, tiny.ref);
  const first = view.inspect('abc ab');
  assert.equal(first.recomputedFrom, 0);
  const typed = view.inspect('abc abc');
  assert.equal(typed.recomputedFrom, 6, 'a b c space a b are kept; the <EOS> that followed them is not');
  const fresh = createInspector(platform, tiny.ref).inspect('abc abc');
  assert.deepEqual(typed.tokens, fresh.tokens);
  const middle = view.inspect('abb abc');
  assert.equal(middle.recomputedFrom, 2);
  assert.deepEqual(middle.tokens, createInspector(platform, tiny.ref).inspect('abb abc').tokens);
  assert.deepEqual(view.inspect('').tokens, []);
});

test('traces are the state after each token; top() is the distribution where the token was read', () => {
  const view = createInspector(platform, tiny.ref);
  const seen = view.inspect('ba c\nc');
  assert.equal(view.layers, 2);
  assert.ok(view.hasMemory);
  const s = createStepper(platform, tiny.ref);
  for (let i = 0; i < seen.tokens.length; i++) {
    const t = seen.tokens[i]!;
    const top = view.top(i, 3);
    assert.deepEqual(top, s.top(3));
    s.feed(t.id);
    if (t.eos) {
      assert.ok(Number.isNaN(view.trace(1, 5, 'c')[i]!));
      continue;
    }
    const st = s.state();
    for (const [layer, unit] of [[0, 0], [1, 7], [1, 3]] as const) {
      assert.equal(view.trace(layer, unit, 'a')[i], st.a[layer]![unit]);
      assert.equal(view.trace(layer, unit, 'c')[i], st.c[layer]![unit]);
    }
  }
});

test('ranking: by variance, and by |correlation| with a pattern (a unit\'s own trace correlates 1)', () => {
  const view = createInspector(platform, tiny.ref);
  const seen = view.inspect('abc cab bca\nacb');
  const real = seen.tokens.map((_t, i) => i).filter((i) => !seen.tokens[i]!.eos);
  const byVariance = view.rank(0, 'a');
  assert.equal(byVariance.length, 8);
  for (const { unit, score } of byVariance) {
    const v = real.map((i) => view.trace(0, unit)[i]!);
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    close(score, v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length, `variance of unit ${unit}`);
  }
  for (let k = 1; k < byVariance.length; k++) assert.ok(byVariance[k - 1]!.score >= byVariance[k]!.score);
  const own = view.trace(1, 6, 'c').map((v) => (Number.isNaN(v) ? 0 : v));
  const byPattern = view.rank(1, 'c', own);
  assert.equal(byPattern[0]!.unit, 6);
  close(byPattern[0]!.score, 1, 'self-correlation');
  assert.ok(byPattern.every((u) => u.score >= 0 && u.score <= 1 + 1e-12));
});

test('patternIndicator marks the tokens inside a match, by offsets in the sentence as read', () => {
  const view = createInspector(platform, tiny.ref);
  const seen = view.inspect('a"bc"a\n"a');
  // line 0: a " b c " a <EOS>; line 1: " a <EOS> (no closing quote: no match)
  assert.deepEqual([...patternIndicator(seen, /"[^"]*"/)], [0, 1, 1, 1, 1, 0, 0, 0, 0, 0]);
  assert.deepEqual([...patternIndicator(seen, /a/g)], [1, 0, 0, 0, 0, 1, 0, 0, 1, 0]);
});

test('maxTokens: a long text is inspected up to the cap, the rest counted as cut; the default keeps ~32 MB of steppers', () => {
  const view = createInspector(platform, tiny.ref, { maxTokens: 5 });
  const seen = view.inspect('abc\nab\nbb');
  // a b c <EOS> a | b <EOS> b b <EOS>: 5 kept, 5 cut
  assert.equal(seen.tokens.length, 5);
  assert.equal(seen.cut, 5);
  assert.deepEqual(seen.read, ['abc', 'ab']);
  const whole = createInspector(platform, tiny.ref).inspect('abc\nab\nbb');
  assert.equal(whole.cut, 0);
  assert.deepEqual(seen.tokens, whole.tokens.slice(0, 5));
  // V = 6, one layer of 8 units (an LSTM: a and c): 4·10⁶ / (6 + 2·2·8)… capped at 20,000
  const big = createInspector(platform, tiny.ref).inspect('a'.repeat(25_000));
  assert.equal(big.tokens.length, 20_000);
  assert.equal(big.cut, 5_001);
  assert.throws(() => createInspector(platform, tiny.ref, { maxTokens: 0 }), /maxTokens/);
});

test('bad arguments are one-line OptionErrors', () => {
  const view = createInspector(platform, tiny.ref);
  view.inspect('ab');
  assert.throws(() => view.inspect(5 as unknown as string), OptionError);
  assert.throws(() => view.top(3, 1), /index of a token/);
  assert.throws(() => view.trace(2, 0), /layer must be 0 to 1/);
  assert.throws(() => view.trace(0, 8), /unit must be 0 to 7/);
  assert.throws(() => view.trace(0, 0, 'h' as 'a'), /which must be/);
  assert.throws(() => view.rank(0, 'a', [1]), /one value per token/);
  assert.throws(() => createInspector(platform, {} as never), OptionError);
  assert.throws(() => patternIndicator(view.inspect('a'), 'a' as unknown as RegExp), OptionError);
});

/**
 * evaluateStream: sentences read as they come, scored a chunk (64 batches) at
 * a time. Over a text of several chunks it gives evaluate()'s numbers on the
 * whole text (the same batches in the same order); progress is told after
 * each chunk; blank lines are skipped as training skips them; the command
 * line evaluates line-mode models this way and stops at a line that is not
 * UTF-8, naming it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluate, evaluateStream, type EvaluationProgress } from '../../src/api/evaluate.js';
import { basicPlatform } from '../../src/api/platform.js';
import { OptionError } from '../../src/core/errors.js';
import { oneLineError, runCli } from '../helpers/fake-host.js';
import { tinyModel, type TinyModel } from './tiny-model.js';

let m: TinyModel;
before(async () => { m = await tinyModel(); });
after(() => rmSync(m.dir, { recursive: true, force: true }));

const lines = Array.from({ length: 700 }, (_, i) => ['abc', 'cab  ', '', 'ab ba', 'zq', 'c'][i % 6]! + (i % 7 === 0 ? ' a' : ''));
async function* arriving(xs: readonly string[]): AsyncGenerator<string> {
  for (const x of xs) yield x;
}

test('streamed in chunks of 64 batches = the whole text at once; progress after each chunk; blank lines skipped', async () => {
  const whole = await evaluate(basicPlatform(), m.ref, lines.join('\n'), { batch: 3 });
  const seen: EvaluationProgress[] = [];
  const streamed = await evaluateStream(basicPlatform(), m.ref, arriving(lines), { batch: 3 }, undefined, (p) => seen.push(p));
  assert.deepEqual([streamed.sentences, streamed.tokens, streamed.unk, streamed.unknown], [whole.sentences, whole.tokens, whole.unk, whole.unknown]);
  assert.equal(streamed.sentences, lines.filter((l) => l.trim() !== '').length);
  assert.ok(Math.abs(streamed.crossEntropy - whole.crossEntropy) < 1e-12 * whole.crossEntropy, `${streamed.crossEntropy} vs ${whole.crossEntropy}`);
  assert.ok(Math.abs(streamed.perplexityExcludingUnk! - whole.perplexityExcludingUnk!) < 1e-9);
  // 600 sentences (100 of the 700 lines are blank) in chunks of 64 × 3 = 192: four chunks, the counts growing to the totals
  assert.deepEqual(seen.map((p) => p.sentences), [192, 384, 576, 600]);
  assert.equal(seen.at(-1)!.tokens, streamed.tokens);
  assert.ok(Math.abs(seen.at(-1)!.crossEntropy - streamed.crossEntropy) < 1e-15);
  await assert.rejects(evaluateStream(basicPlatform(), m.ref, arriving(['', '  '])), /no text to evaluate/);
  await assert.rejects(evaluateStream(basicPlatform(), m.ref, arriving(lines), { dynamicLr: 0.1 }), (e: unknown) => e instanceof OptionError && /use evaluate\(\)/.test(e.message + e.hint));
});

test('rnnlm eval reads a line-mode corpus as it comes: the library\'s numbers; a line that is not UTF-8 stops it, naming the line', async () => {
  const file = join(m.dir, 'held.txt');
  writeFileSync(file, lines.join('\n'));
  const r = await runCli(['eval', '-m', m.file, file, '--json', '--batch', '3']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { crossEntropy: number; tokens: number; sentences: number };
  const whole = await evaluate(basicPlatform(), m.node, lines.join('\n'), { batch: 3 });
  assert.deepEqual([j.sentences, j.tokens], [whole.sentences, whole.tokens]);
  assert.ok(Math.abs(j.crossEntropy - whole.crossEntropy) < 1e-6 * whole.crossEntropy);
  const bad = join(m.dir, 'bad.txt');
  writeFileSync(bad, Buffer.concat([Buffer.from('abc\ncab\n'), Buffer.from([0x61, 0xff, 0x62, 0x0a]), Buffer.from('abc\n')]));
  const e = await runCli(['eval', '-m', m.file, bad]);
  assert.equal(e.code, 1);
  assert.match(oneLineError(e.stderr), /bad\.txt: line 3 is not valid UTF-8 text \(byte 0xFF at offset 1 of the line\)/);
  const piped = await runCli(['eval', '-m', m.file, '-', '--json'], { stdin: 'abc\n\ncab\n' });
  assert.equal(piped.code, 0, piped.stderr);
  assert.equal((JSON.parse(piped.stdout) as { sentences: number }).sentences, 2);
});

test('every argument checked first, one OptionError naming it: the platform, the sentences (an async iterable of strings, not a string), what they yield', async () => {
  const named = (re: RegExp) => (e: Error) => e instanceof OptionError && re.test(e.message);
  await assert.rejects(evaluateStream(null as never, m.ref, arriving(lines)), named(/^evaluateStream\(\)'s platform must be a Platform such as basicPlatform\(\) returns \(got null\)$/));
  await assert.rejects(evaluateStream({} as never, m.ref, arriving(lines)), named(/^evaluateStream\(\)'s platform must be a Platform .*\(its engine is undefined, not a function\)$/));
  await assert.rejects(evaluateStream({ ...basicPlatform(), threads: undefined } as never, m.ref, arriving(lines)), named(/^evaluateStream\(\)'s platform's threads must be a whole number of at least 1 \(got undefined\)$/));
  await assert.rejects(evaluate(undefined as never, m.ref, m.text), named(/^evaluate\(\)'s platform must be a Platform/));
  await assert.rejects(evaluateStream(basicPlatform(), m.ref, 'abc' as never), named(/^evaluateStream\(\)'s sentences must be an async iterable of strings, .*\(got the string "abc"\)$/));
  for (const [bad, shown] of [[undefined, 'undefined'], [null, 'null'], [5, '5'], [{}, 'an object'], [['abc'], 'an array of 1']] as const) {
    await assert.rejects(evaluateStream(basicPlatform(), m.ref, bad as never), named(new RegExp(`^evaluateStream\\(\\)'s sentences must be an async iterable of strings, .*\\(got ${shown}\\)$`)));
  }
  await assert.rejects(evaluateStream(basicPlatform(), m.ref, arriving(['abc', 5 as never])), named(/^evaluateStream\(\)'s sentences must give strings \(its item 2 is 5\)$/));
  await assert.rejects(evaluateStream(basicPlatform(), m.ref, arriving(lines), { batch: 0 }), named(/^batch must be a whole number from 1 to 4096 \(got 0\)$/));
  await assert.rejects(evaluateStream(basicPlatform(), m.ref, arriving(lines), null as never), named(/^the options of evaluateStream\(\) must be an object/));
  await assert.rejects(evaluateStream(basicPlatform(), m.ref, arriving(lines), {}, undefined, 5 as never), named(/^evaluateStream\(\)'s progress must be a function \(got 5\)$/));
});

test('evaluateStream takes numbers as numbers from code, as evaluate() does', async () => {
  await assert.rejects(evaluateStream(basicPlatform(), m.ref, arriving(lines), { batch: '3' } as never), (e: Error) => e instanceof OptionError && e.message === 'batch must be a number, not the text "3"');
});

/**
 * The unknown forms are listed up to UNKNOWN_LISTED (10) in order of first
 * appearance, as evaluate() lists them, however the chunks fall. A chunk that
 * began with a form listed already (d) used that one of the places left, so
 * a new form after it (m) was never listed: 9 forms where evaluate() gave 10.
 */
test('the unknown forms listed: the first 10 distinct, as evaluate() gives them, when a later chunk repeats a listed one first', async () => {
  // batch 1: chunks of 64 sentences; the first holds 9 unknown characters (d … l), the second repeats d, then m, n
  const text = Array.from({ length: 64 }, (_, i) => (i < 9 ? `ab ${'defghijkl'[i]}` : 'abc'));
  text.push('ab d m', 'ab n');
  const want = [...'defghijklm'];
  const whole = await evaluate(basicPlatform(), m.ref, text.join('\n'), { batch: 1 });
  assert.deepEqual(whole.unknown, want);
  const streamed = await evaluateStream(basicPlatform(), m.ref, arriving(text), { batch: 1 });
  assert.deepEqual(streamed.unknown, want);
  assert.equal(streamed.unk, 12);
});

/**
 * The Platform argument (api/platform.ts) of the api's functions that compute
 * on it: anything but a Platform (null, a number, an object without its
 * functions, threads that are not a whole number) is one OptionError naming
 * the argument, before any work, never a TypeError from inside or a memory
 * estimate of NaN.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { basicPlatform } from '../../src/api/platform.js';
import { createSentenceScorer, score } from '../../src/api/score.js';
import { tagTrain } from '../../src/api/tag-train.js';
import { train } from '../../src/api/train.js';
import { OptionError } from '../../src/core/errors.js';
import { tinyModel, type TinyModel } from './tiny-model.js';

let m: TinyModel;
before(async () => { m = await tinyModel(); });
after(() => rmSync(m.dir, { recursive: true, force: true }));

test('the api\'s functions that compute on the platform check it first: anything but a Platform is one OptionError naming it', async () => {
  const named = (re: RegExp) => (e: unknown) => e instanceof OptionError && re.test(e.message);
  for (const [bad, why] of [[undefined, /\(got undefined\)$/], [null, /\(got null\)$/], [5, /\(got 5\)$/], [{}, /\(its engine is undefined, not a function\)$/]] as const) {
    await assert.rejects(score(bad as never, m.ref, ['ab']), named(new RegExp(`^score\\(\\)'s platform must be a Platform such as basicPlatform\\(\\) returns ${why.source}`)));
    await assert.rejects(createSentenceScorer(bad as never, m.ref), named(new RegExp(`^createSentenceScorer\\(\\)'s platform must be a Platform .*${why.source}`)));
    await assert.rejects(train(bad as never, m.text, { hidden: 4, maxSteps: 1 }), named(new RegExp(`^train\\(\\)'s platform must be a Platform .*${why.source}`)));
    await assert.rejects(tagTrain(bad as never, 'a\tX\n'), named(new RegExp(`^tagTrain\\(\\)'s platform must be a Platform .*${why.source}`)));
  }
  await assert.rejects(score({ ...basicPlatform(), threads: 0 }, m.ref, ['ab']), named(/^score\(\)'s platform's threads must be a whole number of at least 1 \(got 0\)$/));
});

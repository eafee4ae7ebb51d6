/**
 * A vocabulary token holding a bidi override (U+202E, RIGHT-TO-LEFT
 * OVERRIDE: any text can hold one) must not reorder the tokens around it on
 * `rnnlm view`'s page: each token's span is its own bidi isolate, so the
 * spans after it stay left to right, each under its own colour. Needs
 * Chromium, as page.test.ts does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { basicPlatform } from '../../src/api/platform.js';
import { train } from '../../src/api/train.js';
import { serializeCheckpoint } from '../../src/checkpoint/codec.js';
import { CHROMIUM, CHROMIUM_ARGS } from '../helpers/chromium.js';
import { runCli, tempDir } from '../helpers/fake-host.js';

const have = existsSync(CHROMIUM);
const skip = !have && process.env.CI !== 'true' && `no Chromium at ${CHROMIUM} (apt-get install chromium, or set RNNLM_CHROMIUM)`;

test('view: a token with a right-to-left override does not reorder the tokens after it', { skip, timeout: 120_000 }, async () => {
  assert.ok(have, `CI needs Chromium at ${CHROMIUM}: .ci/run installs it with apt-get`);
  const { default: puppeteer } = await import('puppeteer-core');
  const evil = '\u202eevil';
  const words = ['alpha', evil, 'beta', 'gamma', 'delta'];
  const corpus = Array.from({ length: 12 }, (_, i) => words.map((_, j) => words[(i + j) % words.length]).join(' ')).join('\n') + '\n';
  const out = await train(basicPlatform(), corpus, { level: 'word', pretokenized: true, hidden: 4, layers: 1, maxSteps: 2, valFraction: 0, seed: 1 });
  const dir = tempDir();
  try {
    const model = join(dir, 'bidi.json');
    writeFileSync(model, serializeCheckpoint(out.checkpoint));
    const html = join(dir, 'bidi.html');
    const made = await runCli(['view', model, '-o', html, '--text', words.join(' ')], { env: {} });
    assert.equal(made.code, 0, made.stderr);
    const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage();
      await page.setViewport({ width: 1100, height: 600 });
      await page.goto(pathToFileURL(html).href);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
      const spans = await page.$$eval('#surprise-text span.t:not(.eos)', (els) => els.map((e) => {
        const r = e.getBoundingClientRect();
        return { token: e.textContent ?? '', left: r.left, top: r.top };
      }));
      assert.deepEqual(spans.map((s) => s.token), words, 'one span per word, in the order read');
      assert.ok(spans.every((s) => s.top === spans[0]!.top), 'one line');
      // left to right, in the order read: none of them is drawn before the one read before it
      spans.slice(1).forEach((s, i) => assert.ok(s.left > spans[i]!.left, `${JSON.stringify(s.token)} (x ${s.left}) after ${JSON.stringify(spans[i]!.token)} (x ${spans[i]!.left})`));
    } finally {
      await browser.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * `rnnlm view`'s page in a real browser: Debian's Chromium, headless, driven
 * by puppeteer-core, opens the generated file from file:// and
 *   - types sentences key by key: every token's log-probability read from the
 *     page (data-logprob) is `rnnlm score --per-token --json`'s within 1e-5,
 *     and the totals are score's;
 *   - hovers a token: the tooltip lists the model's top 10 there, with the token;
 *   - samples through the form with a seed: the page's texts are `rnnlm sample`'s;
 *   - switches units through the controls: data-act follows the activations
 *     an inspector in Node computes, and the colours follow their sign and size;
 *   - makes no request but the file itself (its CSP forbids any);
 * and takes a screenshot of each view (into $RNNLM_SCREENSHOTS, or a temp
 * directory; the paths are printed) for someone to look at.
 *
 * Needs /usr/bin/chromium (Debian's `chromium` package; .ci/run installs it).
 * Without it the test is skipped, except under CI=true, where it fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createInspector } from '../../src/api/inspect.js';
import { basicPlatform } from '../../src/api/platform.js';
import { CHROMIUM, CHROMIUM_ARGS } from '../helpers/chromium.js';
import { runCli, tempDir } from '../helpers/fake-host.js';
import { ENV, tinyModel } from '../api/tiny-model.js';

/** The page's globals, as the callbacks run inside it see them (the tests compile without the DOM library). */
type InPage = { rnnlmPage: { backend: string }; getComputedStyle(e: unknown): { backgroundColor: string } };
type Input = { value: string; dispatchEvent(e: unknown): void };

const have = existsSync(CHROMIUM);
const skip = !have && process.env.CI !== 'true' && `no Chromium at ${CHROMIUM} (apt-get install chromium, or set RNNLM_CHROMIUM)`;


test('the page in Chromium: log P per token = rnnlm score, samples = rnnlm sample, units follow the activations', { skip, timeout: 120_000 }, async () => {
  assert.ok(have, `CI needs Chromium at ${CHROMIUM}: .ci/run installs it with apt-get`);
  const { default: puppeteer } = await import('puppeteer-core');
  const tiny = await tinyModel({ cell: 'lstm', layers: 2, hidden: 16 });
  const dir = tempDir();
  const shots = process.env.RNNLM_SCREENSHOTS ?? join(dir, 'screenshots');
  mkdirSync(shots, { recursive: true });
  const html = join(dir, 'tiny.html');
  const made = await runCli(['view', tiny.file, '-o', html, '--text', 'ab'], { env: ENV });
  assert.equal(made.code, 0, made.stderr);
  const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.setViewport({ width: 1100, height: 760 });
    await page.goto(pathToFileURL(html).href);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
    assert.equal(await page.evaluate(() => (globalThis as unknown as InPage).rnnlmPage.backend), 'wasm', 'Chromium has WebAssembly SIMD: the page runs the kernels rnnlm runs');

    // ── surprise: typed key by key, read back from the page
    const typed = 'abc cab\nbca  b\n\nba';
    await page.click('#text', { count: 3 });
    await page.keyboard.press('Backspace');
    for (const line of typed.split('\n').entries()) {
      if (line[0] > 0) await page.keyboard.press('Enter');
      await page.keyboard.type(line[1]);
    }
    const fromPage = await page.$$eval('#surprise-text span.t', (spans) => spans.map((s) => ({ token: s.dataset['token']!, logProb: Number(s.dataset['logprob']) })));
    const scored = await runCli(['score', '-m', tiny.file, '--per-token', '--json'], { stdin: typed + '\n', env: ENV });
    assert.equal(scored.code, 0, scored.stderr);
    const records = scored.stdout.trim().split('\n').map((l) => JSON.parse(l) as { logProb: number; perToken: { token: string; logProb: number }[] });
    const want = records.flatMap((r) => r.perToken);
    assert.equal(records.length, 4, 'four lines, the blank one included');
    assert.equal(fromPage.length, want.length);
    fromPage.forEach((t, i) => {
      assert.equal(t.token, want[i]!.token, `token ${i}`);
      assert.ok(Math.abs(t.logProb - want[i]!.logProb) <= 1e-5, `token ${i} (${t.token}): page ${t.logProb}, score ${want[i]!.logProb}`);
    });
    const total = Number(await page.$eval('#total-logprob', (e) => e.textContent));
    assert.equal(total.toFixed(3), records.reduce((s, r) => s + r.logProb, 0).toFixed(3));
    await page.screenshot({ path: join(shots, 'surprise.png') });

    // ── hover: the top 10 where the token was read, the token among them (V = 6 here: all of them)
    await page.hover('#surprise-text span.t[data-i="2"]');
    const tip = await page.$eval('#tip', (e) => ({ hidden: e.hidden, rows: [...e.querySelectorAll('tr')].map((r) => r.textContent ?? ''), mine: e.querySelector('tr.this')?.textContent ?? '' }));
    assert.equal(tip.hidden, false);
    assert.equal(tip.rows.length, Math.min(10, tiny.ref.vocab.tokens.length));
    assert.ok(tip.mine.startsWith('"c"'), `the hovered token is marked: ${tip.mine}`);
    await page.screenshot({ path: join(shots, 'hover.png') });

    // ── hidden units, through the controls
    await page.click('#tab-units');
    await page.select('#unit-layer', '1');
    await page.select('#unit-which', 'c');
    await page.$eval('#unit-index', (e) => { (e as unknown as Input).value = '5'; e.dispatchEvent(new Event('change')); });
    const acts = await page.$$eval('#units-text span.t:not(.eos)', (spans) => spans.map((s) => ({ act: Number(s.dataset['act']), bg: (globalThis as unknown as InPage).getComputedStyle(s).backgroundColor })));
    const inspector = createInspector(basicPlatform(tiny.node.model.backend), tiny.node);
    inspector.inspect(typed);
    const trace = [...inspector.trace(1, 5, 'c')].filter((v) => !Number.isNaN(v));
    assert.equal(acts.length, trace.length);
    const max = Math.max(...trace.map(Math.abs));
    acts.forEach((a, i) => {
      assert.ok(Math.abs(a.act - trace[i]!) <= 1e-6 * Math.max(1, Math.abs(trace[i]!)), `unit 5 after token ${i}: page ${a.act}, Node ${trace[i]}`);
      const [r, , b] = a.bg.match(/\d+/g)!.map(Number);
      if (Math.abs(a.act) > 0.05 * max) assert.ok(a.act > 0 ? r! > b! : b! > r!, `colour follows the sign: ${a.act} → ${a.bg}`);
    });
    // the strongest activation is the deepest colour
    const depth = (bg: string): number => { const [r, g, b] = bg.match(/\d+/g)!.map(Number); return 765 - r! - g! - b!; };
    const strongest = acts.reduce((m, a, i) => (Math.abs(a.act) > Math.abs(acts[m]!.act) ? i : m), 0);
    assert.ok(acts.every((a) => depth(a.bg) <= depth(acts[strongest]!.bg) + 1));
    const ranking = await page.$$eval('#units-ranking div', (rows) => rows.length);
    assert.equal(ranking, 16);
    await page.screenshot({ path: join(shots, 'units.png') });

    // ── sampling through the form: rnnlm sample's texts for the same options and seed
    await page.click('#tab-sample');
    for (const [id, v] of [['#sample-seed', '7'], ['#sample-n', '10'], ['#sample-temperature', '1.5'], ['#sample-topk', '4'], ['#sample-maxlength', '30']] as const) {
      await page.$eval(id, (e, value) => { (e as unknown as Input).value = value; }, v);
    }
    await page.type('#sample-prime', 'b');
    await page.click('#sample-go');
    await page.waitForSelector('#samples[data-done="true"]', { timeout: 20_000 });
    const samples = await page.$$eval('#samples div.sample', (d) => d.map((e) => e.getAttribute('data-text')!));
    const cli = await runCli(['sample', '-m', tiny.file, '-n', '10', '--seed', '7', '--temperature', '1.5', '--top-k', '4', '--max-length', '30', '--prime', 'b'], { env: ENV });
    assert.equal(cli.code, 0, cli.stderr);
    assert.deepEqual(samples, cli.stdout.split('\n').slice(0, -1));
    await page.screenshot({ path: join(shots, 'sample.png') });

    // ── the model card
    await page.click('#tab-card');
    const info = await page.$eval('#card-info', (e) => e.textContent ?? '');
    assert.match(info, /lstm \(no peepholes\)/);
    assert.match(info, /2 × 16 hidden units/);
    await page.screenshot({ path: join(shots, 'card.png'), fullPage: true });

    assert.deepEqual(errors, []);
    assert.deepEqual(requests.filter((u) => !u.startsWith('data:')), [pathToFileURL(html).href], 'the page asks for nothing but itself (and its own data: image)');
    console.log(`# screenshots of the page: ${shots}`);
  } finally {
    await browser.close();
    rmSync(tiny.dir, { recursive: true, force: true });
    if (!process.env.RNNLM_SCREENSHOTS) rmSync(dir, { recursive: true, force: true });
  }
});

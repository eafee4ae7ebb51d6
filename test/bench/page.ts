/**
 * `npm run bench -- --page`: the budgets of `rnnlm view`'s page, in headless
 * Chromium (Debian's, via puppeteer-core), for a char LSTM 2×288 of about 1.1M
 * parameters (V from the text it is set up on; one training step, so the
 * weights are a real checkpoint's; the numbers do not depend on them):
 *   - open: from navigation to the first colouring of a 500-character text
 *     shown (the page's own performance.now(), median of 5 loads);
 *   - keystroke: one character typed at the end of those 500 characters, the
 *     re-colouring timed inside the page (inspection + drawing), and up to the
 *     next frame painted; also a character changed in the middle (half the
 *     text recomputed) and the whole text replaced (a paste);
 * and the size of the page file. Budgets (issue 16): open < 1 s, keystroke < 50 ms.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { train } from '../../src/api/train.js';
import { serializeCheckpoint } from '../../src/checkpoint/codec.js';
import { nodePlatform } from '../../src/node/platform.js';
import { main as cli } from '../../src/cli/main.js';
import { nodeHost } from '../../src/cli/host.js';
import { CHROMIUM, CHROMIUM_ARGS } from '../helpers/chromium.js';

export interface PageBenchOptions { repoRoot: string; json: boolean; hidden: number }

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function runPageBench(o: PageBenchOptions): Promise<number> {
  const shakespeare = path.join(o.repoRoot, '../shared/corpora/tinyshakespeare.txt');
  let text: string;
  try {
    text = readFileSync(shakespeare, 'utf8').slice(0, 200_000);
  } catch {
    text = readFileSync(path.join(o.repoRoot, 'corpora/names.txt'), 'utf8');
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rnnlm-page-bench-'));
  try {
    const out = await train(nodePlatform({}), text, { hidden: o.hidden, layers: 2, maxSteps: 1, valFraction: 0, seed: 1 });
    const model = path.join(dir, 'm.json');
    writeFileSync(model, serializeCheckpoint(out.checkpoint));
    const params = out.checkpoint.model.layout.total;
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    let start = '';
    for (const l of lines.slice(40)) {
      if (start.length + l.length + 1 > 500) break;
      start += l + '\n';
    }
    start = start.padEnd(500, 'a');
    const html = path.join(dir, 'm.html');
    const code = await cli(['view', model, '-o', html, '--text', start, '-q'], nodeHost());
    if (code !== 0) throw new Error(`rnnlm view failed (${code})`);
    const bytes = statSync(html).size;

    const { default: puppeteer } = await import('puppeteer-core');
    const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    const opens: number[] = [];
    let keystroke: number[] = [], painted: number[] = [], middle: number[] = [], paste: number[] = [];
    let backend = '';
    try {
      const page = await browser.newPage();
      for (let i = 0; i < 5; i++) {
        await page.goto(pathToFileURL(html).href);
        await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
        opens.push(await page.evaluate(() => (globalThis as unknown as { rnnlmPage: { firstColourMs: number } }).rnnlmPage.firstColourMs));
      }
      backend = await page.evaluate(() => (globalThis as unknown as { rnnlmPage: { backend: string } }).rnnlmPage.backend);
      const r = await page.evaluate(async (base: string) => {
        const hooks = (globalThis as unknown as { rnnlmPage: { setText(t: string): number } }).rnnlmPage;
        const raf = (globalThis as unknown as { requestAnimationFrame(f: () => void): void }).requestAnimationFrame;
        const frame = (): Promise<void> => new Promise((done) => raf(() => raf(() => done())));
        const k: number[] = [], p: number[] = [], m: number[] = [], all: number[] = [];
        let t = base;
        for (let i = 0; i < 20; i++) {
          t += 'etaoin'[i % 6]!;
          const t0 = performance.now();
          k.push(hooks.setText(t));
          await frame();
          p.push(performance.now() - t0);
        }
        for (let i = 0; i < 10; i++) {
          const at = Math.floor(t.length / 2);
          t = t.slice(0, at) + 'xyz'[i % 3]! + t.slice(at + 1);
          m.push(hooks.setText(t));
        }
        for (let i = 0; i < 5; i++) {
          hooks.setText('');
          all.push(hooks.setText(t));
        }
        return { k, p, m, all };
      }, start);
      keystroke = r.k; painted = r.p; middle = r.m; paste = r.all;
    } finally {
      await browser.close();
    }
    const result = {
      model: `char LSTM 2×${o.hidden}, V ${out.checkpoint.model.config.vocabSize}`, parameters: params, pageBytes: bytes, backend,
      openMs: median(opens), keystrokeMs: median(keystroke), keystrokePaintedMs: median(painted), middleEditMs: median(middle), pasteMs: median(paste), textChars: start.length,
    };
    if (o.json) {
      process.stdout.write(JSON.stringify(result) + '\n');
    } else {
      const f = (x: number): string => `${x.toFixed(1)} ms`;
      console.log(`rnnlm view page, ${result.model}: ${params.toLocaleString('en-US')} parameters, page ${(bytes / 1048576).toFixed(2)} MiB, backend ${backend}, text ${start.length} characters`);
      console.log(`  open → first colouring       ${f(result.openMs)}  (median of 5; budget 1000 ms)`);
      console.log(`  keystroke at the end         ${f(result.keystrokeMs)}  (to the next frame painted: ${f(result.keystrokePaintedMs)}; budget 50 ms)`);
      console.log(`  a character in the middle    ${f(result.middleEditMs)}  (half the text recomputed)`);
      console.log(`  the whole text replaced      ${f(result.pasteMs)}  (500 characters from scratch)`);
    }
    return 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

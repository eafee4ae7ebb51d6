/**
 * rnnlm plot: an SVG document (well-formed, two series, the best validation
 * point marked where the validation series has its minimum) from a checkpoint
 * or from an NDJSON training log; one record, NaN training losses and bad
 * logs handled.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCheckpoint, serializeCheckpoint, type Checkpoint } from '../../src/checkpoint/codec.js';
import type { EvalRecord } from '../../src/core/train.js';
import { parseTrainLog } from '../../src/cli/log.js';
import { escapeXml, lossPlotSvg, niceTicks } from '../../src/cli/svg.js';
import { oneLineError, runCli, tempDir } from '../helpers/fake-host.js';
import { repoPath } from '../helpers/paths.js';

const tiny = repoPath('test/fixtures/tiny.txt');

let dir = '';
let model = '';
let ck: Checkpoint;


/** Starts with <svg, ends with </svg>, every tag closed in order, no stray '<' or '&' in text. */
function assertSvg(svg: string): void {
  const s = svg.trim();
  assert.ok(s.startsWith('<svg'), 'starts with <svg');
  assert.ok(s.endsWith('</svg>'), 'ends with </svg>');
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let at = 0;
  for (const m of s.matchAll(tag)) {
    const between = s.slice(at, m.index);
    assert.ok(!/[<>]/.test(between), `stray markup before ${m[0]}: ${between}`);
    assert.ok(!/&(?!(amp|lt|gt|quot|#39|#x[0-9a-f]+);)/.test(between), `unescaped & in ${between}`);
    assert.ok(!/[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(between), `a character XML 1.0 forbids in ${JSON.stringify(between)}`);
    at = m.index! + m[0].length;
    const [, close, name, , self] = m;
    if (self) continue;
    if (close) assert.equal(stack.pop(), name, `</${name}> closes the open tag`);
    else stack.push(name!);
  }
  assert.equal(s.slice(at), '', 'nothing after the last tag');
  assert.deepEqual(stack, [], 'every tag closed');
}

function polyline(svg: string, cls: string): { x: number; y: number }[] | null {
  const m = new RegExp(`<polyline class="series ${cls}"[^>]*points="([^"]*)"`).exec(svg);
  if (!m) return null;
  return m[1]!.trim().split(/\s+/).filter(Boolean).map((p) => { const [x, y] = p.split(',').map(Number); return { x: x!, y: y! }; });
}

function bestCircle(svg: string): { x: number; y: number } | null {
  const m = /<circle class="best" cx="([\d.]+)" cy="([\d.]+)"/.exec(svg);
  return m ? { x: Number(m[1]), y: Number(m[2]) } : null;
}

/** The NDJSON a training log holds: one record per line, NaN as the string "NaN". */
function toLog(history: readonly EvalRecord[]): string {
  return history.map((h) => JSON.stringify(h, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v))).join('\n') + '\n';
}

before(async () => {
  dir = tempDir();
  model = join(dir, 'm.json');
  const r = await runCli(['train', tiny, '-o', model, '--hidden', '8', '--layers', '1', '--epochs', '4', '--val-fraction', '0.34', '--samples', '0', '-q']);
  assert.equal(r.code, 0, r.stderr);
  ck = parseCheckpoint(readFileSync(model, 'utf8'));
  assert.ok(ck.training!.state.history.length >= 2);
  assert.ok(ck.training!.state.history.every((h) => h.valLoss !== null), 'the fixture run has validation data');
});

test('plot model.json -o curve.svg: well-formed SVG, train and validation series, best point on the validation minimum', async () => {
  const out = join(dir, 'curve.svg');
  const r = await runCli(['plot', model, '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '', 'the picture goes to the file');
  assert.match(oneLineError(r.stderr), /wrote .*curve\.svg/);
  assert.ok(!readdirSync(dir).some((f) => f.includes('.tmp-')), 'atomic write leaves no temporary file');
  const svg = readFileSync(out, 'utf8');
  assertSvg(svg);
  const history = ck.training!.state.history;
  const train = polyline(svg, 'series-train');
  const val = polyline(svg, 'series-val');
  assert.equal(train?.length, history.filter((h) => Number.isFinite(h.trainLoss)).length);
  assert.equal(val?.length, history.length);
  const all = history.flatMap((h) => [h.trainLoss, h.valLoss!]).filter(Number.isFinite);
  const range = Math.max(...all) - Math.min(...all);
  // steps increase to the right; a lower loss is drawn higher up (smaller y) and vice versa
  for (let i = 1; i < history.length; i++) {
    assert.ok(val![i]!.x > val![i - 1]!.x);
    const dLoss = history[i]!.valLoss! - history[i - 1]!.valLoss!;
    if (Math.abs(dLoss) > 0.01 * range) assert.equal(Math.sign(val![i]!.y - val![i - 1]!.y), -Math.sign(dLoss));
  }
  const vals = history.map((h) => h.valLoss!);
  const k = vals.indexOf(Math.min(...vals));
  assert.deepEqual(bestCircle(svg), val![k]);
  assert.equal(history[k]!.step, ck.training!.state.bestStep);
  assert.match(svg, new RegExp(`best ${Math.min(...vals).toFixed(4)} at step ${history[k]!.step}`));
  for (const label of ['loss (nats/token)', '>step<', 'validation loss', 'training loss', 'tokens seen', 'bits per character']) assert.ok(svg.includes(label), label);
  assert.match(svg, new RegExp(`${ck.model.config.cell} 1×8`), 'the title sums up the model');
});

test('plot from an NDJSON training log (NaN written as "NaN"), and -o - to stdout', async () => {
  const history = ck.training!.state.history;
  const log = join(dir, 'train-log.ndjson');
  writeFileSync(log, toLog(history));
  assert.deepEqual(parseTrainLog(readFileSync(log, 'utf8')), history);
  const r = await runCli(['plot', log, '-o', '-', '-q']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assertSvg(r.stdout);
  assert.equal(polyline(r.stdout, 'series-val')?.length, history.length);
  assert.ok(bestCircle(r.stdout));
  const fromStdin = await runCli(['plot', '-', '-o', '-', '-q'], { stdin: toLog(history) });
  assert.equal(fromStdin.stdout, r.stdout.replaceAll('train-log.ndjson', 'standard input'));
});

test('plot: NaN training losses are skipped; one record is enough', async () => {
  const rec = (step: number, trainLoss: number, valLoss: number | null): EvalRecord => ({ step, epoch: 0, tokensSeen: step * 100, trainLoss, valLoss, lr: 0.002, elapsedMs: step * 10 });
  const log = join(dir, 'nan.ndjson');
  writeFileSync(log, toLog([rec(0, NaN, 3.2), rec(10, 2.9, 2.8), rec(20, NaN, 2.6), rec(30, 2.5, 2.7)]));
  const r = await runCli(['plot', log, '-o', '-', '-q']);
  assert.equal(r.code, 0, r.stderr);
  assertSvg(r.stdout);
  assert.equal(polyline(r.stdout, 'series-train')?.length, 2);
  assert.equal(polyline(r.stdout, 'series-val')?.length, 4);
  assert.ok(!/NaN/.test(r.stdout));
  assert.deepEqual(bestCircle(r.stdout), polyline(r.stdout, 'series-val')![2]);

  const one = join(dir, 'one.ndjson');
  writeFileSync(one, toLog([rec(50, NaN, 2.5)]));
  const o = await runCli(['plot', one, '-o', join(dir, 'one.svg')]);
  assert.equal(o.code, 0, o.stderr);
  const svg = readFileSync(join(dir, 'one.svg'), 'utf8');
  assertSvg(svg);
  assert.ok(!/NaN|Infinity/.test(svg));
  assert.ok(bestCircle(svg));
  assert.equal(polyline(svg, 'series-train'), null, 'no finite training loss: no training series');
  // a record without validation: no best point, the legend says so
  const noVal = lossPlotSvg([rec(5, 2.0, null)], { title: 'x' });
  assertSvg(noVal);
  assert.equal(bestCircle(noVal), null);
  assert.match(noVal, /no validation data/);
});

test('plot: losses at the ends of the float range, or too close to tell apart: a finite scale, no NaN or Infinity in the SVG', async () => {
  const rec = (step: number, trainLoss: number, valLoss: number | null): EvalRecord => ({ step, epoch: 0, tokensSeen: step * 100, trainLoss, valLoss, lr: 0.002, elapsedMs: step * 10 });
  // the review's log: max − min overflows to Infinity
  const log = join(dir, 'huge.ndjson');
  writeFileSync(log, toLog([rec(1, 1e308, null), rec(2, -1e308, null)]));
  const r = await runCli(['plot', log, '-o', '-', '-q']);
  assert.equal(r.code, 0, r.stderr);
  assertSvg(r.stdout);
  assert.ok(!/NaN|Infinity/.test(r.stdout), 'no NaN or Infinity');
  assert.equal(polyline(r.stdout, 'series-train')?.length, 2);
  const M = Number.MAX_VALUE, S = Number.MAX_SAFE_INTEGER;
  const histories: [string, EvalRecord[]][] = [
    ['±MAX_VALUE, validation too', [rec(1, M, -M), rec(2, -M, M), rec(3, 1, 2)]],
    ['one huge record', [rec(7, 1e308, 1e308)]],
    ['a validation loss whose perplexity overflows', [rec(1, 3, 800), rec(2, 2, 900)]],
    ['losses equal to 15 digits', [rec(1, 1, 1 + 1e-15), rec(2, 1 + 2e-15, 1)]],
    ['huge and nearly equal', [rec(1, 1e300, 1e300 * (1 + 1e-15)), rec(2, 1e300, 1e300)]],
    ['steps near the largest safe integer', [rec(S - 2, 3, 2.5), rec(S - 1, 2, 2.4), rec(S, 1, 2.3)]],
    ['tiny losses', [rec(1, 5e-324, 0), rec(2, 0, 5e-324)]],
  ];
  for (const [what, history] of histories) {
    for (const bitsAxis of [false, true]) {
      const svg = lossPlotSvg(history, { title: what, caption: 'c', bitsAxis });
      assertSvg(svg);
      assert.ok(!/NaN|Infinity/.test(svg), `${what}: ${svg.match(/.{60}(NaN|Infinity).{20}/)?.[0]}`);
    }
  }
  for (const [lo, hi] of [[-M, M], [1, 1 + 1e-15], [S - 1, S], [0, 5e-324], [1e308, 1e308]] as const) {
    const t = niceTicks(lo, hi, 6);
    assert.ok(Number.isFinite(t.lo) && Number.isFinite(t.hi) && t.lo < t.hi && t.values.every(Number.isFinite), `[${lo}, ${hi}]: ${JSON.stringify(t)}`);
  }
});

test('plot: bad log → exit 1, one line naming the line; checkpoint without history → exit 1; no -o → exit 2', async () => {
  const bad = join(dir, 'bad.ndjson');
  const good = toLog(ck.training!.state.history.slice(0, 1));
  writeFileSync(bad, good + '{"step": 3, "epoch": 0}\n');
  const out = join(dir, 'never.svg');
  const r = await runCli(['plot', bad, '-o', out]);
  assert.equal(r.code, 1);
  assert.match(oneLineError(r.stderr), /bad\.ndjson line 2: tokensSeen is missing/);
  assert.ok(!existsSync(out));
  writeFileSync(bad, good + 'not json\n');
  assert.match(oneLineError((await runCli(['plot', bad, '-o', out])).stderr), /line 2 is not JSON/);
  writeFileSync(bad, '{"step": 1, "epoch": 0, "tokensSeen": 5, "trainLoss": "fast", "valLoss": null, "lr": 1, "elapsedMs": 1}\n');
  assert.match(oneLineError((await runCli(['plot', bad, '-o', out])).stderr), /line 1: trainLoss should be a number/);
  writeFileSync(bad, '\n\n');
  assert.match(oneLineError((await runCli(['plot', bad, '-o', out])).stderr), /no evaluation records/);
  // a number past the double range is read as Infinity: the message shows it so, not as JSON.stringify's null
  writeFileSync(bad, '{"step": 1e309, "epoch": 0, "tokensSeen": 5, "trainLoss": 1, "valLoss": null, "lr": 1, "elapsedMs": 1}\n');
  assert.match(oneLineError((await runCli(['plot', bad, '-o', out])).stderr), /line 1: step should be a whole number ≥ 0 \(got Infinity\)/);
  // and a loss of 1e309 is a loss of "Infinity", which the log may hold: skipped as any non-finite loss
  writeFileSync(bad, '{"step": 1, "epoch": 0, "tokensSeen": 5, "trainLoss": 2, "valLoss": 1e309, "lr": 1, "elapsedMs": 1}\n{"step": 2, "epoch": 0, "tokensSeen": 9, "trainLoss": 1.5, "valLoss": 1.7, "lr": 1, "elapsedMs": 2}\n');
  assert.deepEqual(parseTrainLog(readFileSync(bad, 'utf8')).map((x) => x.valLoss), [Infinity, 1.7]);
  const big = await runCli(['plot', bad, '-o', '-', '-q']);
  assert.equal(big.code, 0, big.stderr);
  assert.equal(polyline(big.stdout, 'series-val')?.length, 1);

  const bare = join(dir, 'bare.json');
  writeFileSync(bare, serializeCheckpoint({ ...ck, training: null }));
  const b = await runCli(['plot', bare, '-o', out]);
  assert.equal(b.code, 1);
  assert.match(oneLineError(b.stderr), /no training state/);
  const trunc = join(dir, 'trunc.json');
  writeFileSync(trunc, readFileSync(model, 'utf8').slice(0, 200));
  const t = await runCli(['plot', trunc, '-o', out]);
  assert.equal(t.code, 1);
  assert.match(oneLineError(t.stderr), /checkpoint is not valid JSON/);
  const n = await runCli(['plot', model]);
  assert.equal(n.code, 2);
  assert.match(oneLineError(n.stderr), /--output/);
  const w = await runCli(['plot', model, '-o', out, '--width', '10']);
  assert.equal(w.code, 2);
  assert.match(oneLineError(w.stderr), /--width must be a whole number/);
  assert.ok(!existsSync(out));
  const h = await runCli(['plot', '--help']);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /Examples:/);
});

test('svg: text is escaped; ticks are nice numbers covering the data', () => {
  assert.equal(escapeXml(`<a href="x">&'</a>`), '&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;');
  const svg = lossPlotSvg([{ step: 1, epoch: 0, tokensSeen: 1, trainLoss: 1, valLoss: 1, lr: 1, elapsedMs: 1 }], { title: 'a < b & "c"', subtitle: "it's", caption: '<x>' });
  assertSvg(svg);
  assert.ok(svg.includes('a &lt; b &amp; &quot;c&quot;'));
  // characters XML 1.0 forbids are dropped (escape sequences, NUL, lone surrogates), terminal controls become references
  const hostile = lossPlotSvg([{ step: 1, epoch: 0, tokensSeen: 1, trainLoss: 1, valLoss: 1, lr: 1, elapsedMs: 1 }],
    { title: '\x1b[31mred\x00', subtitle: 'lone \ud800 \uffff', caption: '\u202e\x9b' });
  assertSvg(hostile);
  assert.ok(hostile.includes('>[31mred</text>') && hostile.includes('>lone  </text>') && hostile.includes('>&#x202e;&#x9b;</text>'));
  for (const [lo, hi] of [[1.93, 3.41], [0, 6000], [2.5, 2.5], [0.0012, 0.0047], [-3, 7]] as const) {
    const t = niceTicks(lo, hi, 6);
    assert.ok(t.lo <= lo && t.hi >= hi, `[${t.lo}, ${t.hi}] covers [${lo}, ${hi}]`);
    const mant = t.step / Math.pow(10, Math.floor(Math.log10(t.step) + 1e-9));
    assert.ok([1, 2, 5].some((m) => Math.abs(mant - m) < 1e-9), `step ${t.step} is 1, 2 or 5 × 10^k`);
    for (const v of t.values) assert.ok(Math.abs(v / t.step - Math.round(v / t.step)) < 1e-9, `${v} is a multiple of ${t.step}`);
    assert.ok(t.values.length >= 2 && t.values.length <= 13);
  }
  assert.ok(niceTicks(0, 3, 6, 1).values.every(Number.isInteger), 'minStep 1: whole numbers only');
});

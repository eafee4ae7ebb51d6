/**
 * Large corpora: peak memory and the time to read, build the vocabulary and
 * encode, at char and word level, for 10 MB and 100 MB of text. Run by hand
 * (not a test, never in `npm test`):
 *
 *   npx tsc -p tsconfig.json && node dist/test/bench/corpus-bench.js [--sizes 10,100] [--keep]
 *
 * The corpora are made in /tmp/rnnlm-bench (reused when present; --keep leaves
 * them there, otherwise the directory is removed at the end) by repeating and shuffling
 * the lines of ../shared/corpora/tinyshakespeare.txt with a seeded Rng:
 *
 *   plain-N.txt   shuffled lines, ~65 distinct characters, ~15k distinct words
 *   words-N.txt   the same with a number glued to one word in three
 *                 ("king417"): hundreds of thousands of distinct words, so the
 *                 default word-level cap (20,000) applies and must be announced
 *
 * Two measurements per (corpus, level), each in a fresh process so that peak
 * RSS is its own:
 *
 *   data  the CLI's data path, phase by phase, with the same functions
 *         `rnnlm train` uses (readText → splitSentences → splitTrainVal →
 *         countTokens → buildVocab → encodeSplit); peak RSS from
 *         process.resourceUsage().maxRSS.
 *   cli   the real command, `node bin/rnnlm.js train FILE --max-steps 5
 *         --samples 0 --hidden 32 --layers 1 --val-fraction 0`, under
 *         /usr/bin/time -v when it exists (else the wall time only). The
 *         validation fraction is 0 only to skip a final evaluation over 5 MB
 *         of held-out text that would take minutes at word level; the data
 *         run above includes the held-out part.
 *
 * The budget the issue sets: peak memory a small multiple of (tokens × 4 bytes
 * + text bytes) above Node's own baseline. "ratio" is (peak − baseline) /
 * (tokens × 4 + text bytes); the text is counted once as bytes, although V8
 * holds ASCII text at one byte per character and other text at two.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { nodeHost } from '../../src/cli/host.js';
import { readText } from '../../src/cli/input.js';
import { encodeSplit, splitTrainVal } from '../../src/core/data.js';
import { createRng, shuffle } from '../../src/core/rng.js';
import { countTokens, normalizeText, splitSentences, type TokenizerConfig } from '../../src/core/tokenize.js';
import { buildVocab } from '../../src/core/vocab.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const source = path.resolve(root, '../shared/corpora/tinyshakespeare.txt');
const workDir = '/tmp/rnnlm-bench';
const MB = 1_000_000;
/** The CLI's default caps (src/api/options.ts DEFAULT_MAX_VOCAB). */
const DEFAULT_MAX_VOCAB = { char: 2000, word: 20_000 } as const;

// ── making the corpora ──────────────────────────────────────────────────────

/** Shuffled copies of the source's lines until `bytes` are written; `distinct` glues numbers to words. */
function makeCorpus(file: string, bytes: number, distinct: boolean): void {
  if (existsSync(file) && statSync(file).size >= bytes) return;
  const lines = readFileSync(source, 'utf8').split('\n');
  const rng = createRng(distinct ? 2 : 1);
  const fd = openSync(file, 'w');
  let written = 0;
  try {
    while (written < bytes) {
      shuffle(lines, rng);
      const parts: string[] = [];
      for (const l of lines) parts.push(distinct ? l.replace(/[A-Za-z]+/g, (w) => (rng.uniform() < 1 / 3 ? w + rng.int(10_000) : w)) : l);
      let chunk = parts.join('\n') + '\n';
      if (written + chunk.length > bytes) chunk = chunk.slice(0, bytes - written);
      writeSync(fd, chunk); // ASCII: one byte per character
      written += chunk.length;
    }
  } finally {
    closeSync(fd);
  }
}

// ── one measurement in a child process ─────────────────────────────────────

interface DataResult {
  readMs: number; splitMs: number; valMs: number; vocabMs: number; encodeMs: number;
  textBytes: number; sentences: number; tokens: number; valTokens: number; distinct: number; vocab: number;
  maxRssMB: number; baselineRssMB: number;
}

/** The data path of `rnnlm train`, timed phase by phase (runs in the child). */
async function dataChild(file: string, level: 'char' | 'word'): Promise<DataResult> {
  const baselineRssMB = process.resourceUsage().maxRSS / 1024;
  const tok: TokenizerConfig = { level, lowercase: false, unkToken: null };
  let t = performance.now();
  const lap = () => { const now = performance.now(); const ms = now - t; t = now; return ms; };
  const text = await readText(nodeHost(), file);
  const readMs = lap();
  const sentences = splitSentences(normalizeText(text), 'line');
  const splitMs = lap();
  const split = splitTrainVal(sentences, 0.05, createRng(1), 'line');
  const valMs = lap();
  const counts = countTokens(split.train, tok);
  const { vocab, distinct } = buildVocab(counts, { maxVocab: DEFAULT_MAX_VOCAB[level] });
  const vocabMs = lap();
  const data = encodeSplit(split, vocab, tok);
  const encodeMs = lap();
  return {
    readMs, splitMs, valMs, vocabMs, encodeMs,
    textBytes: statSync(file).size, sentences: sentences.length, tokens: data.train.ids.length, valTokens: data.val?.ids.length ?? 0,
    distinct, vocab: vocab.tokens.length, maxRssMB: process.resourceUsage().maxRSS / 1024, baselineRssMB,
  };
}

interface CliResult { wallS: number; maxRssMB: number | null; capNote: string | null; dataLine: string; code: number | null }

function runCli(file: string, level: string): CliResult {
  const out = path.join(workDir, `model-${level}.json`);
  const args = ['bin/rnnlm.js', 'train', file, '-o', out, '--level', level, '--max-steps', '5', '--samples', '0', '--hidden', '32', '--layers', '1', '--val-fraction', '0', '--force'];
  const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
  const t0 = performance.now();
  const r = timeBin
    ? spawnSync(timeBin, ['-v', process.execPath, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 * MB })
    : spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 * MB });
  const wallS = (performance.now() - t0) / 1000;
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  rmSync(out, { force: true });
  rmSync(out.replace(/\.json$/, '.last.json'), { force: true });
  return {
    wallS, code: r.status,
    maxRssMB: rss ? Number(rss[1]) / 1024 : null,
    capNote: /note: vocabulary capped[^\n]*/.exec(r.stderr)?.[0] ?? null,
    dataLine: /data\s+[^\n]*/.exec(r.stderr)?.[0] ?? '(no data line)',
  };
}

function child(kind: 'data', file: string, level: string): DataResult {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, [self, '--child', kind, file, level], { encoding: 'utf8', maxBuffer: 16 * MB });
  if (r.status !== 0) throw new Error(`child failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as DataResult;
}

// ── main ────────────────────────────────────────────────────────────────────

const fmt = (x: number, d = 0) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { child: { type: 'string' }, sizes: { type: 'string', default: '10,100' }, keep: { type: 'boolean', default: false } },
    allowPositionals: true, strict: true,
  });
  if (values.child) {
    const [file, level] = process.argv.slice(-2) as [string, 'char' | 'word'];
    process.stdout.write(JSON.stringify(await dataChild(file, level)) + '\n');
    return;
  }
  if (!existsSync(source)) throw new Error(`no source corpus at ${source}`);
  mkdirSync(workDir, { recursive: true });
  const sizes = values.sizes.split(',').map(Number);
  console.log(`corpus bench: node ${process.version}, source ${path.relative(root, source)}, corpora in ${workDir}`);
  console.log('data = the CLI data path in a fresh process (read → split → hold out 5% → count + vocabulary → encode)');
  console.log('cli  = node bin/rnnlm.js train FILE --level L --max-steps 5 --samples 0 --hidden 32 --layers 1 --val-fraction 0\n');
  const rows: string[][] = [[
    'corpus', 'level', 'MB', 'sentences', 'tokens', 'distinct', 'V', 'read s', 'split s', 'vocab s', 'encode s',
    'data peak MB', 'base MB', 'ratio', 'cli wall s', 'cli peak MB', 'cap note',
  ]];
  const made: string[] = [];
  for (const size of sizes) {
    for (const [level, kind] of [['char', 'plain'], ['word', 'plain'], ['word', 'words']] as const) {
      const file = path.join(workDir, `${kind}-${size}MB.txt`);
      const t0 = performance.now();
      makeCorpus(file, size * MB, kind === 'words');
      if (!made.includes(file)) made.push(file);
      const genS = (performance.now() - t0) / 1000;
      if (genS > 0.5) console.log(`made ${path.basename(file)} in ${fmt(genS, 1)} s`);
      const d = child('data', file, level);
      const c = runCli(file, level);
      if (c.code !== 0) console.log(`  cli exited ${c.code}`);
      const budget = (d.tokens + d.valTokens) * 4 + d.textBytes;
      const ratio = (d.maxRssMB - d.baselineRssMB) * 1024 * 1024 / budget;
      rows.push([
        path.basename(file), level, fmt(d.textBytes / MB), fmt(d.sentences), fmt(d.tokens + d.valTokens), fmt(d.distinct), fmt(d.vocab),
        fmt(d.readMs / 1000, 2), fmt((d.splitMs + d.valMs) / 1000, 2), fmt(d.vocabMs / 1000, 2), fmt(d.encodeMs / 1000, 2),
        fmt(d.maxRssMB), fmt(d.baselineRssMB), fmt(ratio, 2), fmt(c.wallS, 1), c.maxRssMB === null ? 'n/a' : fmt(c.maxRssMB),
        c.capNote ? 'yes' : d.distinct + 2 > d.vocab ? 'MISSING' : '(no cap)',
      ]);
      console.log(`${path.basename(file)} ${level}: ${c.dataLine}${c.capNote ? `\n  ${c.capNote}` : ''}`);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  console.log('\n' + rows.map((r) => r.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')).join('\n'));
  console.log('\nratio = (data peak − base) / (tokens × 4 B + text bytes); base = RSS of the child before it read anything.');
  if (!values.keep) {
    for (const f of made) rmSync(f, { force: true });
    rmSync(workDir, { recursive: true, force: true });
  }
}

await main();

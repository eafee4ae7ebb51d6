/**
 * What every command shares (issue 14's rough edges): the model as the
 * argument or with -m where that is unambiguous, required options marked in
 * the help, one style of defaults, a warning when a score argument is a file,
 * the library's field names and full precision in --json, and singular
 * nouns for 1. Expected texts are written out here, numbers come from the
 * library or from the checkpoint file, never from the command's own output.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Command } from 'commander';
import { evaluate } from '../../src/api/evaluate.js';
import { describeCheckpoint } from '../../src/api/info.js';
import { score } from '../../src/api/score.js';
import { startSampling } from '../../src/api/sample.js';
import { parseCheckpoint, serializeCheckpoint } from '../../src/checkpoint/codec.js';
import { registerEval } from '../../src/cli/commands/eval.js';
import { registerInfo } from '../../src/cli/commands/info.js';
import { registerPlot } from '../../src/cli/commands/plot.js';
import { registerSample } from '../../src/cli/commands/sample.js';
import { registerTrain } from '../../src/cli/commands/train.js';
import { registerRescore } from '../../src/cli/commands/rescore.js';
import { registerScore } from '../../src/cli/commands/score.js';
import { nodePlatform } from '../../src/node/platform.js';
import { oneLineError, runCli } from '../helpers/fake-host.js';
import { ENV, tinyModel, type TinyModel } from '../api/tiny-model.js';

let m: TinyModel;
before(async () => { m = await tinyModel(); });
after(() => rmSync(m.dir, { recursive: true, force: true }));

/** The five commands as registered, to read their options as commander holds them. */
function commands(): Command[] {
  const program = new Command('rnnlm');
  for (const register of [registerTrain, registerScore, registerSample, registerEval, registerInfo, registerPlot, registerRescore]) register(program, () => {});
  return program.commands as Command[];
}

// ── -m and the argument ────────────────────────────────────────────────────

test('sample, info and plot take the model as the argument or with -m, alike', async () => {
  const positional = await runCli(['sample', m.file, '-n', '3', '--seed', '5']);
  const option = await runCli(['sample', '-m', m.file, '-n', '3', '--seed', '5']);
  assert.equal(positional.code, 0, positional.stderr);
  assert.equal(positional.stdout.split('\n').length, 4, 'three samples');
  assert.equal(option.stdout, positional.stdout);
  const both = await runCli(['sample', m.file, '-m', m.file, '-n', '3', '--seed', '5']);
  assert.equal(both.code, 0, 'the same file twice is one model');
  assert.equal(both.stdout, positional.stdout);

  const info = await runCli(['info', m.file]);
  assert.equal(info.code, 0, info.stderr);
  assert.deepEqual(await runCli(['info', '-m', m.file]), info);

  const a = join(m.dir, 'a.svg'), b = join(m.dir, 'b.svg');
  assert.equal((await runCli(['plot', m.file, '-o', a, '-q'])).code, 0);
  const p = await runCli(['plot', '-m', m.file, '-o', b, '-q']);
  assert.equal(p.code, 0, p.stderr);
  assert.equal(readFileSync(b, 'utf8'), readFileSync(a, 'utf8'));
});

test('two different models (argument and -m) → exit 2, one line naming both; none → exit 2 showing both ways', async () => {
  const other = join(m.dir, 'other.json');
  for (const [cmd, rest] of [['sample', []], ['info', []], ['plot', ['-o', join(m.dir, 'x.svg')]]] as const) {
    const r = await runCli([cmd, m.file, '-m', other, ...rest]);
    assert.equal(r.code, 2, `${cmd}: ${r.stderr}`);
    const line = oneLineError(r.stderr);
    assert.ok(line.includes(JSON.stringify(m.file)) && line.includes(JSON.stringify(other)), line);
    assert.match(line, /\(the argument\).*\(-m\)/);
    const none = await runCli([cmd, ...rest]);
    assert.equal(none.code, 2, `${cmd}: ${none.stderr}`);
    assert.match(oneLineError(none.stderr), new RegExp(`no (model|input) given: .* — e\\.g\\. rnnlm ${cmd} model\\.json.* \\(or -m model\\.json\\)`));
  }
  assert.equal(oneLineError((await runCli(['sample'])).stderr),
    "rnnlm: no model given: name the checkpoint to sample from — e.g. rnnlm sample model.json (or -m model.json); see 'rnnlm sample --help'");
  // score and eval keep -m: their arguments are sentences and the corpus
  for (const argv of [['score', 'abc'], ['eval', m.file]]) {
    const r = await runCli(argv);
    assert.equal(r.code, 2);
    assert.match(oneLineError(r.stderr), /-m, --model/);
  }
});

// ── the help: required options, one style of defaults ────────────────────────

test('help marks required options: score and eval -m, plot -o "(required)"; sample, info and plot their argument "(required: here or with -m)"', async () => {
  for (const cmd of commands()) {
    for (const o of cmd.options) {
      if (o.mandatory) assert.match(o.description, /\(required\)$/, `${cmd.name()} ${o.flags}`);
    }
  }
  const mandatory = Object.fromEntries(commands().map((c) => [c.name(), c.options.filter((o) => o.mandatory).map((o) => o.long)]));
  assert.deepEqual(mandatory, { train: [], score: ['--model'], sample: [], eval: ['--model'], info: [], plot: ['--output'], rescore: ['--model'] });
  for (const name of ['sample', 'info', 'plot']) {
    const cmd = commands().find((c) => c.name() === name)!;
    assert.match(cmd.registeredArguments[0]!.description, /\(required: here or with -m\)$/, name);
    assert.ok(cmd.options.some((o) => o.short === '-m' && o.long === '--model'), `${name} -m`);
  }
  for (const name of ['score', 'eval']) {
    const h = await runCli([name, '--help']);
    assert.match(h.stdout, /-m, --model <file>\s+checkpoint written by rnnlm train \(required\)/, name);
  }
  assert.match((await runCli(['plot', '--help'])).stdout, /-o, --output <file>\s+SVG file to write, or '-' for standard output\s+\(required\)/);
});

test('help shows defaults one way: the description ends "(default: X)" (or "(…; default: X)"), never commander\'s quoted "(default: "10")"', async () => {
  const style = /\((?:[^()]*; )?default: [^()]+\)$/;
  for (const cmd of commands()) {
    for (const o of cmd.options) {
      assert.equal(o.defaultValue, undefined, `${cmd.name()} ${o.flags}: the default comes from the schema, not commander`);
      const mentions = o.description.match(/default/g)?.length ?? 0;
      assert.ok(mentions <= 1, `${cmd.name()} ${o.flags}`);
      if (mentions) assert.match(o.description, style, `${cmd.name()} ${o.flags}`);
    }
    for (const a of cmd.registeredArguments) {
      assert.equal(a.defaultValue, undefined);
      if (/default/.test(a.description)) assert.match(a.description, style, `${cmd.name()} <${a.name()}>`);
    }
    const h = await runCli([cmd.name(), '--help']);
    assert.equal(h.code, 0);
    assert.ok(!/\(default: "/.test(h.stdout), `${cmd.name()} --help: ${h.stdout}`);
  }
  const s = (await runCli(['sample', '--help'])).stdout.replace(/\s+/g, ' ');
  for (const shown of ['how many samples (default: 10)', 'wilder (default: 1)', '0 = all (default: 0)', '(default: 200 characters, 50 words)']) {
    assert.ok(s.includes(shown), shown);
  }
  const e = (await runCli(['eval', '--help'])).stdout.replace(/\s+/g, ' ');
  assert.ok(e.includes('time steps per window (default: 64)') && e.includes('in line/paragraph mode (default: 32)'));
  assert.ok((await runCli(['info', '--help'])).stdout.includes('tokens to list (default: 10)'));
  const p = (await runCli(['plot', '--help'])).stdout;
  assert.ok(p.includes('picture width in pixels (default: 820)') && p.includes('picture height in pixels (default: 520)'));
});

test('help examples are command lines as typed: each on one line, no raw control characters (sample --stop $\'\\n\\n\' as the README writes it)', async () => {
  const helps = [[], ...['train', 'score', 'sample', 'eval', 'info', 'plot', 'strip', 'rescore', 'export', 'import', 'encode', 'view', 'tag'].map((c) => [c]),
    ['tag', 'train'], ['tag', 'predict'], ['tag', 'eval']];
  for (const args of helps) {
    const h = await runCli([...args, '--help']);
    assert.equal(h.code, 0, args.join(' '));
    assert.ok(!/[\x00-\x09\x0b-\x1f\x7f]/.test(h.stdout), `${args.join(' ')} --help holds a control character`);
    const examples = h.stdout.split('Examples:\n')[1];
    if (examples === undefined) continue;
    for (const line of examples.trimEnd().split('\n')) assert.match(line, /^ {2}\S/, `${args.join(' ')} --help: an example line broken: ${JSON.stringify(line)}`);
  }
  assert.ok((await runCli(['sample', '--help'])).stdout.includes("rnnlm sample shakespeare.json --raw --stop $'\\n\\n' --max-length 500\n"));
});

test('the defaults the help states are the ones used (zod supplies them)', async () => {
  // sample: 10 samples, temperature 1, top-k 0 — the same bytes as the library's draw with those options
  const r = await runCli(['sample', m.file, '--seed', '9']);
  const run = startSampling(nodePlatform(ENV), m.node, { n: 10, temperature: 1, topK: 0, seed: 9 });
  const want: string[] = [];
  for (let s = run.next(); s !== null; s = run.next()) want.push(s.text);
  assert.equal(r.stdout, want.map((t) => t + '\n').join(''));
  // info: the 10 most frequent tokens (tiny.txt has 4 characters, so all of them)
  const j = JSON.parse((await runCli(['info', m.file, '--json'])).stdout);
  assert.equal(j.vocabulary.top.length, Math.min(10, m.node.counts!.filter((c) => c > 0).length));
  // plot: 820 × 520
  const svg = (await runCli(['plot', m.file, '-o', '-', '-q'])).stdout;
  assert.match(svg, /^<svg[^>]* width="820" height="520"/);
});

// ── score: an argument that is a file ────────────────────────────────────────

test('score: an argument that names an existing file is scored as given, with one warning saying how to score its lines; none with -q', async () => {
  const dir = join(m.dir, 'corpora');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'names.txt');
  writeFileSync(file, 'abc\ncab\n');
  const rel = relative(process.cwd(), file);
  assert.ok(rel.includes('/'));
  const r = await runCli(['score', '-m', m.file, rel, 'abc', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const recs = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  const lib = await score(nodePlatform(ENV), m.node, [rel, 'abc']);
  assert.deepEqual(recs.map((x) => x.sentence), [rel, 'abc'], 'the path is the sentence');
  assert.equal(recs[0].tokens, [...rel].length + 1, 'its characters and <EOS>');
  assert.equal(recs[0].logProb, lib[0]!.logProb);
  assert.equal(r.stderr, `warning: "${rel}" is a file; it was scored as a sentence — to score its lines: rnnlm score -m ${m.file} < ${rel}\n`);

  const q = await runCli(['score', '-m', m.file, rel, '-q']);
  assert.equal(q.code, 0);
  assert.equal(q.stderr, '');
  assert.equal(q.stdout.trim().split('\n').length, 1);

  // the summary comes first, then the warning, one line
  const t = await runCli(['score', '-m', m.file, file]);
  const lines = t.stderr.trim().split('\n');
  assert.equal(lines.length, 2, t.stderr);
  assert.match(lines[0]!, /^1 sentence, /);
  assert.equal(lines[1], `warning: "${file}" is a file; it was scored as a sentence — to score its lines: rnnlm score -m ${m.file} < ${file}`);

  // not files: a path that does not exist, a directory, words without '/' or '.', a model read from '-' named MODEL
  for (const arg of [join(dir, 'nope.txt'), dir, 'abc', 'a b.']) {
    const n = await runCli(['score', '-m', m.file, arg, '-q']);
    assert.equal(n.code, 0);
    const s = await runCli(['score', '-m', m.file, arg]);
    assert.ok(!/warning/.test(s.stderr), `${arg}: ${s.stderr}`);
  }
  // several files: still one warning, naming them, with a command that scores all their lines
  const second = join(dir, 'more.txt');
  writeFileSync(second, 'ba\n');
  const two = await runCli(['score', '-m', m.file, file, second, '-q', '--json']);
  assert.equal(two.stderr, '');
  const w = await runCli(['score', '-m', m.file, file, second, '--json']);
  assert.equal(w.stderr, `warning: 2 arguments are files ("${file}", "${second}"); they were scored as sentences — to score their lines: cat ${file} ${second} | rnnlm score -m ${m.file}\n`);
  // more than three: the first three named, and a command for any number of files
  const many = [0, 1, 2, 3].map((i) => join(dir, `f${i}.txt`));
  for (const f of many) writeFileSync(f, 'a\n');
  const four = await runCli(['score', '-m', m.file, ...many, '--json']);
  assert.equal(four.stderr, `warning: 4 arguments are files ("${many[0]}", "${many[1]}", "${many[2]}", …); they were scored as sentences — to score their lines: cat FILE... | rnnlm score -m ${m.file}\n`);
  // the lines of the file, as the warning says: on standard input
  const lines2 = await runCli(['score', '-m', m.file, '--json'], { stdin: readFileSync(file, 'utf8') });
  assert.deepEqual(lines2.stdout.trim().split('\n').map((l) => JSON.parse(l).sentence), ['abc', 'cab']);
});

test('score: a FIFO or a model read from standard input — the FIFO is not a file to warn about (and is never opened); with -m - the hint says MODEL', { timeout: 20_000 }, async () => {
  const file = join(m.dir, 'plain.txt');
  writeFileSync(file, 'abc\n');
  const viaStdin = await runCli(['score', '-m', '-', file], { stdin: readFileSync(m.file) });
  assert.equal(viaStdin.code, 0, viaStdin.stderr);
  assert.match(viaStdin.stderr, new RegExp(`to score its lines: rnnlm score -m MODEL < ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\n$`));
  const fifo = join(m.dir, 'pipe.fifo');
  if (spawnSync('mkfifo', [fifo]).status !== 0) return; // no mkfifo here: nothing to check
  // nobody writes to the FIFO: opening it to read would wait for ever
  const r = await runCli(['score', '-m', m.file, fifo, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).sentence, fifo);
  assert.ok(!/warning/.test(r.stderr), r.stderr);
});

// ── --json: the library's names, full precision ───────────────────────────────

test('score --json uses the library\'s field names (logProb, per token too) and prints every number at full precision', async () => {
  const sentences = ['abc', 'ca b', 'cc'];
  const lib = await score(nodePlatform(ENV), m.node, sentences);
  for (const [flag, base] of [[[], 1], [['--bits'], Math.LN2], [['--log10'], Math.LN10]] as const) {
    const r = await runCli(['score', '-m', m.file, '--json', '--per-token', ...flag, ...sentences]);
    assert.equal(r.code, 0, r.stderr);
    const recs = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    recs.forEach((rec, i) => {
      const want = lib[i]!;
      assert.deepEqual(Object.keys(rec), ['sentence', 'logProb', 'unit', 'tokens', 'unk', 'perplexity', 'perToken']);
      for (const key of Object.keys(want)) assert.ok(key in rec, `the library's ${key} is in --json`);
      assert.ok(!('logprob' in rec));
      assert.equal(rec.logProb, want.logProb / base, 'not rounded');
      assert.equal(rec.perplexity, want.perplexity);
      assert.equal(rec.tokens, want.tokens);
      rec.perToken.forEach((p: Record<string, unknown>, t: number) => {
        assert.deepEqual(Object.keys(p), ['token', 'logProb', 'prob']);
        assert.equal(p.token, want.perToken[t]!.token);
        assert.equal(p.logProb, want.perToken[t]!.logProb / base);
        assert.equal(p.prob, Math.exp(want.perToken[t]!.logProb));
      });
    });
  }
  // the text output rounds (4 decimals for log P, 6 for a probability); --json does not
  const text = await runCli(['score', '-m', m.file, '--per-token', 'abc']);
  const [first, ...perToken] = text.stdout.trim().split('\n');
  assert.equal(first!.split('\t')[0], lib[0]!.logProb.toFixed(4));
  assert.deepEqual(perToken.map((l) => l.split('\t')[3]), lib[0]!.perToken.map((p) => Math.exp(p.logProb).toFixed(6)));
});

test('eval --json: the library\'s Evaluation fields (plus corpus and model), every number at full precision', async () => {
  const corpus = join(m.dir, 'held.txt');
  writeFileSync(corpus, 'abc\nba c\nzz\n');
  const r = await runCli(['eval', '-m', m.file, corpus, '--json', '--threads', '1']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  const lib = await evaluate(nodePlatform(ENV), m.node, readFileSync(corpus, 'utf8'), { threads: 1 });
  const { unknown: _u, threads: _t, fallback: _f, ...numbers } = lib;
  assert.deepEqual(j, { corpus, model: m.file, ...numbers }, 'same names, same numbers to the last bit');
  assert.equal(j.perplexity, Math.exp(j.crossEntropy));
  assert.equal(j.bitsPerToken, j.crossEntropy / Math.LN2);
  assert.equal(j.unkRate, 2 / j.tokens, 'z, z: two <UNK>s');
});

test('sample --json and info --json: the library\'s names and exact numbers (a seed of 2^53 − 1 comes back whole)', async () => {
  const seed = Number.MAX_SAFE_INTEGER;
  const r = await runCli(['sample', m.file, '--json', '-n', '2', '--seed', String(seed)]);
  assert.equal(r.code, 0, r.stderr);
  const run = startSampling(nodePlatform(ENV), m.node, { n: 2, seed });
  r.stdout.trim().split('\n').map((l) => JSON.parse(l)).forEach((rec, i) => {
    const want = run.next()!;
    assert.deepEqual(Object.keys(rec), ['text', 'prime', 'tokens', 'end', 'logProb', 'copy', 'seed', 'index']);
    assert.deepEqual({ text: rec.text, tokens: rec.tokens, end: rec.end, logProb: rec.logProb, copy: rec.copy }, want, 'the library\'s Sample, field for field');
    assert.equal(rec.seed, seed);
    assert.equal(rec.index, i);
  });
  const info = JSON.parse((await runCli(['info', m.file, '--json'])).stdout);
  const ck = parseCheckpoint(readFileSync(m.file, 'utf8'));
  const { file, fileBytes, ...rest } = info;
  assert.equal(file, m.file);
  assert.ok(fileBytes > 0);
  assert.deepEqual(rest, JSON.parse(JSON.stringify(describeCheckpoint(ck))), 'describeCheckpoint\'s names and numbers');
  assert.equal(info.model.sizeMB, (ck.model.layout.total * 4) / (1024 * 1024));
});

// ── plurals ─────────────────────────────────────────────────────────────────

test('plurals: "1 sentence, 1 token", "1 step into the next", "1 step · 1 epoch complete · 1 token seen · … · 1 evaluation"', async () => {
  const one = await runCli(['score', '-m', m.file, '']);
  assert.equal(one.code, 0);
  assert.match(one.stderr, /^1 sentence, 1 token \(<EOS> included\), 0 <UNK>;/);
  const two = await runCli(['score', '-m', m.file, 'ab', 'c']);
  assert.match(two.stderr, /^2 sentences, 5 tokens \(<EOS> included\)/);

  const ck = parseCheckpoint(readFileSync(m.file, 'utf8'));
  const s = ck.training!.state;
  s.windowInEpoch = 1;
  s.history = [{ step: 1, epoch: 1, tokensSeen: 1, trainLoss: 1.5, valLoss: 1.25, lr: 0.002, elapsedMs: 1000 }];
  s.step = 1;
  // a state at step 1 has its best at step 1 at the latest (a bestStep beyond the state's own step is refused as damaged)
  s.bestStep = 1;
  s.epoch = 1;
  s.tokensSeen = 1;
  s.elapsedMs = 1000;
  const file = join(m.dir, 'one.json');
  writeFileSync(file, serializeCheckpoint(ck));
  const info = await runCli(['info', file]);
  assert.equal(info.code, 0, info.stderr);
  assert.match(info.stdout, /epochs\s+1 complete, 1 step into the next\n/);
  assert.match(info.stdout, /evaluations\s+1 \(draw it: /);
  const svg = join(m.dir, 'one.svg');
  const p = await runCli(['plot', file, '-o', svg]);
  assert.equal(p.code, 0, p.stderr);
  assert.match(p.stderr, /: 1 evaluation, best validation loss 1\.2500 at step 1\n$/);
  assert.ok(readFileSync(svg, 'utf8').includes('1 step · 1 epoch complete · 1 token seen · 1s of training · 1 evaluation'));
  s.windowInEpoch = 2;
  writeFileSync(file, serializeCheckpoint(ck));
  assert.match((await runCli(['info', file])).stdout, /2 steps into the next/);
});

/**
 * api/evaluate.ts: `rnnlm eval`'s computation. Its cross-entropy is the mean
 * −log P per token of the api's scorer over the same sentences; counts are
 * by hand; the basic platform and Node's agree to rounding, and the command
 * line prints exactly the api's numbers. Refusals come before any work.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluate } from '../../src/api/evaluate.js';
import { basicPlatform } from '../../src/api/platform.js';
import { score } from '../../src/api/score.js';
import { DataError, OptionError } from '../../src/core/errors.js';
import { nodePlatform } from '../../src/node/platform.js';
import { runCli } from '../helpers/fake-host.js';
import { ENV, tinyModel, type TinyModel } from './tiny-model.js';

let m: TinyModel;
before(async () => { m = await tinyModel(); });
after(() => rmSync(m.dir, { recursive: true, force: true }));

test('cross-entropy = −Σ log P / N of the api\'s scorer over the same lines; N = characters + one <EOS> per line; ppl, bits follow', async () => {
  const e = await evaluate(basicPlatform(), m.ref, m.text);
  const lines = m.text.split('\n').filter((l) => l.trim() !== '');
  assert.equal(e.sentences, lines.length);
  assert.equal(e.tokens, lines.reduce((n, l) => n + [...l].length + 1, 0));
  const scores = await score(basicPlatform(), m.ref, lines);
  const ce = -scores.reduce((s, x) => s + x.logProb, 0) / e.tokens;
  assert.ok(Math.abs(e.crossEntropy - ce) < 1e-6 * ce, `${e.crossEntropy} vs ${ce}`);
  assert.equal(e.perplexity, Math.exp(e.crossEntropy));
  assert.equal(e.bitsPerToken, e.crossEntropy / Math.LN2);
  assert.equal(e.bitsPerChar, e.bitsPerToken);
  assert.deepEqual([e.level, e.sentenceMode, e.unk, e.unkRate, e.unknown], ['char', 'line', 0, 0, []]);
  assert.equal(e.threads, 1);
});

test('unknown characters: counted by hand, listed once each in order of first appearance', async () => {
  const text = 'abz\nQz c\n\nzzQ☃\n';
  const e = await evaluate(basicPlatform(), m.ref, new TextEncoder().encode(text));
  const lines = ['abz', 'Qz c', 'zzQ☃'];
  const unk = [...lines.join('')].filter((ch) => !'abc '.includes(ch)).length;
  assert.equal(e.unk, unk);
  assert.equal(e.tokens, lines.reduce((n, l) => n + [...l].length + 1, 0));
  assert.equal(e.unkRate, unk / e.tokens);
  assert.deepEqual(e.unknown, ['z', 'Q', '☃']);
});

test('the basic platform and Node\'s agree to rounding, and rnnlm eval --json prints Node\'s numbers to the bit', async () => {
  const text = m.text.repeat(20); // 120 sentences: several batches
  const basic = await evaluate(basicPlatform(), m.ref, text, { batch: 8 });
  const node = await evaluate(nodePlatform(ENV), m.node, text, { batch: 8, threads: 2 });
  assert.ok(Math.abs(basic.crossEntropy - node.crossEntropy) < 1e-5 * basic.crossEntropy, `${basic.crossEntropy} vs ${node.crossEntropy}`);
  assert.equal(basic.tokens, node.tokens);
  const corpus = join(m.dir, 'held-out.txt');
  writeFileSync(corpus, text);
  const r = await runCli(['eval', '-m', m.file, corpus, '--json', '--batch', '8', '--threads', '2']);
  assert.equal(r.code, 0, r.stderr);
  const { unknown: _u, threads: _t, fallback: _f, ...numbers } = node;
  assert.deepEqual(JSON.parse(r.stdout), { corpus, model: m.file, ...numbers });
});

test('refused before any work: the options (before the text is read), then a text with no sentence; windows shrink to the text', async () => {
  let read = false;
  const reader = async () => { read = true; return m.text; };
  await assert.rejects(evaluate(basicPlatform(), m.ref, reader, { bach: 4 } as never), (e: Error) => e instanceof OptionError && /^unknown option bach$/.test(e.message) && /did you mean batch\?/.test((e as OptionError).hint ?? ''));
  await assert.rejects(evaluate(basicPlatform(), m.ref, reader, { bptt: 0 }), (e: Error) => e instanceof OptionError && /^bptt must be a whole number from 1/.test(e.message));
  assert.equal(read, false, 'the text is not read when the options are wrong');
  // --batch and --bptt are speed only: windows larger than this small text shrink to it, and give the same numbers
  const huge = await evaluate(basicPlatform(), m.ref, m.text, { batch: 4096, bptt: 100_000 });
  const plain = await evaluate(basicPlatform(), m.ref, m.text, {});
  assert.equal(huge.tokens, plain.tokens);
  assert.ok(Math.abs(huge.crossEntropy - plain.crossEntropy) < 1e-12, `${huge.crossEntropy} vs ${plain.crossEntropy}`);
  await assert.rejects(evaluate(basicPlatform(), m.ref, '\n  \n'), (e: Error) => e instanceof DataError && e.message === "evaluate()'s text has no text to evaluate (empty or only blank lines)");
  await assert.rejects(evaluate(basicPlatform(), m.ref, Uint8Array.of(0x61, 0xff, 0x0a)), (e: Error) => e instanceof DataError && /^evaluate\(\)'s text is not valid UTF-8 text \(byte 0xFF at offset 1\)$/.test(e.message));
  await assert.rejects(evaluate(basicPlatform(), m.ref, 42 as never), (e: Error) => e instanceof OptionError && /^evaluate\(\)'s text must be a string/.test(e.message));
  await assert.rejects(evaluate(basicPlatform(), {} as never, m.text), (e: Error) => e instanceof OptionError && /^evaluate\(\)'s model must be a model/.test(e.message));
});

test('a text given as a function is checked for what it returns: a string or bytes, else one OptionError naming the text', async () => {
  for (const bad of [5, undefined, null, {}, ['abc']]) {
    await assert.rejects(evaluate(basicPlatform(), m.ref, (async () => bad) as never),
      (e: Error) => e instanceof OptionError && e.message === `evaluate()'s text (what its function returned) must be a string, or a Uint8Array (or Buffer) of UTF-8 bytes (got ${bad === undefined ? 'undefined' : bad === null ? 'null' : typeof bad === 'number' ? '5' : Array.isArray(bad) ? 'an array of 1' : 'an object'})`);
  }
  // a plain (not async) function is awaited too, and its text used as the text itself would be
  const viaFunction = await evaluate(basicPlatform(), m.ref, (() => m.text) as never);
  const direct = await evaluate(basicPlatform(), m.ref, m.text);
  assert.equal(viaFunction.crossEntropy, direct.crossEntropy);
});

test('numbers are given as numbers from code: batch: \'2\' is refused as sample() refuses n: \'3\' (the command line, all text, still takes them)', async () => {
  for (const [k, v] of [['batch', '2'], ['bptt', '8'], ['threads', '1'], ['dynamicLr', '0.1']] as const) {
    await assert.rejects(evaluate(basicPlatform(), m.ref, m.text, { [k]: v } as never), (e: Error) => e instanceof OptionError && e.message === `${k} must be a number, not the text "${v}"`);
  }
  await assert.rejects(score(basicPlatform(), m.ref, ['ab'], { threads: '1' } as never), (e: Error) => e instanceof OptionError && e.message === 'threads must be a number, not the text "1"');
  const spelling = { name: (k: string) => `--${k}`, hint: "see 'rnnlm eval --help'", what: 'options', text: 'test.txt' };
  const asText = await evaluate(basicPlatform(), m.ref, m.text, { batch: '2' } as never, spelling);
  const asNumber = await evaluate(basicPlatform(), m.ref, m.text, { batch: 2 });
  assert.equal(asText.crossEntropy, asNumber.crossEntropy);
});

/**
 * Dynamic evaluation's step, computed independently: the documented rule is
 * "each window scored with the parameters as they are, then one SGD step of
 * rate lr on its mean loss, clipped at norm 5". Here, on two sentences (two
 * windows of one lane, the state reset between them in line mode), in float64:
 * L1 = −Σ log P(sentence 1 | θ0) from the core's forward; g = ∂(L1 / n1)/∂θ by
 * central finite differences over every parameter (not the backward pass);
 * θ1 = θ0 − lr · clip5(g); L2 = −Σ log P(sentence 2 | θ1). evaluate()'s
 * cross-entropy × tokens must be L1 + L2. The model computes in float32
 * (basic platform): forward errors of a few u = 6e-8 relative per operation,
 * and a float32 step lr·g off by about 1e-5 relative, which moves L2 by
 * lr·|g|·|∇L2|·1e-5, far less than 1e-4·(L1 + L2) (asserted); the step itself
 * moves L2 by more than 100 times that (asserted), so a missing or doubled
 * step would fail. (The mean loss's gradient stays below 5 on models this
 * small — the decoder's part is at most √2·‖a‖ ≤ √(2H) — so the clipping,
 * which the rule applies, does not act here; test/core/train.test.ts checks
 * the update's clipping.)
 */
test('eval --dynamic\'s step = one SGD step on the window\'s mean loss (gradient by finite differences, float64), before the next window is scored', async (t) => {
  const { createModel, forward } = await import('../../src/core/model.js');
  const { createWorkspace } = await import('../../src/core/workspace.js');
  const { softmaxCrossEntropy } = await import('../../src/core/loss.js');
  const { float64Backend } = await import('../../src/core/backend.js');
  const { alloc64 } = await import('../../src/core/params.js');
  const { encodeCorpus } = await import('../../src/core/tokenize.js');
  const sentences = ['abcab', 'cab ba'];
  // a copy whose weights are the tiny model's ×3: a larger gradient, a larger effect of the step
  const ck = { ...m.ref, model: createModel(m.ref.model.config, m.ref.model.backend) };
  ck.model.params.data.set(m.ref.model.params.data.map((x) => 3 * x));
  const corpus = encodeCorpus(sentences, ck.vocab, ck.tokenizer);
  const model = createModel(ck.model.config, float64Backend);
  model.params.data.set(ck.model.params.data);
  const V = model.config.vocabSize;
  const sentenceLoss = (s: number) => {
    const ids = corpus.ids.subarray(corpus.starts[s]!, corpus.starts[s + 1]!);
    const n = ids.length;
    const ws = createWorkspace(model, n, 1, alloc64);
    const inputs = Int32Array.from(ids, (_, t) => (t === 0 ? -1 : ids[t - 1]!));
    forward(model, ws, inputs, n, null);
    return { n, loss: softmaxCrossEntropy(model.backend.elementwise, ws.logits, n, V, Int32Array.from(ids), false, 1).sum };
  };
  const { n: n1, loss: L1 } = sentenceLoss(0);
  const theta = model.params.data as Float64Array;
  const g = new Float64Array(theta.length);
  const eps = 1e-5;
  for (let i = 0; i < theta.length; i++) {
    const keep = theta[i]!;
    theta[i] = keep + eps; const up = sentenceLoss(0).loss;
    theta[i] = keep - eps; const down = sentenceLoss(0).loss;
    theta[i] = keep;
    g[i] = (up - down) / (2 * eps) / n1;
  }
  const norm = Math.sqrt(g.reduce((s, x) => s + x * x, 0));
  const lr = 2;
  const scale = norm > 5 ? 5 / norm : 1;
  const staticL2 = sentenceLoss(1).loss;
  for (let i = 0; i < theta.length; i++) theta[i] = theta[i]! - lr * scale * g[i]!;
  const { n: n2, loss: L2 } = sentenceLoss(1);
  const e = await evaluate(basicPlatform(), ck, sentences.join('\n') + '\n', { dynamicLr: lr });
  assert.equal(e.tokens, n1 + n2);
  assert.equal(e.dynamicLr, lr);
  const got = e.crossEntropy * e.tokens, want = L1 + L2;
  t.diagnostic(`‖g‖ ${norm.toFixed(3)}, L1 ${L1.toFixed(4)}, L2 ${staticL2.toFixed(4)} → ${L2.toFixed(4)}, evaluate ${got.toFixed(6)} vs ${want.toFixed(6)}`);
  const tol = 1e-4 * want;
  assert.ok(Math.abs(got - want) < tol, `dynamic: ${got} vs ${want} (static would be ${L1 + staticL2})`);
  assert.ok(Math.abs(L2 - staticL2) > 100 * tol, `the step moves the second sentence's loss: ${staticL2} → ${L2}`);
  // the model given is not changed
  const fresh = await evaluate(basicPlatform(), ck, sentences.join('\n') + '\n');
  assert.ok(Math.abs(fresh.crossEntropy * fresh.tokens - (L1 + staticL2)) < tol);
});

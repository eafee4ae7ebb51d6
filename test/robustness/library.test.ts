/**
 * The library's door: every argument of train(), score() and sample() is
 * checked before any work, with the command line's own schema (the same
 * names, ranges and cross-field checks), and every refusal is one typed
 * error (OptionError for a bad argument or option, DataError for text that
 * is not UTF-8) whose message and hint fit on one line. Where the command
 * line has the same option, its message is the library's with the flag's
 * name in place of the camelCase one.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { CheckpointError, DataError, FileError, OptionError, loadModel, sample, saveModel, score, tagTrain, train, type Checkpoint, type TaggerCheckpoint } from '../../src/index.js';
import {
  basicPlatform, columnFor, createInspector, createSentenceScorer, evaluateText, parseArpa, sample as apiSample, scoreNow, startSampling, stripTagger,
  createStepper as apiStepper, tagEvaluate as apiTagEvaluate, tagPredict as apiTagPredict, trainingCurve,
  attachScores, checkpointFromSafetensors, createSentenceReader, defaultMaxTokens, describeCheckpoint, detectFormat, inspectedLength, interpolated,
  parseConll, parseConllu, parseKaldiNbest, parseNbestFields, parseTagged, parseTagRecords, plainFields, readLabelled, readSentences, safetensorsChunks,
  trainSentencesOf,
  chunksOf, confusionTable, conlleval, formatConfusion, formatConlleval, isChunkLabelSet, tokenAccuracy,
  bestPerUtterance, columnValue, conlluColumnIndex, defaultColumn, formatConll, formatConllu, formatTagRecord, patternIndicator,
  combinedScore, encodeTagSentence, fastestBackend, firstInvalidUtf8, mixLogProb, ngramSentenceLogProbs, ngramWord, wordChars,
} from '../../src/api/index.js';
import { runCli, tempDir } from '../helpers/fake-host.js';

const text = 'emma\nolivia\nava\nisabella\nsophia\nmia\ncharlotte\namelia\n'.repeat(4);
const tiny = { hidden: 8, layers: 1, maxSteps: 2, valFraction: 0, threads: 1 } as const;
let ck: Checkpoint;

before(async () => {
  ({ checkpoint: ck } = await train(text, tiny));
});

/** The error is of `type`, its message matches `re`, and message — hint is one line. */
function typed(type: typeof OptionError | typeof DataError, re: RegExp, hint?: RegExp) {
  return (err: unknown): true => {
    assert.ok(err instanceof type, `expected ${type.name}, got ${String(err)}`);
    assert.match(err.message, re);
    if (hint) assert.match(err.hint ?? '', hint);
    const line = `${err.message} — ${err.hint ?? ''}`;
    assert.ok(!/[\n\r]/.test(line), `one line: ${line}`);
    assert.ok(line.length < 400, `short: ${line}`);
    return true;
  };
}

/** What train() and sample() are given is not the point below: a cast says so. */
const anyOptions = (o: unknown) => o as Record<string, never>;

describe('unknown option names: refused with the closest known name, as commander does for flags', () => {
  test('train: a misspelt option, snake_case or kebab-case, refused before training starts', async () => {
    let steps = 0;
    const onStep = () => { steps++; };
    for (const [key, near] of [['hiden', 'hidden'], ['max_time', 'maxTime'], ['max-steps', 'maxSteps'], ['lerning', null], ['epoch', 'epochs'],
      ['valfraction', 'valFraction'], ['zzz', null]] as const) {
      await assert.rejects(train(text, anyOptions({ ...tiny, [key]: 8 }), { onStep }), typed(OptionError, new RegExp(`^unknown option ${key}$`),
        near ? new RegExp(`^did you mean ${near}\\? .*camelCase`) : /camelCase: level, cell, .*hidden.*, … \(\d+ in all\)$/));
    }
    assert.equal(steps, 0, 'no step was trained');
  });

  test('an unknown name is reported before a bad value of a known one', async () => {
    await assert.rejects(train(text, anyOptions({ hiden: 8, hidden: 0 })), typed(OptionError, /^unknown option hiden$/, /did you mean hidden\?/));
    assert.throws(() => sample(ck, anyOptions({ temprature: 0.5, n: 0 })), typed(OptionError, /^unknown option temprature$/, /did you mean temperature\?/));
  });

  test('sample: a misspelt option, and --number by its flag name (sample() calls it n)', () => {
    assert.throws(() => sample(ck, anyOptions({ topk: 3 })), typed(OptionError, /^unknown option topk$/, /did you mean topK\?/));
    assert.throws(() => sample(ck, anyOptions({ number: 3 })), typed(OptionError, /^unknown option number$/, /did you mean n\?/));
    assert.throws(() => sample(ck, anyOptions({ max_length: 3 })), typed(OptionError, /^unknown option max_length$/, /did you mean maxLength\?/));
  });

  test('train callbacks: a misspelt callback, a training option among the callbacks', async () => {
    await assert.rejects(train(text, tiny, anyOptions({ onstep: () => {} })), typed(OptionError, /^unknown option callbacks\.onstep$/, /did you mean callbacks\.onStep\?/));
    await assert.rejects(train(text, tiny, anyOptions({ maxSteps: 3 })), typed(OptionError, /callbacks\.maxSteps/, /maxSteps is an option: it goes in train\(\)'s second argument/));
  });

  test("train: the command line's --init-from, --resume, --add-tokens and --val-file among the options: refused, saying they go in the third argument", async () => {
    for (const key of ['initFrom', 'resume', 'addTokens']) {
      await assert.rejects(train(text, anyOptions({ ...tiny, [key]: key === 'addTokens' ? true : ck })),
        typed(OptionError, new RegExp(`^unknown option ${key}$`), new RegExp(`^${key} goes in train\\(\\)'s third argument: train\\(text, options, \\{ ${key}: `)));
    }
    await assert.rejects(train(text, anyOptions({ ...tiny, valFile: 'valid.txt' })), typed(OptionError, /^unknown option valFile$/, /third argument, as the text itself: .*valText/));
  });
});

describe('option values out of range: the same refusals as the command line', () => {
  test('sample: temperature 0, n Infinity / 0 / 1.5 and the other ranges', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ temperature: 0 }, /^temperature must be a number greater than 0 and at most 100 \(got 0\)$/],
      [{ temperature: -1 }, /^temperature must be a number greater than 0/], [{ temperature: 101 }, /at most 100 \(got 101\)/],
      [{ temperature: Infinity }, /^temperature .*\(got Infinity\)$/], [{ temperature: NaN }, /\(got NaN\)$/], [{ temperature: 'hot' }, /\(got "hot"\)$/],
      [{ n: Infinity }, /^n must be a whole number from 1 to 1000000000 \(got Infinity\)$/], [{ n: 0 }, /^n must be a whole number from 1 to 1000000000 \(got 0\)$/],
      [{ n: 1.5 }, /^n must be a whole number .*\(got 1\.5\)$/], [{ n: -1 }, /^n must be/], [{ n: 1e10 }, /^n must be/],
      [{ topK: -1 }, /^topK must be a whole number from 0 to/], [{ topK: 2.5 }, /^topK must be a whole number/],
      [{ maxLength: 0 }, /^maxLength must be a whole number from 1 to/], [{ seed: -1 }, /^seed must be a whole number from 0 to/],
      [{ seed: 2 ** 53 }, /^seed must be/], [{ greedy: 'yes' }, /^greedy must be true or false \(got "yes"\)$/],
      [{ allowUnk: 1 }, /^allowUnk must be true or false/], [{ prime: 5 }, /^prime must be text \(got 5\)$/],
    ];
    for (const [opts, re] of cases) assert.throws(() => sample(ck, anyOptions(opts)), typed(OptionError, re, /sample\(\) takes the options of 'rnnlm sample --help', in camelCase/), JSON.stringify(opts));
  });

  test('sample: the options must be an object', () => {
    for (const bad of [null, 5, 'n=3', [], new Map()]) {
      assert.throws(() => sample(ck, anyOptions(bad)), typed(OptionError, /^the options of sample\(\) must be an object of option names and values \(got /), String(bad));
    }
  });

  test('train: values out of range, wrong types, and combinations that cannot work', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ hidden: 0 }, /^hidden must be a whole number from 1 to 4096 \(got 0\)$/], [{ bptt: 1 }, /^bptt must be a whole number from 2 to 10000/],
      [{ lr: 0 }, /^lr must be a number greater than 0/], [{ level: 'byte' }, /^level must be one of char, word \(got "byte"\)$/],
      [{ maxTime: '0s' }, /^maxTime must be a duration greater than 0/], [{ maxTime: true }, /^maxTime must be a duration/],
      [{ peephole: true, cell: 'gru' }, /^peephole goes with cell lstm only/], [{ lowercase: 'yes' }, /^lowercase must be a boolean/],
      [{ unkToken: '' }, /^unkToken must not be empty/], [{ unkToken: 5 }, /^unkToken must be text/],
    ];
    for (const [opts, re] of cases) await assert.rejects(train(text, anyOptions({ ...tiny, ...opts })), typed(OptionError, re), JSON.stringify(opts));
    await assert.rejects(train(text, anyOptions(null)), typed(OptionError, /^the options of train\(\) must be an object .*\(got null\)$/));
  });

  test('train: unkToken that could never match — whitespace at word level, anything at char level', async () => {
    for (const u of ['a b', 'unk\t', '\u00a0x']) {
      await assert.rejects(train(text, { ...tiny, level: 'word', unkToken: u }), typed(OptionError, /^unkToken holds whitespace, but words never do/, /single word/));
    }
    await assert.rejects(train(text, { ...tiny, unkToken: '<unk>' }), typed(OptionError, /^unkToken goes with word level only/, /train at word level/));
  });

  test('the command line gives the same message for the same value, with the flag for the name', async () => {
    const missing = join(tempDir(), 'none');
    // strip the value (a number in code, a string on the command line) and compare the rest
    const rest = (s: string) => s.replace(/ \(got [^)]*\)/, '');
    const flag = (k: string) => '--' + k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
    const sampleCases: [string, string, string][] = [['temperature', '0', '--temperature'], ['temperature', '101', '--temperature'], ['n', '0', '--number'],
      ['n', '1.5', '--number'], ['topK', '-1', '--top-k'], ['maxLength', '0', '--max-length'], ['seed', '-1', '--seed']];
    for (const [key, value, cliFlag] of sampleCases) {
      let lib = '';
      try { sample(ck, { [key]: Number(value) }); } catch (e) { lib = (e as Error).message; }
      const r = await runCli(['sample', '-m', missing, cliFlag, value]);
      assert.equal(r.code, 2, r.stderr);
      const cli = r.stderr.trim().replace(/^rnnlm: /, '').replace(/ — .*$/, '');
      assert.equal(rest(cli), rest(lib).replace(new RegExp(`^${key}\\b`), cliFlag), `${key} ${value}`);
    }
    const trainCases: [Record<string, unknown>, string[]][] = [[{ hidden: 0 }, ['--hidden', '0']], [{ valFraction: 1 }, ['--val-fraction', '1']],
      [{ dropout: 1 }, ['--dropout', '1']], [{ level: 'word', unkToken: 'a b' }, ['--level', 'word', '--unk-token', 'a b']],
      [{ unkToken: '<unk>' }, ['--unk-token', '<unk>']], [{ cell: 'rnn', peephole: true }, ['--cell', 'rnn', '--peephole']]];
    for (const [opts, argv] of trainCases) {
      let lib = '';
      await train(text, anyOptions({ ...tiny, ...opts })).catch((e: Error) => { lib = e.message; });
      const r = await runCli(['train', missing, ...argv]);
      assert.equal(r.code, 2, r.stderr);
      const cli = r.stderr.trim().replace(/^rnnlm: /, '').replace(/ — .*$/, '');
      const key = lib.split(' ')[0]!;
      assert.equal(rest(cli), rest(lib).replace(new RegExp(`^${key}\\b`), flag(key)), JSON.stringify(opts));
    }
  });
});

describe('train(text): a string, or bytes checked exactly as the command line checks a file', () => {
  test('a Buffer or Uint8Array of UTF-8 trains the same model, bit for bit, as the string (a leading BOM dropped as in a file)', async () => {
    const opts = { ...tiny, maxSteps: 3, seed: 4 };
    const fromString = (await train(text, opts)).checkpoint;
    for (const bytes of [Buffer.from(text, 'utf8'), new TextEncoder().encode(text), new TextEncoder().encode('\ufeff' + text)]) {
      const fromBytes = (await train(bytes, opts)).checkpoint;
      assert.deepEqual(fromBytes.vocab.tokens, fromString.vocab.tokens);
      const a = fromString.model.params.data, b = fromBytes.model.params.data;
      assert.deepEqual(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    }
  });

  test('binary bytes (a NUL) and invalid UTF-8: refused with the command line\'s message for the same bytes on stdin', async () => {
    const cases: number[][] = [
      [0x61, 0x0a, 0x62, 0x00, 0x63], // NUL at offset 3
      [0x63, 0x61, 0x66, 0xe9, 0x0a], // Latin-1 é
      [0x61, 0x80, 0x62], [0x61, 0xc0, 0xaf], [0x61, 0xed, 0xa0, 0x80], [0x61, 0x62, 0xf0, 0x9f, 0x98], [0x61, 0xf4, 0x90, 0x80, 0x80],
    ];
    for (const bytes of cases) {
      let lib: DataError | null = null;
      await train(Uint8Array.from(bytes), tiny).catch((e: DataError) => { lib = e; });
      assert.ok(lib, `refused: ${bytes}`);
      typed(DataError, bytes.includes(0) ? /^train\(\)'s text looks like a binary file \(a NUL byte at offset 3\)$/ : /^train\(\)'s text is not valid UTF-8 text( \(byte 0x[0-9A-F]{2} at offset \d+\)|: it ends in the middle of a character .*)$/)(lib);
      const r = await runCli(['train', '-', '-o', join(tempDir(), 'm.json')], { stdin: Uint8Array.from(bytes) });
      assert.equal(r.code, 1, r.stderr);
      const { message, hint } = lib as DataError;
      assert.equal(r.stderr.trim(), `rnnlm: ${message.replace("train()'s text", 'standard input')} — ${hint}`);
    }
  });

  test('anything else (a number, undefined, null, an object, an array, an ArrayBuffer): one OptionError naming the argument', async () => {
    for (const bad of [42, undefined, null, { text }, [text], new ArrayBuffer(4), new Uint16Array(2)]) {
      await assert.rejects(train(bad as unknown as string), typed(OptionError, /^train\(\)'s text must be a string, or a Uint8Array \(or Buffer\) of UTF-8 bytes \(got /, /readFile/), String(bad));
    }
  });

  test('callbacks: functions where given, an AbortSignal-like signal, a checkpoint to resume', async () => {
    const cases: [unknown, RegExp][] = [
      [{ onStep: 'log' }, /^callbacks\.onStep must be a function \(got "log"\)$/], [{ onEval: {} }, /^callbacks\.onEval must be a function/],
      [{ signal: true }, /^callbacks\.signal must be an AbortSignal \(got true\)$/], [{ signal: {} }, /^callbacks\.signal must be an AbortSignal/],
      [{ resume: 'model.json' }, /^callbacks\.resume must be a model as loadModel\(\) or train\(\) return it/], [null, /^the callbacks of train\(\) must be an object/],
      [() => {}, /^the callbacks of train\(\) must be an object/],
    ];
    for (const [cb, re] of cases) await assert.rejects(train(text, tiny, cb as never), typed(OptionError, re), String(cb));
    // an object with a boolean `aborted` is enough (the command line uses one)
    const flag = { aborted: true };
    assert.equal((await train(text, tiny, { signal: flag })).reason, 'interrupted');
  });
});

describe('score(model, sentences) and sample(model, options): the model and the sentences checked', () => {
  test('sentences must be an array of strings: a single string is refused (wrap it), as is anything else', () => {
    assert.throws(() => score(ck, 'emma' as unknown as string[]), typed(OptionError, /^score\(\)'s sentences must be an array of strings \(got a string\)$/, /score\(model, \["emma"\]\)/));
    for (const bad of [5, undefined, null, { 0: 'emma', length: 1 }, new Set(['emma'])]) {
      assert.throws(() => score(ck, bad as unknown as string[]), typed(OptionError, /^score\(\)'s sentences must be an array of strings \(got /), String(bad));
    }
    assert.throws(() => score(ck, ['emma', 3 as unknown as string]), typed(OptionError, /^score\(\)'s sentences\[1\] must be a string \(got 3\)$/));
    assert.throws(() => score(ck, [, 'emma'] as unknown as string[]), typed(OptionError, /^score\(\)'s sentences\[0\] must be a string \(got undefined\)$/));
  });

  test('the model must be what loadModel() or train() return: a path, a pending promise, train()\'s whole result and damaged objects are refused', async () => {
    const outcome = await train(text, tiny);
    const cases: [unknown, RegExp][] = [
      ['model.json', /got the string "model\.json"; load the file first: await loadModel\(path\)/], [Promise.resolve(ck), /got a Promise/],
      [outcome, /got the result of train\(\); pass its \.checkpoint/], [null, /got null\)$/], [{}, /its model is missing/],
      [{ ...ck, vocab: { tokens: ck.vocab.tokens } }, /its vocab is missing/], [{ ...ck, tokenizer: { ...ck.tokenizer, level: 'byte' } }, /its tokenizer settings/],
      [{ ...ck, vocab: { tokens: ck.vocab.tokens.slice(1), index: ck.vocab.index } }, /its vocabulary has \d+ tokens but its model \d+ outputs/],
    ];
    for (const [bad, re] of cases) {
      assert.throws(() => score(bad as Checkpoint, ['emma']), typed(OptionError, new RegExp(`^score\\(\\)'s model must be a model as loadModel\\(\\) or train\\(\\) return it \\(.*${re.source}`)), String(bad));
      assert.throws(() => sample(bad as Checkpoint, { n: 1 }), typed(OptionError, /^sample\(\)'s model must be a model/));
    }
  });

  test('sentences are cleaned as the command line cleans its arguments: a BOM, CR and trailing blanks do not change the score', () => {
    const [plain] = score(ck, ['emma']);
    for (const v of ['emma  ', 'emma\r\n', '\ufeffemma', 'emma\t']) {
      const [s] = score(ck, [v]);
      assert.equal(s!.logProb, plain!.logProb, JSON.stringify(v));
      assert.equal(s!.sentence, v, 'the sentence as given');
    }
  });

  test('a prime with characters outside the vocabulary: every sample starts with the prime as given, no <UNK>', () => {
    const prime = 'eQ😀';
    const out = sample(ck, { prime, n: 5, seed: 2 });
    assert.equal(out.length, 5);
    for (const s of out) assert.ok(s.startsWith(prime) && !s.includes('<UNK>'), s);
    // the model reads every unknown character as the one <UNK>: another one in its place draws the same continuation
    const other = sample(ck, { prime: 'eZ☃', n: 5, seed: 2 });
    assert.deepEqual(other.map((s) => s.slice('eZ☃'.length)), out.map((s) => s.slice(prime.length)));
  });
});

describe('saveModel and loadModel go through the command line\'s writer and reader', () => {
  let ck: Checkpoint;
  before(async () => { ck = (await train(text, tiny)).checkpoint; });

  test('20 concurrent saves to one path leave one whole checkpoint and no temporary', async () => {
    const dir = tempDir();
    const p = join(dir, 'm.json');
    await Promise.all(Array.from({ length: 20 }, () => saveModel(ck, p)));
    const back = await loadModel(p);
    assert.deepEqual(new Uint8Array(back.model.params.data.buffer, back.model.params.data.byteOffset, back.model.params.data.byteLength),
      new Uint8Array(ck.model.params.data.buffer, ck.model.params.data.byteOffset, ck.model.params.data.byteLength));
    assert.deepEqual(readdirSync(dir), ['m.json']);
  });

  test('a path that cannot hold a file, a missing or damaged file: one typed line naming it', async () => {
    const dir = tempDir();
    for (const p of [dir + '/', join(dir, 'missing', 'm.json'), '/dev/null', join(dir, 'x'.repeat(256))]) {
      await assert.rejects(saveModel(ck, p), (e: Error) => e instanceof FileError && !e.message.includes('\n'), p);
    }
    await assert.rejects(saveModel(ck, 42 as unknown as string), OptionError);
    await assert.rejects(saveModel({} as Checkpoint, join(dir, 'm.json')), OptionError);
    await assert.rejects(loadModel(join(dir, 'nope.json')), (e: Error) => e instanceof FileError && /does not exist/.test(e.message));
    writeFileSync(join(dir, 'bad.json'), '{"format": "rnnlm-checkpoint", "version": 1, "meta": [[[');
    await assert.rejects(loadModel(join(dir, 'bad.json')), (e: Error) => e instanceof CheckpointError && e.message.startsWith(join(dir, 'bad.json')));
  });

  test('text with a lone surrogate (possible only in a JavaScript string) is refused before training', async () => {
    await assert.rejects(train('emma\nol\ud800ivia\n', tiny), (e: Error) => e instanceof DataError && /lone surrogate \(U\+D800\) at character 7/.test(e.message));
  });
});

test('from code, numbers are numbers and text has no NUL: train({hidden: "8"}) and train("a\\0b") are refused as the command line refuses them', async () => {
  await assert.rejects(train(text, { ...tiny, hidden: '8' as unknown as number }), (e: Error) => e instanceof OptionError && /^hidden must be a number, not the text "8"$/.test(e.message));
  await assert.rejects(train(text, { ...tiny, lr: ' 0.1 ' as unknown as number }), OptionError);
  await assert.rejects(train('emma\nol\u0000ivia\n', tiny), (e: Error) => e instanceof DataError && /binary file \(a NUL character at offset 7\)/.test(e.message));
  // maxTime takes text on purpose ('90s'), and a number of seconds
  const r = await train(text, { ...tiny, maxTime: '10s' });
  assert.equal(r.reason, 'max-steps');
});

test('sample() from code: n given as text is refused like any number given as text', async () => {
  const { checkpoint } = await train(text, tiny);
  assert.throws(() => sample(checkpoint, { n: '3' as unknown as number }), (e: Error) => e instanceof OptionError && /^n must be a number, not the text "3"$/.test(e.message));
});

test('loadModel of a FIFO waits for its writer without blocking the event loop (timers run meanwhile)', async () => {
  const { checkpoint } = await train(text, tiny);
  const dir = tempDir();
  const saved = join(dir, 'm.json');
  await saveModel(checkpoint, saved);
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const loading = loadModel(fifo);
  let ticked = false;
  await new Promise<void>((r) => setTimeout(() => { ticked = true; r(); }, 100));
  assert.ok(ticked, 'a timer ran while loadModel waited');
  await writeFile(fifo, readFileSync(saved));
  const back = await loading;
  assert.equal(back.model.layout.total, checkpoint.model.layout.total);
});

describe('rnnlm/api: positional arguments checked, one OptionError naming the argument', () => {
  const tagText = 'the\tDET\ncat\tNOUN\nsat\tVERB\n\na\tDET\ndog\tNOUN\nran\tVERB\n\n'.repeat(2);
  let tagger: TaggerCheckpoint;
  const P = basicPlatform();
  before(async () => {
    ({ checkpoint: tagger } = await tagTrain(tagText, { hidden: 4, embedding: 4, charEmbedding: 4, charHidden: 4, maxSteps: 1, threads: 1, minCount: 1 }));
  });
  const bad = [undefined, null, 5, 'x', {}, []];
  const never = (v: unknown) => v as never;

  test('scoreNow: its ngram is nothing or { model, lambda }', () => {
    const ngram = parseArpa(readFileSync(new URL('../../../test/fixtures/tiny.arpa', import.meta.url), 'utf8'));
    for (const v of [null, 5, 'x', [], {}, { model: ngram }, { model: {}, lambda: 0.5 }, { model: ngram, lambda: 2 }, { model: ngram, lambda: 0.5, x: 1 }]) {
      assert.throws(() => scoreNow(ck, ['emma'], never(v)), typed(OptionError, /^(unknown option )?scoreNow\(\)'s ngram/));
    }
    assert.equal(scoreNow(ck, ['emma'], { model: ngram, lambda: 0.5 }).length, 1);
  });

  test('createSentenceScorer: its options an object of known keys, as score() checks them', async () => {
    for (const v of [null, 5, 'x', []]) await assert.rejects(createSentenceScorer(P, ck, never(v)), typed(OptionError, /^createSentenceScorer\(\)'s options must be an object/));
    await assert.rejects(createSentenceScorer(P, ck, never({ thread: 1 })), typed(OptionError, /^unknown option thread$/, /did you mean threads\?/));
    await assert.rejects(createSentenceScorer(P, ck, never({ sentences: -1 })), typed(OptionError, /^sentences must be a whole number/));
    await assert.rejects(createSentenceScorer(P, ck, never({ ngram: 5 })), typed(OptionError, /^createSentenceScorer\(\)'s ngram must be/));
    await assert.rejects(createSentenceScorer(P, never({}), {}), typed(OptionError, /^createSentenceScorer\(\)'s model/));
    const s = await createSentenceScorer(P, ck, { sentences: Infinity, threads: 1 });
    await s.close();
  });

  test('trainingCurve: an array of evaluation records', () => {
    for (const v of [undefined, null, 5, 'x', {}]) assert.throws(() => trainingCurve(never(v)), typed(OptionError, /^trainingCurve\(\)'s history must be an array/));
    assert.throws(() => trainingCurve(never([{ step: 1, valLoss: 1 }, 5])), typed(OptionError, /^trainingCurve\(\)'s history\[1\] must be an evaluation record/));
    assert.deepEqual(trainingCurve([]), { history: [], best: null });
  });

  test('evaluateText and columnFor: each positional argument', () => {
    for (const v of bad) {
      assert.throws(() => columnFor(never(v), 'conll'), typed(OptionError, /^columnFor\(\)'s tagger must be a tagger/));
      assert.throws(() => columnFor(tagger, never(v)), typed(OptionError, /^columnFor\(\)'s format must be 'conllu' or 'conll'/));
      assert.throws(() => evaluateText(never(v), tagText, 'auto', undefined, 8, 'gold', (k) => k), typed(OptionError, /^evaluateText\(\)'s tagger must be a tagger/));
      if (typeof v !== 'string') assert.throws(() => evaluateText(tagger, never(v), 'auto', undefined, 8, 'gold', (k) => k), typed(OptionError, /^evaluateText\(\)'s text must be a string/));
    }
    assert.throws(() => evaluateText(tagger, tagText, never('csv'), undefined, 8, 'gold', (k) => k), typed(OptionError, /^evaluateText\(\)'s format must be/));
    assert.throws(() => evaluateText(tagger, tagText, 'auto', never({}), 8, 'gold', (k) => k), typed(OptionError, /^evaluateText\(\)'s label/));
    assert.throws(() => evaluateText(tagger, tagText, 'auto', undefined, never('x'), 'gold', (k) => k), typed(OptionError, /^evaluateText\(\)'s batch/));
    assert.throws(() => evaluateText(tagger, tagText, 'auto', undefined, 8, never(5), (k) => k), typed(OptionError, /^evaluateText\(\)'s name must be a string/));
    assert.throws(() => evaluateText(tagger, tagText, 'auto', undefined, 8, 'gold', never(null)), typed(OptionError, /^evaluateText\(\)'s flag must be a function/));
    assert.equal(evaluateText(tagger, tagText, 'auto', undefined, 8, 'gold', (k) => k).sentences, 4);
    assert.equal(columnFor(tagger, 'conll'), tagger.data.label);
  });

  test('stripTagger: given a tagger', () => {
    for (const v of [...bad, ck]) assert.throws(() => stripTagger(never(v)), typed(OptionError, /^stripTagger\(\)'s tagger must be a tagger/));
    assert.equal(stripTagger(tagger).training, null);
  });

  test('the functions that do not use their platform still check it', () => {
    const calls: [RegExp, (p: never) => unknown][] = [
      [/^sample\(\)'s platform/, (p) => apiSample(p, ck, { n: 1 })],
      [/^startSampling\(\)'s platform/, (p) => startSampling(p, ck, { n: 1 })],
      [/^createStepper\(\)'s platform/, (p) => apiStepper(p, ck)],
      [/^createInspector\(\)'s platform/, (p) => createInspector(p, ck)],
      [/^tagPredict\(\)'s platform/, (p) => apiTagPredict(p, tagger, [['the']])],
      [/^tagEvaluate\(\)'s platform/, (p) => apiTagEvaluate(p, tagger, tagText)],
    ];
    for (const [re, call] of calls) for (const v of bad) assert.throws(() => call(never(v)), typed(OptionError, re));
    assert.equal(apiSample(P, ck, { n: 1 }).length, 1);
  });

  test('createInspector: its options an object of known keys', () => {
    for (const v of [null, 5, 'x', []]) assert.throws(() => createInspector(P, ck, never(v)), typed(OptionError, /^createInspector\(\)'s options must be an object/));
    assert.throws(() => createInspector(P, ck, never({ maxToken: 5 })), typed(OptionError, /^unknown option createInspector\(\)'s maxToken$/));
    assert.throws(() => createInspector(P, ck, { maxTokens: 0 }), typed(OptionError, /^createInspector\(\)'s maxTokens must be a whole number/));
  });
});

describe('rnnlm/api: what a sweep of every export with undefined, null, 5, \'x\', {}, [] found', () => {
  const never = (v: unknown) => v as never;
  const notText = [undefined, null, 5, {}, []];
  const arpa = () => readFileSync(new URL('../../../test/fixtures/tiny.arpa', import.meta.url), 'utf8');

  test('the text readers: a text that is not a string, options that are not an object', () => {
    const readers: [string, (t: never) => unknown][] = [
      ['parseArpa', (t) => parseArpa(t)], ['parseTagged', (t) => parseTagged(t)], ['parseConllu', (t) => parseConllu(t)], ['parseConll', (t) => parseConll(t)],
      ['detectFormat', (t) => detectFormat(t)], ['plainFields\\(\\)\'s line', (t) => plainFields(t)], ['parseTagRecords', (t) => parseTagRecords(t)],
      ['parseKaldiNbest', (t) => parseKaldiNbest(t, 'nb')], ['parseNbestFields', (t) => parseNbestFields(t, 1, 'nb')], ['attachScores', (t) => attachScores([], t, 'sc')],
      ['readLabelled', (t) => readLabelled(t, 'auto', undefined, 'gold')], ['inspectedLength', (t) => inspectedLength(ck, t)],
    ];
    for (const [fn, call] of readers) {
      const re = new RegExp(`^${fn.includes('\\(') ? fn : `${fn}\\(\\)'s text`} must be a string \\(got `);
      for (const v of notText) assert.throws(() => call(never(v)), typed(OptionError, re));
    }
    assert.throws(() => parseArpa(arpa(), never(5)), typed(OptionError, /^parseArpa\(\)'s name must be a string/));
    assert.throws(() => parseNbestFields('u1 -1 a\n', never('x'), 'nb'), typed(OptionError, /^parseNbestFields\(\)'s k must be a whole number/));
    assert.throws(() => attachScores(never(5), 'u1 -1\n', 'sc'), typed(OptionError, /^attachScores\(\)'s hyps must be an array/));
    // an array, but of something else than hypotheses
    for (const v of [null, 5, {}, { id: 'u-1' }]) assert.throws(() => attachScores([never(v)], 'u-1 -1\n', 'sc'), typed(OptionError, /^attachScores\(\)'s hyps\[0\] must be a hypothesis/));
    // a reader's chunks are strings
    for (const v of [undefined, null, 5, new Uint8Array(2)]) assert.throws(() => createSentenceReader().push(never(v)), typed(OptionError, /^a sentence reader's push\(\)'s chunk must be a string/));
    // an n-gram model's logProb10: a word and an array of words
    const lm = parseArpa(arpa());
    for (const v of [undefined, null, 5, {}]) {
      assert.throws(() => lm.logProb10(never(v), []), typed(OptionError, /^logProb10\(\)'s word must be a string/));
      assert.throws(() => lm.logProb10('a', never(v)), typed(OptionError, /^logProb10\(\)'s history must be an array of words/));
    }
    assert.throws(() => lm.logProb10('a', never('a b')), typed(OptionError, /^logProb10\(\)'s history must be an array of words/));
    assert.throws(() => lm.logProb10('a', never([5])), typed(OptionError, /^logProb10\(\)'s history \(its last words\)\[0\] must be a string/));
    for (const v of [null, 5, 'x', []]) {
      assert.throws(() => parseTagged('a\tB\n', never(v)), typed(OptionError, /^parseTagged\(\)'s options must be an object/));
      assert.throws(() => createSentenceReader(never(v)), typed(OptionError, /^createSentenceReader\(\)'s options must be an object/));
    }
    assert.throws(() => parseConllu('', never({ name: 5 })), typed(OptionError, /^parseConllu\(\)'s name must be a string/));
    assert.equal(parseTagged('a\tB\n\n').sentences.length, 1);
  });

  test('readSentences: its chunks an iterable', async () => {
    for (const v of [undefined, null, 5, {}]) await assert.rejects(readSentences(never(v)).next(), typed(OptionError, /^readSentences\(\)'s chunks must be an iterable/));
    await assert.rejects(readSentences([''], never(null)).next(), typed(OptionError, /^createSentenceReader\(\)'s options must be an object/));
  });

  test('the functions of a model: the model checked, and their other arguments', () => {
    for (const v of [undefined, null, 5, 'x', {}, []]) {
      assert.throws(() => defaultMaxTokens(never(v)), typed(OptionError, /^defaultMaxTokens\(\)'s model must be a model/));
      assert.throws(() => inspectedLength(never(v), 'emma'), typed(OptionError, /^inspectedLength\(\)'s model must be a model/));
      assert.throws(() => trainSentencesOf(never(v)), typed(OptionError, /^trainSentencesOf\(\)'s model must be a model/));
      if (v !== undefined && v !== 5) assert.throws(() => describeCheckpoint(ck, never(v)), typed(OptionError, /^describeCheckpoint\(\)'s top must be a whole number/));
      if (v !== undefined && v !== null) assert.throws(() => checkpointFromSafetensors(Buffer.concat([...safetensorsChunks(ck)]), never(v)), typed(OptionError, /^checkpointFromSafetensors\(\)'s base must be a model/));
      assert.throws(() => checkpointFromSafetensors(never(v)), typed(OptionError, /^checkpointFromSafetensors\(\)'s bytes must be a Uint8Array/));
    }
  });

  test('interpolated: a score, the model, its sentence and { model, lambda }', () => {
    const ngram = { model: parseArpa(arpa()), lambda: 0.5 };
    const s = () => scoreNow(ck, ['emma'])[0]!;
    for (const v of [undefined, null, 5, 'x', {}, []]) {
      assert.throws(() => interpolated(never(v), ck, 'emma', ngram), typed(OptionError, /^interpolated\(\)'s score must be/));
      assert.throws(() => interpolated(s(), never(v), 'emma', ngram), typed(OptionError, /^interpolated\(\)'s model must be/));
      assert.throws(() => interpolated(s(), ck, 'emma', never(v)), typed(OptionError, /^(unknown option )?interpolated\(\)'s ngram/));
      if (typeof v !== 'string') assert.throws(() => interpolated(s(), ck, never(v), ngram), typed(OptionError, /^interpolated\(\)'s sentence must be a string/));
    }
    assert.throws(() => interpolated(s(), ck, 'x', ngram), typed(OptionError, /^interpolated\(\)'s sentence is 2 tokens .* of 5$/));
    assert.equal(interpolated(s(), ck, 'emma', ngram).perToken.length, 5);
  });
});

describe('rnnlm/api: the sweep\'s third pass, the metrics, formatters and per-token functions', () => {
  const never = (v: unknown) => v as never;
  const bad = [undefined, null, 5, 'x', {}, []];
  const gold = [['B-X', 'O']];

  test('conlleval, tokenAccuracy, confusionTable: gold and predicted arrays of sentences of labels', () => {
    const fns = { conlleval, tokenAccuracy, confusionTable } as Record<string, (g: never, p: never) => unknown>;
    for (const [name, fn] of Object.entries(fns)) {
      for (const v of [undefined, null, 5, 'x', {}]) {
        assert.throws(() => fn(never(v), never(gold)), typed(OptionError, new RegExp(`^${name}\\(\\)'s gold must be an array of sentences`)));
        assert.throws(() => fn(never(gold), never(v)), typed(OptionError, new RegExp(`^${name}\\(\\)'s predicted must be an array of sentences`)));
      }
      assert.throws(() => fn(never([['B-X', 5]]), never(gold)), typed(OptionError, new RegExp(`^${name}\\(\\)'s gold\\[0\\]\\[1\\] must be a string \\(got 5\\)`)));
      assert.throws(() => fn(never(gold), never(['B-X O'])), typed(OptionError, new RegExp(`^${name}\\(\\)'s predicted\\[0\\] must be an array of strings`)));
    }
    for (const v of [null, 5, 'x', {}]) assert.throws(() => confusionTable(gold, gold, never(v)), typed(OptionError, /^confusionTable\(\)'s labels must be an array of strings/));
    assert.throws(() => confusionTable(gold, gold, undefined, 0), typed(OptionError, /^confusionTable\(\)'s maxLabels must be a whole number of at least 1/));
    assert.equal(conlleval(gold, gold).overall.f1, 1);
    assert.equal(tokenAccuracy(gold, gold).accuracy, 1);
    assert.equal(confusionTable(gold, gold).total, 2);
  });

  test('formatConlleval and formatConfusion: a result or table as made, and the style an object of functions', () => {
    for (const v of [...bad, { ...conlleval(gold, gold), overall: null }, { ...conlleval(gold, gold), byType: [{ type: 5, gold: 1, found: 1, correct: 1 }] }]) {
      assert.throws(() => formatConlleval(never(v)), typed(OptionError, /^formatConlleval\(\)'s result/));
    }
    const table = confusionTable(gold, gold);
    for (const v of [...bad, { labels: ['a'], counts: [] }, { labels: ['a'], counts: [['1']] }]) {
      assert.throws(() => formatConfusion(never(v)), typed(OptionError, /^formatConfusion\(\)'s table/));
    }
    for (const v of [null, 5, 'x', [], { header: 5 }]) assert.throws(() => formatConfusion(table, never(v)), typed(OptionError, /^formatConfusion\(\)'s style/));
    assert.match(formatConlleval(conlleval(gold, gold)), /^processed 2 tokens with 1 phrases/);
    assert.match(formatConfusion(table, { header: (s) => s }), /^gold\\pred/);
  });

  test('chunksOf and isChunkLabelSet: one sentence\'s labels', () => {
    for (const v of [undefined, null, 5, 'x', {}, [5]]) {
      assert.throws(() => chunksOf(never(v)), typed(OptionError, /^chunksOf\(\)'s labels(\[0\])? must be/));
      assert.throws(() => isChunkLabelSet(never(v)), typed(OptionError, /^isChunkLabelSet\(\)'s labels must/));
    }
    assert.deepEqual(chunksOf(['B-X', 'O']), [{ type: 'X', start: 0, end: 1 }]);
    assert.equal(isChunkLabelSet(new Set(['B-X', 'O'])), true);
  });

  test('formatConllu, formatConll, formatTagRecord, conlluColumnIndex: a sentence and its labels', () => {
    for (const v of bad) {
      assert.throws(() => formatConllu(never(v), ['DET']), typed(OptionError, /^formatConllu\(\)'s sentence/));
      assert.throws(() => formatTagRecord(never(v)), typed(OptionError, /^formatTagRecord\(\)'s record/));
      if (!Array.isArray(v)) {
        assert.throws(() => formatConllu({ words: ['the'] }, never(v)), typed(OptionError, /^formatConllu\(\)'s labels must be an array of strings/));
        assert.throws(() => formatConll(never(v), [['DET']]), typed(OptionError, /^formatConll\(\)'s words must be an array of strings/));
        assert.throws(() => formatConll(['the'], never(v)), typed(OptionError, /^formatConll\(\)'s columns must be an array/));
      }
      if (typeof v !== 'number' && typeof v !== 'string') {
        assert.throws(() => conlluColumnIndex(never(v)), typed(OptionError, /^conlluColumnIndex\(\)'s column must be a column name or number/));
        assert.throws(() => formatConllu({ words: ['the'] }, ['DET'], never(v ?? null)), typed(OptionError, /^formatConllu\(\)'s column must be/));
      }
    }
    assert.throws(() => formatConll(['the'], [[5]] as never), typed(OptionError, /^formatConll\(\)'s columns\[0\]\[0\] must be a string/));
    assert.throws(() => formatConll(['the'], [['DET']], never(5)), typed(OptionError, /^formatConll\(\)'s separator must be a non-empty string/));
    assert.throws(() => formatTagRecord({ words: ['the'], labels: ['DET'], probs: never('x') }), typed(OptionError, /^formatTagRecord\(\)'s record.probs must be an array of numbers/));
    for (const v of [null, 'x', -1, 1.5, {}, []]) {
      assert.throws(() => formatTagRecord({ words: ['the'], labels: ['DET'] }, never(v)), typed(OptionError, /^formatTagRecord\(\)'s digits must be a whole number from 0 to 15/));
    }
    assert.equal(formatConllu({ words: ['the'] }, ['DET']), '1\tthe\t_\tDET\t_\t_\t_\t_\t_\t_\n\n');
    assert.equal(formatConll(['the'], [['DET']]), 'the\tDET\n\n');
    assert.equal(formatTagRecord({ words: ['the'], labels: ['DET'], probs: [0.123456] }, 2), '{"words":["the"],"labels":["DET"],"probs":[0.12]}\n');
    assert.equal(conlluColumnIndex('xpos'), 4);
  });

  test('columnValue and defaultColumn: a column, a format', () => {
    for (const v of [undefined, null, {}, []]) assert.throws(() => columnValue(never(v)), typed(OptionError, /^columnValue\(\)'s label must be a column name or number/));
    for (const v of [...bad, 'csv']) assert.throws(() => defaultColumn(never(v)), typed(OptionError, /^defaultColumn\(\)'s format must be 'conllu' or 'conll'/));
    assert.equal(columnValue('2'), 2);
    assert.equal(defaultColumn('conll'), -1);
  });

  test('bestPerUtterance: the hypotheses and one number for each', () => {
    const hyps = parseNbestFields('u1 -10.5 the cat\nu1 -11 cats\n', 1, 'nb');
    for (const v of bad) {
      if (!Array.isArray(v)) assert.throws(() => bestPerUtterance(never(v), [1, 2]), typed(OptionError, /^bestPerUtterance\(\)'s hyps must be an array of hypotheses/));
      assert.throws(() => bestPerUtterance(hyps, never(v)), typed(OptionError, /^bestPerUtterance\(\)'s combined must be an array of 2 numbers/));
    }
    assert.throws(() => bestPerUtterance(never([5]), [1]), typed(OptionError, /^bestPerUtterance\(\)'s hyps\[0\] must be a hypothesis/));
    assert.deepEqual(bestPerUtterance(hyps, [1, 2]), [1]);
  });

  test('patternIndicator: an inspection and a regular expression', () => {
    const inspection = createInspector(basicPlatform(), ck).inspect('emma');
    for (const v of bad) assert.throws(() => patternIndicator(never(v), /m/), typed(OptionError, /^patternIndicator\(\)'s inspection must be what an inspector's inspect\(\) returns/));
    for (const v of bad) assert.throws(() => patternIndicator(inspection, never(v)), typed(OptionError, /^patternIndicator\(\)'s pattern must be a regular expression/));
    assert.deepEqual([...patternIndicator(inspection, /m/)], [0, 1, 1, 0, 0]);
  });

  test('the per-token functions, checked at rnnlm/api\'s door: ngramWord, ngramSentenceLogProbs, mixLogProb, combinedScore', () => {
    const ngram = parseArpa(readFileSync(new URL('../../../test/fixtures/tiny.arpa', import.meta.url), 'utf8'));
    for (const v of bad) {
      if (typeof v !== 'string') assert.throws(() => ngramWord(never(v), 'word'), typed(OptionError, /^ngramWord\(\)'s token must be a string/));
      assert.throws(() => ngramWord('a', never(v)), typed(OptionError, /^ngramWord\(\)'s level must be 'char' or 'word'/));
      assert.throws(() => ngramSentenceLogProbs(never(v), ['a']), typed(OptionError, /^ngramSentenceLogProbs\(\)'s model must be an n-gram model/));
      if (!Array.isArray(v)) assert.throws(() => ngramSentenceLogProbs(ngram, never(v)), typed(OptionError, /^ngramSentenceLogProbs\(\)'s words must be an array of strings/));
      for (const [i, name] of [[0, 'a'], [1, 'b'], [2, 'lambda']] as const) {
        if (typeof v === 'number') continue;
        const args: [number, number, number] = [-1, -2, 0.5];
        args[i] = never(v);
        assert.throws(() => mixLogProb(...args), typed(OptionError, new RegExp(`^mixLogProb\\(\\)'s ${name} must be a( finite)? number`)));
      }
      if (!Array.isArray(v)) {
        assert.throws(() => combinedScore(never(v), [1], -3, 1), typed(OptionError, /^combinedScore\(\)'s scores must be an array of numbers/));
        assert.throws(() => combinedScore([1], never(v), -3, 1), typed(OptionError, /^combinedScore\(\)'s weights must be an array of numbers/));
      }
      if (typeof v !== 'number') {
        assert.throws(() => combinedScore([1], [1], never(v), 1), typed(OptionError, /^combinedScore\(\)'s lm must be a number/));
        assert.throws(() => combinedScore([1], [1], -3, never(v)), typed(OptionError, /^combinedScore\(\)'s lmWeight must be a number/));
      }
    }
    assert.throws(() => mixLogProb(NaN, -1, 0.5), typed(OptionError, /^mixLogProb\(\)'s a must be a number \(got NaN\)/));
    assert.throws(() => mixLogProb(-1, -1, 2), typed(OptionError, /^mixLogProb\(\)'s lambda must be a number from 0 to 1 \(got 2\)/));
    assert.throws(() => combinedScore(['1'] as never, [1], -3, 1), typed(OptionError, /^combinedScore\(\)'s scores\[0\] must be a number/));
    // a hole in the scores is no number (forEach would skip it and the sum be NaN); a weight left out is 1
    assert.throws(() => combinedScore(new Array<number>(2), [], -3, 1), typed(OptionError, /^combinedScore\(\)'s scores\[0\] must be a number \(got undefined\)/));
    assert.equal(combinedScore([1, 2], [, 3] as number[], -3, 1), 1 + 6 - 3);
    assert.equal(ngramWord(' ', 'char'), '<space>');
    assert.equal(ngramSentenceLogProbs(ngram, ['a']).logProbs.length, 2);
    assert.equal(mixLogProb(-1, -2, 1), -1);
    assert.equal(combinedScore([1, 2], [1, 1], -3, 1), 0);
  });

  test('the tagger\'s encoding, checked at rnnlm/api\'s door: wordChars and encodeTagSentence', async () => {
    const { checkpoint: tagger } = await tagTrain('the\tDET\ncat\tNOUN\n\n'.repeat(4), { hidden: 4, embedding: 4, charEmbedding: 4, charHidden: 4, maxSteps: 1, threads: 1, minCount: 1 });
    for (const v of bad) {
      if (typeof v !== 'string') assert.throws(() => wordChars(never(v), 5), typed(OptionError, /^wordChars\(\)'s word must be a string/));
      if (v !== 5) assert.throws(() => wordChars('cat', never(v)), typed(OptionError, /^wordChars\(\)'s maxChars must be a whole number of at least 1/));
      if (!Array.isArray(v)) assert.throws(() => encodeTagSentence(never(v), tagger), typed(OptionError, /^encodeTagSentence\(\)'s words must be an array of strings/));
      assert.throws(() => encodeTagSentence(['the'], never(v)), typed(OptionError, /^encodeTagSentence\(\)'s tagger must be a tagger/));
      if (v !== undefined) assert.throws(() => encodeTagSentence(['the'], tagger, never(v)), typed(OptionError, /^encodeTagSentence\(\)'s labels must be \{ index, of \}/));
    }
    assert.throws(() => wordChars('cat', 0), typed(OptionError, /^wordChars\(\)'s maxChars must be a whole number of at least 1 \(got 0\)/));
    assert.throws(() => encodeTagSentence(['the'], tagger, { index: new Map(), of: [] }), typed(OptionError, /^encodeTagSentence\(\)'s labels.of has 0 labels for 1 words/));
    assert.deepEqual(wordChars('abcdef', 4), ['a', 'b', 'e', 'f']);
    assert.equal(encodeTagSentence(['the', 'cat'], tagger).words.length, 2);
  });

  test('firstInvalidUtf8, fastestBackend and basicPlatform: bytes and an offset, a byte count, a backend', () => {
    for (const v of bad) {
      assert.throws(() => firstInvalidUtf8(never(v)), typed(OptionError, /^firstInvalidUtf8\(\)'s bytes must be a Uint8Array/));
      if (v !== undefined) {
        assert.throws(() => firstInvalidUtf8(new Uint8Array([65]), never(v === 5 ? -1 : v)), typed(OptionError, /^firstInvalidUtf8\(\)'s from must be a whole number of at least 0/));
        assert.throws(() => fastestBackend(never(v === 5 ? 1.5 : v)), typed(OptionError, /^fastestBackend\(\)'s fixedBytes must be a whole number of at least 0/));
      }
    }
    for (const v of [null, 5, 'x', {}, []]) assert.throws(() => basicPlatform(never(v)), typed(OptionError, /^basicPlatform\(\)'s backend must be a Backend/));
    assert.equal(basicPlatform(fastestBackend()).threads, 1);
    assert.equal(firstInvalidUtf8(new Uint8Array([65, 0xff]), 0), 1);
    assert.equal(typeof fastestBackend().name, 'string');
  });
});

test("rnnlm's evaluateStream takes (model, sentences, options), as evaluate takes (model, text): Node's platform underneath", async () => {
  const lib = await import('../../src/index.js');
  const api = await import('../../src/api/index.js');
  async function* lines() { yield 'emma'; yield 'olivia'; }
  const e = await lib.evaluateStream(ck, lines());
  assert.equal(e.sentences, 2);
  const viaApi = await api.evaluateStream(api.basicPlatform(), ck, lines());
  assert.ok(Math.abs(e.crossEntropy - viaApi.crossEntropy) < 1e-5, `${e.crossEntropy} vs ${viaApi.crossEntropy}`);
  await assert.rejects(lib.evaluateStream(ck, 'emma' as never), OptionError);
});

test('a model copied by JSON or structuredClone-style spreading without its backend is refused with the way to copy one', async () => {
  const { backend: _b, ...noBackend } = ck.model as unknown as Record<string, unknown>;
  const copies = [{ ...ck, model: noBackend }, { ...ck, model: { ...ck.model, backend: {} } }];
  for (const bad of copies) {
    assert.throws(() => score(bad as never, ['emma']), typed(OptionError, /^score\(\)'s model must be a model as loadModel\(\) or train\(\) return it \(its model has no backend: .*parseCheckpoint\(serializeCheckpoint\(model\)\)\)$/));
    assert.throws(() => sample(bad as never, { n: 1 }), typed(OptionError, /its model has no backend/));
  }
  // the way the message gives makes a working, independent copy with the same numbers
  const { parseCheckpoint, serializeCheckpoint } = await import('../../src/index.js');
  const copy = parseCheckpoint(serializeCheckpoint(ck));
  assert.notEqual(copy.model, ck.model);
  // (parseCheckpoint's default backend is the TypeScript reference: the same numbers to float32 rounding)
  const [a, b] = [score(copy, ['emma'])[0]!.logProb, score(ck, ['emma'])[0]!.logProb];
  assert.ok(Math.abs(a - b) <= 1e-6 * Math.abs(b) + 1e-6, `${a} vs ${b}`);
});

describe('fifth hostile pass: values that throw when read, callbacks that throw, models edited after they were made', () => {
  /** An object every trap of which throws, and one whose one getter throws. */
  const trap = () => new Proxy({}, { get() { throw new Error('trap'); }, ownKeys() { throw new Error('trap'); }, has() { throw new Error('trap'); }, getOwnPropertyDescriptor() { throw new Error('trap'); } });
  const getter = () => ({ get hidden(): number { throw new Error('getter'); } });
  const thrown = /could not be read: reading (it|its "hidden") threw "Error: (trap|getter)"/;

  test('a Proxy or a getter that throws, as the model, the options, the callbacks, the signal or an id list: one OptionError naming the argument', async () => {
    const lib = await import('../../src/index.js');
    for (const bad of [trap(), getter()]) {
      assert.throws(() => sample(ck, bad as never), typed(OptionError, /^the options of sample\(\) could not be read/));
      await assert.rejects(train(text, bad as never), typed(OptionError, /^the options of train\(\) could not be read/));
      await assert.rejects(train(text, tiny, bad as never), typed(OptionError, /^the callbacks of train\(\) (could not be read|has no|must)|^unknown option callbacks\.hidden/));
      await assert.rejects(lib.evaluate(ck, 'emma\n', bad as never), typed(OptionError, thrown));
      await assert.rejects(saveModel(ck, join(tempDir(), 'm.json'), bad as never), typed(OptionError, thrown));
      assert.throws(() => lib.createStepper(ck, bad as never), typed(OptionError, thrown));
      assert.throws(() => lib.createStepper(ck).draw(bad as never), typed(OptionError, thrown));
    }
    for (const call of [() => score(trap() as never, ['emma']), () => sample(trap() as never), () => lib.createStepper(trap() as never), () => lib.onnxModel(trap() as never)]) {
      assert.throws(call, typed(OptionError, /model could not be read: reading it threw "Error: trap"/));
    }
    assert.throws(() => score(ck, trap() as never), typed(OptionError, /sentences must be an array of strings \(got an object that cannot be read\)/));
    assert.throws(() => lib.createStepper(ck).feed(trap() as never), typed(OptionError, /feed\(\)'s ids could not be read/));
    await assert.rejects(train(text, tiny, { signal: { get aborted(): boolean { throw new Error('trap'); } } }), typed(OptionError, /^callbacks\.signal could not be read: reading its "aborted" threw "Error: trap"/));
    await assert.rejects(lib.evaluateStream(ck, trap() as never), typed(OptionError, /sentences could not be read/));
    await assert.rejects(lib.tagTrain('a\tX\n\n', bad0()), typed(OptionError, /^the options of tagTrain\(\) could not be read/));
    function bad0() { return trap() as never; }
  });

  test('a getter is read once: what is checked is what is used (a value that turns bad on its second read is not)', async () => {
    let reads = 0;
    const flip = { get n(): number { reads++; return reads === 1 ? 2 : 1e12; }, seed: 1 };
    const out = sample(ck, flip as never);
    assert.equal(out.length, 2);
    assert.equal(reads, 1);
    const lib = await import('../../src/index.js');
    let idReads = 0;
    const ids = { length: 1, get 0(): number { idReads++; return idReads === 1 ? 2 : 1e9; } };
    const s = lib.createStepper(ck);
    s.feed(ids as never);
    assert.equal(idReads, 1);
  });

  test('a callback that throws or rejects, a text function that throws, an iterable that throws: one OptionError naming it, the thrown error its cause', async () => {
    const lib = await import('../../src/index.js');
    const boom = new Error('boom');
    for (const [cb, name] of [[{ onStep() { throw boom; } }, 'onStep'], [{ onEval: async () => { throw boom; } }, 'onEval']] as const) {
      const err = await train(text, { ...tiny, evalEvery: 1 }, cb).then(() => null, (e: unknown) => e);
      typed(OptionError, new RegExp(`^callbacks\\.${name} of train\\(\\) threw at step 1 \\(the run stopped there\\): "Error: boom"$`))(err);
      assert.equal((err as { cause?: unknown }).cause, boom);
    }
    const err = await lib.evaluate(ck, () => { throw boom; }).then(() => null, (e: unknown) => e);
    typed(OptionError, /^evaluate\(\)'s text \(a function\) threw "Error: boom"$/)(err);
    assert.equal((err as { cause?: unknown }).cause, boom);
    async function* failing() { yield 'emma'; throw boom; }
    await assert.rejects(lib.evaluateStream(ck, failing()), typed(OptionError, /^evaluateStream\(\)'s sentences threw while being read: "Error: boom"$/));
    // an error of rnnlm's own passes as it is
    const own = new DataError('mine', 'fix it');
    await assert.rejects(train(text, tiny, { onStep() { throw own; } }), (e: unknown) => e === own);
  });

  test('a model edited after it was made (config, parameter array, a tensor, tokenizer, vocabulary index): refused naming what no longer fits, never scored with the old weights or a TypeError', async () => {
    const lib = await import('../../src/index.js');
    const fresh = () => lib.parseCheckpoint(lib.serializeCheckpoint(ck));
    const H = ck.model.config.hidden, V = ck.vocab.tokens.length;
    const edits: [string, (c: Checkpoint) => void, RegExp][] = [
      // an LSTM has 4 gates: weight_ih_l0 is [4H, V] for one-hot input
      ['hidden', (c) => { (c.model.config as { hidden: number }).hidden = H / 2; }, new RegExp(`its tensor weight_ih_l0 has shape \\[${4 * H}, ${V}\\]; its config needs \\[${2 * H}, ${V}\\]`)],
      ['cell gru', (c) => { (c.model.config as { cell: string }).cell = 'gru'; }, new RegExp(`its config needs \\[${3 * H}, ${V}\\]`)],
      ['cell xyz', (c) => { (c.model.config as { cell: string }).cell = 'xyz'; }, /its config is damaged: unknown cell kind xyz/],
      ['layers', (c) => { (c.model.config as { layers: number }).layers = 2; }, /its config needs tensor weight_ih_l1/],
      ['arena', (c) => { (c.model.params as { data: Float32Array }).data = new Float32Array(10); }, /its parameters hold 10 numbers; its config needs/],
      ['a tensor', (c) => { (c.model.params.views as Record<string, Float32Array>)['decoder.bias'] = new Float32Array(V); }, /its tensor decoder\.bias is no longer the part of its parameters/],
      ['sentence', (c) => { (c.tokenizer as { sentence: string }).sentence = 'bogus'; }, /its tokenizer settings are missing or damaged/],
      ['index', (c) => { (c.vocab as unknown as { index: Map<string, number> }).index = new Map(); }, new RegExp(`its vocabulary's index holds 0 tokens, not its ${V}`)],
    ];
    for (const [what, edit, re] of edits) {
      const c = fresh();
      score(c, ['emma']); // used once, then edited
      edit(c);
      assert.throws(() => score(c, ['emma']), typed(OptionError, re), what);
      assert.throws(() => sample(c, { n: 1 }), typed(OptionError, re), what);
      assert.throws(() => lib.createStepper(c), typed(OptionError, re), what);
      assert.throws(() => lib.onnxModel(c), typed(OptionError, re), what);
      await assert.rejects(lib.evaluate(c, 'emma\n'), typed(OptionError, re), what);
    }
  });

  test('resume: a checkpoint whose training state was edited (lr NaN, step −1, Adam moments cut) is refused as a file edited by hand is', async () => {
    const lib = await import('../../src/index.js');
    const fresh = () => lib.parseCheckpoint(lib.serializeCheckpoint(ck));
    const edits: [(c: Checkpoint) => void, RegExp][] = [
      [(c) => { (c.training!.config as { lr: number }).lr = NaN; }, /training\.config\.lr should be a number, got NaN/],
      [(c) => { (c.training!.state as { step: number }).step = -1; }, /training\.state\.step should be at least 0, got -1/],
      [(c) => { (c.training!.state.opt as { m: Float32Array }).m = new Float32Array(2); }, /training\.state\.optimizer\.m has 8 bytes/],
    ];
    for (const [edit, re] of edits) {
      const c = fresh();
      edit(c);
      await assert.rejects(train(text, tiny, { resume: c }), typed(OptionError, new RegExp(`^callbacks\\.resume is not a whole checkpoint: .*${re.source}`)));
    }
  });

  test('loadModel and loadTagger of a path holding a NUL byte: the name said to be the problem (as saveModel says it), not "could not be read (ERR_INVALID_ARG_VALUE) — check the path"', async () => {
    const lib = await import('../../src/index.js');
    for (const load of [lib.loadModel, lib.loadTagger]) {
      await assert.rejects(load('m\0.json'), (e: unknown) => e instanceof FileError && e.message === 'm\\u0000.json could not be read: the name holds a NUL byte' && e.hint === 'choose another name');
    }
    await assert.rejects(saveModel(ck, 'm\0.json'), (e: unknown) => e instanceof FileError && /the name holds a NUL byte/.test(e.message));
  });

  test('a tagger edited after its first use (labels cut, config changed, parameter array replaced) is refused at the next call, not tagged with null labels', async () => {
    const lib = await import('../../src/index.js');
    const data = 'the\tDET\ncat\tNOUN\n\na\tDET\ndog\tNOUN\n\n';
    const made = async () => (await tagTrain(data, { hidden: 4, embedding: 4, charEmbedding: 2, charHidden: 2, maxSteps: 1, minCount: 1, threads: 1 })).checkpoint;
    const edits: [(t: TaggerCheckpoint) => void, RegExp][] = [
      [(t) => { (t.labels as string[]).length = 1; }, /its labels are not the \d+ names of its outputs/],
      [(t) => { (t.tagger.config as { hidden: number }).hidden = 2; }, /its tensor .* has shape .*; its config needs/],
      [(t) => { (t.tagger.params as { data: Float32Array }).data = new Float32Array(3); }, /its parameters hold 3 numbers/],
    ];
    for (const [edit, re] of edits) {
      const t = await made();
      assert.equal(lib.tagPredict(t, [['the', 'cat']])[0]!.labels.length, 2);
      edit(t);
      assert.throws(() => lib.tagPredict(t, [['the', 'cat']]), typed(OptionError, new RegExp(`^tagPredict\\(\\)'s tagger is not a whole tagger: ${re.source}`)));
      await assert.rejects(lib.saveTagger(t, join(tempDir(), 't.json')), typed(OptionError, re));
    }
  });
});

/**
 * Options parsed from JSON may hold an own "__proto__" key (JSON.parse makes
 * it a plain property). The copy each options object is read into assigned
 * it, which set the copy's prototype: an object there was refused as "must be
 * an object of option names and values (got a Object)" and its properties
 * were read as options (callbacks.signal from it), and a number there was
 * dropped unseen. It is now an option like any other the function does not
 * have: unknown, named.
 */
test('sixth hostile pass: an own "__proto__" key in options or callbacks (from JSON.parse) is an unknown option, neither a prototype nor dropped', async () => {
  const lib = await import('../../src/index.js');
  const own = (json: string) => JSON.parse(json) as never;
  for (const v of ['{"hidden": 4}', '5', 'null']) {
    await assert.rejects(train(text, own(`{"__proto__": ${v}, "maxSteps": 1, "layers": 1}`)), typed(OptionError, /^unknown option __proto__$/));
    assert.throws(() => sample(ck, own(`{"__proto__": ${v}, "seed": 1}`)), typed(OptionError, /^unknown option __proto__$/));
    await assert.rejects(lib.evaluate(ck, 'emma\n', own(`{"__proto__": ${v}}`)), typed(OptionError, /^unknown option __proto__$/));
  }
  await assert.rejects(train(text, tiny, own('{"__proto__": {"signal": 1}}')), typed(OptionError, /^unknown option callbacks\.__proto__$/));
});

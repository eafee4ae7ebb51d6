/**
 * The tagger's speed (`rnnlm tag`): training words per second and tagging
 * sentences per second at a given size, on Universal Dependencies' English
 * Web Treebank when it is there (../shared/corpora/ud-english-ewt/), else on
 * synthetic sentences of EWT's lengths. Not a test (no assertions; never run
 * by `npm test`):
 *
 *   npm run build && node dist/test/bench/tag.js [--seconds 30] [--hidden 128] [--layers 1] [--no-chars] [--batch 32] [--json]
 *
 * Training runs through the api (tagTrain, Node's platform: WebAssembly) for
 * --seconds with no dev set (so no evaluation time is counted); words/s is
 * labelled words trained on / training time. Tagging runs tagPredict over the
 * dev set (or 2,000 synthetic sentences) in batches of 64, after a warm-up
 * pass; sentences/s is the median of 3 passes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { nodePlatform } from '../../src/node/platform.js';
import { tagTrain } from '../../src/api/tag-train.js';
import { tagPredict } from '../../src/api/tag-predict.js';
import { parseTagged } from '../../src/api/conll.js';
import { createRng } from '../../src/core/rng.js';
import { repoRoot } from '../helpers/paths.js';

const { values: o } = parseArgs({
  options: {
    seconds: { type: 'string', default: '30' }, hidden: { type: 'string', default: '128' }, layers: { type: 'string', default: '1' },
    'no-chars': { type: 'boolean', default: false }, batch: { type: 'string', default: '32' }, json: { type: 'boolean', default: false },
    train: { type: 'string' }, dev: { type: 'string' },
  },
});

const ewt = join(repoRoot, '..', 'shared', 'corpora', 'ud-english-ewt');
const trainPath = o.train ?? join(ewt, 'train.conllu');
const devPath = o.dev ?? join(ewt, 'dev.conllu');

/** Synthetic CoNLL-U-like data: sentences of 4–40 words over a 5,000-word vocabulary, labels a function of the word. */
function synthetic(n: number, seed: number): string {
  const rng = createRng(seed);
  let out = '';
  for (let s = 0; s < n; s++) {
    const len = 4 + rng.int(37);
    for (let t = 0; t < len; t++) {
      const w = rng.int(5000);
      out += `w${w}\tL${w % 17}\n`;
    }
    out += '\n';
  }
  return out;
}

const real = existsSync(trainPath) && existsSync(devPath);
const train = real ? readFileSync(trainPath, 'utf8') : synthetic(12_544, 1);
const dev = real ? readFileSync(devPath, 'utf8') : synthetic(2_000, 2);
const platform = nodePlatform();
const options = { hidden: Number(o.hidden), layers: Number(o.layers), chars: !o['no-chars'], batch: Number(o.batch), maxTime: Number(o.seconds) };

const t0 = performance.now();
const r = await tagTrain(platform, train, options);
const s = r.checkpoint.training!.state;
const trainWordsPerSec = (s.tokensSeen * 1000) / s.elapsedMs;

const sentences = parseTagged(dev).sentences.map((x) => x.words);
const words = sentences.reduce((n, x) => n + x.length, 0);
tagPredict(platform, r.checkpoint, sentences);
const times: number[] = [];
for (let i = 0; i < 3; i++) {
  const a = performance.now();
  tagPredict(platform, r.checkpoint, sentences);
  times.push((performance.now() - a) / 1000);
}
times.sort((a, b) => a - b);
const secs = times[1]!;
const result = {
  data: real ? 'ud-english-ewt' : 'synthetic', parameters: r.checkpoint.tagger.layout.total, config: r.checkpoint.tagger.config,
  trainSteps: s.step, trainSeconds: s.elapsedMs / 1000, trainWordsPerSec, predictSentences: sentences.length, predictWords: words,
  predictSeconds: secs, sentencesPerSec: sentences.length / secs, wordsPerSec: words / secs, wallSeconds: (performance.now() - t0) / 1000,
};
if (o.json) {
  console.log(JSON.stringify(result));
} else {
  const c = result.config;
  console.log(`tagger ${c.cell} ${c.layers}×${c.hidden}, ${c.chars ? `chars ${c.chars.embedding}/${c.chars.hidden}` : 'no chars'}, ${result.parameters.toLocaleString('en-US')} parameters, ${result.data}`);
  console.log(`training  ${Math.round(trainWordsPerSec).toLocaleString('en-US')} words/s (${result.trainSteps} steps in ${result.trainSeconds.toFixed(1)} s)`);
  console.log(`tagging   ${Math.round(result.sentencesPerSec).toLocaleString('en-US')} sentences/s, ${Math.round(result.wordsPerSec).toLocaleString('en-US')} words/s (${result.predictSentences.toLocaleString('en-US')} sentences in ${secs.toFixed(2)} s, median of 3)`);
}

/**
 * The sampling view: `rnnlm sample`'s options (prime, temperature, top-k,
 * top-p, seed, how many, maximum length) and the samples, drawn by the same
 * api function with the same seed, so the page shows what `rnnlm sample
 * --seed S` prints. A sample is drawn whole (in a few milliseconds) and then
 * written out over a few frames, one sample after another (at once when more
 * than 20 are asked for). Each
 * sample's element carries data-text, its whole text.
 */
import { startSampling, type Checkpoint, type Platform } from '../api/index.js';
import { el, labelled } from './dom.js';

export interface SamplingView {
  readonly root: HTMLElement;
  /** Draw with the current options; resolves when every sample is shown. */
  run(): Promise<void>;
}

const CHARS_PER_FRAME = 6;
const MAX_SAMPLES = 1000;
const MAX_LENGTH = 10_000;

export function samplingView(platform: Platform, ck: Checkpoint): SamplingView {
  const num = (id: string, value: number, attrs: Record<string, string | number> = {}) => el('input', { id, type: 'number', value, ...attrs });
  const prime = el('input', { id: 'sample-prime', type: 'text', placeholder: 'start every sample with…', spellcheck: 'false' });
  const temperature = num('sample-temperature', 1, { min: 0.01, max: 100, step: 0.05 });
  const topK = num('sample-topk', 0, { min: 0, step: 1 });
  const topP = num('sample-topp', 1, { min: 0.01, max: 1, step: 0.05 });
  const seed = num('sample-seed', 1, { min: 0, step: 1 });
  const n = num('sample-n', 5, { min: 1, max: MAX_SAMPLES, step: 1 });
  const maxLength = num('sample-maxlength', ck.tokenizer.level === 'char' ? 200 : 50, { min: 1, max: MAX_LENGTH, step: 1 });
  const go = el('button', { class: 'go', id: 'sample-go' }, 'Sample');
  const error = el('div', { class: 'error', id: 'sample-error', hidden: true });
  const out = el('div', { class: 'samples', id: 'samples' });
  const command = el('div', { class: 'note', id: 'sample-command' });
  const root = el('section', { id: 'view-sample', hidden: true },
    el('div', { class: 'controls' }, labelled('prime', prime), labelled('temperature', temperature), labelled('top-k', topK, '0: all tokens'),
      labelled('top-p', topP, '1: all tokens'), labelled('seed', seed), labelled('samples', n), labelled('max length', maxLength, 'most tokens after the prime'), go),
    error, command, out);
  let running: Promise<void> | null = null;

  async function draw(): Promise<void> {
    error.hidden = true;
    out.replaceChildren();
    const options = {
      n: Number(n.value), temperature: Number(temperature.value), topK: Number(topK.value), topP: Number(topP.value),
      seed: Number(seed.value), maxLength: Number(maxLength.value), prime: prime.value,
    };
    let sampling;
    try {
      // the page draws on the browser's one thread: rnnlm sample takes more
      if (options.n > MAX_SAMPLES) throw new Error(`the page draws at most ${MAX_SAMPLES} samples at a time (rnnlm sample draws any number)`);
      if (options.maxLength > MAX_LENGTH) throw new Error(`the page draws at most ${MAX_LENGTH.toLocaleString('en-US')} tokens per sample (rnnlm sample --max-length takes more)`);
      sampling = startSampling(platform, ck, options);
    } catch (e) {
      error.textContent = (e as Error).message;
      error.hidden = false;
      return;
    }
    const q = (s: string): string => (/^[\w.,:/=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
    command.textContent = `the same as: rnnlm sample -m MODEL -n ${options.n} --seed ${options.seed} --temperature ${options.temperature}` +
      (options.topK ? ` --top-k ${options.topK}` : '') + (options.topP !== 1 ? ` --top-p ${options.topP}` : '') +
      ` --max-length ${options.maxLength}` + (options.prime ? ` --prime ${q(options.prime)}` : '');
    for (let s = sampling.next(); s !== null; s = sampling.next()) {
      const box = el('div', { class: 'sample', 'data-text': s.text, 'data-end': s.end });
      out.append(box);
      // written out over at most ~10 frames a sample, and only for a few samples
      const chars = [...s.text];
      const step = Math.max(CHARS_PER_FRAME, Math.ceil(chars.length / 10));
      for (let k = 0; options.n <= 20 && k < chars.length; k += step) {
        box.textContent = chars.slice(0, k + step).join('');
        await new Promise((done) => requestAnimationFrame(done));
      }
      box.textContent = s.text;
      box.append(el('div', { class: 'meta' }, `${s.tokens} tokens · ended by ${s.end === 'eos' ? '<EOS>' : s.end === 'length' ? 'the length cap' : 'a stop text'} · log P ${s.logProb.toFixed(3)}` +
        (s.copy === true ? ' · a copy of a training sentence' : '')));
    }
    out.dataset['done'] = 'true';
  }

  const run = (): Promise<void> => {
    if (running) return running;
    out.dataset['done'] = 'false';
    running = draw().finally(() => { running = null; });
    return running;
  };
  go.addEventListener('click', () => { void run(); });
  return { root, run };
}

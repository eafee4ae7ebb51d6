/**
 * The page `rnnlm view` writes: the model, read from the page's own data
 * (no network), run by the project's api — the code the command line runs,
 * bundled — on WebAssembly where the browser has it. Four views: surprise,
 * hidden units, sampling, the model card.
 *
 * The HTML file holds two data blocks: #rnnlm-model (the checkpoint, as
 * `rnnlm strip` writes it, with every '<' written \u003c) and #rnnlm-data
 * (the title, the text to start with, the model card). For tests and
 * benchmarks, `window.rnnlmPage` reports when the first colouring was shown
 * and re-colours a given text, timing it.
 */
import { basicPlatform, createInspector, fastestBackend, parseCheckpoint, type Checkpoint } from '../api/index.js';
import { byId, el } from './dom.js';
import { cardView, type Card } from './card.js';
import { STYLE } from './style.js';
import { samplingView } from './sampling.js';
import { surpriseView } from './surprise.js';
import { unitsView } from './units.js';

interface PageData {
  title: string;
  subtitle: string;
  text: string;
  card: Card;
  /** Parameters of the model: sizes the WebAssembly memory where it cannot grow. */
  parameters: number;
}

export interface PageHooks {
  /** Milliseconds from navigation to the first colouring shown. */
  firstColourMs: number;
  /** Where the model computes: 'wasm', or 'typescript' where the browser lacks WebAssembly SIMD. */
  backend: string;
  /** Put `text` in the box and re-colour; returns the milliseconds it took (inspection and drawing). */
  setText(text: string): number;
  /** Show the tab of this view. */
  show(view: 'surprise' | 'units' | 'sample' | 'card'): void;
  /** Draw samples with the sampling view's current options. */
  sample(): Promise<void>;
  selectUnit(layer: number, unit: number, which: 'a' | 'c'): void;
}

declare global {
  interface Window {
    rnnlmPage?: PageHooks;
  }
}

function start(): void {
  document.head.append(el('style', {}, STYLE));
  const data = JSON.parse(byId('rnnlm-data').textContent ?? '') as PageData;
  document.title = data.title;
  // a memory that is not shared cannot grow (views would detach): room for the model twice over, and the work buffers
  const backend = fastestBackend(data.parameters * 8 + (64 << 20));
  const ck: Checkpoint = parseCheckpoint(byId('rnnlm-model').textContent ?? '', backend);
  const platform = basicPlatform(backend);
  const inspector = createInspector(platform, ck);

  const tip = el('div', { id: 'tip', hidden: true });
  const box = el('textarea', { id: 'text', spellcheck: 'false', 'aria-label': 'text to look at' });
  box.value = data.text;
  const textPart = el('div', { id: 'text-part' }, el('div', { class: 'note' }, 'The text the model reads: one sentence per line (as rnnlm score reads it). Edit it; the colours follow.'), box);
  const surprise = surpriseView(ck, inspector, tip);
  const units = unitsView(ck, inspector);
  const sampling = samplingView(platform, ck);
  const card = cardView(data.card);
  const views = { surprise: surprise.root, units: units.root, sample: sampling.root, card } as const;
  const names: Record<keyof typeof views, string> = { surprise: 'Surprise', units: 'Hidden units', sample: 'Sample', card: 'Model' };
  let shown: keyof typeof views = 'surprise';
  const tabs = (Object.keys(views) as (keyof typeof views)[]).map((k) => {
    const b = el('button', { id: `tab-${k}`, 'aria-selected': k === shown ? 'true' : 'false' }, names[k]);
    b.addEventListener('click', () => show(k));
    return b;
  });

  function update(): void {
    const seen = inspector.inspect(box.value);
    if (shown === 'units') units.render(seen);
    else surprise.render(seen);
  }
  function show(k: keyof typeof views): void {
    shown = k;
    for (const [name, v] of Object.entries(views)) v.hidden = name !== k;
    tabs.forEach((b) => b.setAttribute('aria-selected', b.id === `tab-${k}` ? 'true' : 'false'));
    textPart.hidden = !(k === 'surprise' || k === 'units');
    if (!textPart.hidden) update();
  }
  box.addEventListener('input', update);

  document.body.replaceChildren(
    el('header', {}, el('h1', {}, data.title), el('div', { class: 'sub' }, data.subtitle), el('nav', {}, ...tabs)),
    el('main', {}, textPart, ...Object.values(views)),
    tip);
  update();
  const hooks: PageHooks = {
    firstColourMs: performance.now(),
    backend: backend.name,
    setText(text) {
      const t0 = performance.now();
      box.value = text;
      update();
      return performance.now() - t0;
    },
    show,
    sample: () => { show('sample'); return sampling.run(); },
    selectUnit(l, u, w) { show('units'); units.select(l, u, w); },
  };
  window.rnnlmPage = hooks;
  document.body.dataset['ready'] = 'true';
}

try {
  start();
} catch (e) {
  document.body.replaceChildren(el('p', { class: 'error', id: 'page-error' }, `This page could not start: ${(e as Error).message}`));
  document.body.dataset['ready'] = 'error';
}

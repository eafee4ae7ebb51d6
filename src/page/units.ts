/**
 * The hidden-units view (Karpathy's pictures): pick a layer and a unit, and
 * the text is coloured by its activation after each token — a⟨t⟩, or the
 * LSTM's memory c⟨t⟩ (scaled by its largest |value| on this text, c being
 * unbounded). Beside it the units of the layer, ranked by their variance on
 * the text, or by |correlation| with a pattern typed as a regular expression
 * (e.g. "[^"]*" for inside quotes). Each span carries data-act, the value.
 */
import type { Checkpoint } from '../api/index.js';
import { patternIndicator, type Inspection, type Inspector } from '../api/inspect.js';
import { activationColour, el, labelled } from './dom.js';
import { renderTokens } from './tokens.js';

export interface UnitsView {
  readonly root: HTMLElement;
  render(seen: Inspection): void;
  /** Show this unit (the controls follow). */
  select(layer: number, unit: number, which: 'a' | 'c'): void;
}

export function unitsView(ck: Checkpoint, inspector: Inspector): UnitsView {
  const wordLevel = ck.tokenizer.level === 'word';
  const layer = el('select', { id: 'unit-layer' }, ...Array.from({ length: inspector.layers }, (_, l) => el('option', { value: l }, String(l + 1))));
  const which = el('select', { id: 'unit-which' }, el('option', { value: 'a' }, 'a (hidden state)'), ...(inspector.hasMemory ? [el('option', { value: 'c' }, 'c (memory cell)')] : []));
  const unit = el('input', { id: 'unit-index', type: 'number', min: 0, max: inspector.hidden - 1, value: 0 });
  const rankBy = el('select', { id: 'rank-by' }, el('option', { value: 'variance' }, 'variance on this text'), el('option', { value: 'pattern' }, 'correlation with a pattern'));
  const pattern = el('input', { id: 'rank-pattern', type: 'text', value: '"[^"]*"', spellcheck: 'false', title: 'a JavaScript regular expression matched in each sentence as the model read it' });
  const error = el('div', { class: 'error', hidden: true });
  const text = el('div', { class: 'coloured', id: 'units-text' });
  const ranking = el('div', { class: 'ranking', id: 'units-ranking' });
  const scale = el('span', { class: 'note', id: 'units-scale' });
  const root = el('section', { id: 'view-units', hidden: true },
    el('div', { class: 'controls' }, labelled('layer', layer), labelled('state', which), labelled(`unit (0–${inspector.hidden - 1})`, unit),
      labelled('rank units by', rankBy), labelled('pattern', pattern)),
    error,
    el('div', { class: 'units' },
      el('div', {}, text, el('div', { class: 'controls' },
        el('span', { class: 'legend' }, '−1', el('i', { style: `background: linear-gradient(to right, ${activationColour(-1)}, ${activationColour(0)}, ${activationColour(1)})` }), '+1'), scale)),
      el('div', {}, el('div', { class: 'note' }, 'units, most responsive first (click one)'), ranking)));
  let seen: Inspection | null = null;

  const current = (): { l: number; u: number; w: 'a' | 'c' } => ({
    l: Number(layer.value), u: Math.min(inspector.hidden - 1, Math.max(0, Math.floor(Number(unit.value) || 0))), w: which.value === 'c' ? 'c' : 'a',
  });

  function paint(): void {
    if (!seen) return;
    const { l, u, w } = current();
    const trace = inspector.trace(l, u, w);
    let max = 0;
    for (const v of trace) if (Number.isFinite(v)) max = Math.max(max, Math.abs(v));
    const div = w === 'c' && max > 0 ? max : 1;
    scale.textContent = w === 'c' ? `c scaled by its largest |value| here, ${max.toFixed(3)}` : 'a = tanh(…) lies in [−1, 1]';
    const s = seen;
    renderTokens(text, s, wordLevel, {
      colour: (i) => (s.tokens[i]!.eos ? '' : activationColour(trace[i]! / div)),
      data: (i): Record<string, string> => (s.tokens[i]!.eos ? {} : { act: String(trace[i]) }),
    });
    text.dataset['layer'] = String(l);
    text.dataset['unit'] = String(u);
    text.dataset['which'] = w;
  }

  function rank(): void {
    if (!seen) return;
    const { l, u, w } = current();
    let scores;
    error.hidden = true;
    try {
      scores = rankBy.value === 'pattern' ? inspector.rank(l, w, patternIndicator(seen, new RegExp(pattern.value, 'g'))) : inspector.rank(l, w);
    } catch (e) {
      error.textContent = `pattern: ${(e as Error).message}`;
      error.hidden = false;
      scores = inspector.rank(l, w);
    }
    ranking.replaceChildren(...scores.slice(0, 40).map((s) => {
      const row = el('div', { 'data-unit': s.unit, 'aria-selected': s.unit === u ? 'true' : 'false' }, el('span', {}, `unit ${s.unit}`), el('span', {}, s.score.toFixed(3)));
      row.addEventListener('click', () => { unit.value = String(s.unit); update(); });
      return row;
    }));
  }

  function update(): void {
    paint();
    rank();
  }
  for (const c of [layer, which, unit, rankBy]) c.addEventListener('change', update);
  unit.addEventListener('input', update);
  pattern.addEventListener('input', () => { if (rankBy.value === 'pattern') rank(); });
  pattern.addEventListener('focus', () => { if (rankBy.value !== 'pattern') { rankBy.value = 'pattern'; rank(); } });

  return {
    root,
    render(s) {
      seen = s;
      update();
    },
    select(l, u, w) {
      layer.value = String(l);
      unit.value = String(u);
      which.value = w;
      update();
    },
  };
}

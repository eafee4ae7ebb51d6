/**
 * The surprise view: every token coloured by −log P(token | left context);
 * hovering one shows its probability and the model's ten most likely
 * candidates where it was read; the totals as `rnnlm score` reports them.
 * Each span carries data-logprob (natural log, full precision), data-token
 * (the vocabulary entry it was read as) and data-surprise.
 */
import type { Checkpoint } from '../api/index.js';
import type { Inspection, Inspector } from '../api/inspect.js';
import { el, formatNumber, surpriseColour } from './dom.js';
import { renderTokens } from './tokens.js';

export interface SurpriseView {
  readonly root: HTMLElement;
  render(seen: Inspection): void;
}

export function surpriseView(ck: Checkpoint, inspector: Inspector, tip: HTMLElement): SurpriseView {
  const logV = Math.log(ck.model.config.vocabSize);
  const wordLevel = ck.tokenizer.level === 'word';
  const text = el('div', { class: 'coloured', id: 'surprise-text' });
  const totals = el('div', { class: 'totals', id: 'surprise-totals' });
  const legend = el('span', { class: 'legend' }, 'surprise: 0', el('i', { style: `background: linear-gradient(to right, ${surpriseColour(0, 1)}, ${surpriseColour(1, 1)})` }), `ln V = ${logV.toFixed(2)} nats and more`);
  const root = el('section', { id: 'view-surprise' }, totals, text, el('div', { class: 'controls' }, legend,
    el('span', { class: 'note' }, 'Hover a token: its probability and the model\'s top 10 at that point. Dashed: read as <UNK>. ⏎: the end of the sentence (<EOS>), which is scored too.')));
  let seen: Inspection | null = null;

  text.addEventListener('mouseover', (e) => {
    const span = (e.target as HTMLElement).closest<HTMLElement>('span.t');
    if (!span || !seen) return;
    const i = Number(span.dataset['i']);
    const t = seen.tokens[i];
    if (!t) return;
    const rows = inspector.top(i, 10).map((c) => el('tr', { class: c.id === t.id ? 'this' : '' },
      el('td', {}, JSON.stringify(c.token)), el('td', { class: 'p' }, (100 * c.prob).toFixed(2) + '%')));
    const token = ck.vocab.tokens[t.id]!;
    tip.replaceChildren(
      el('div', {}, el('b', {}, JSON.stringify(t.eos ? token : t.text)), t.unknown ? ' (read as <UNK>)' : ''),
      el('div', {}, `P = ${Math.exp(t.logProb).toPrecision(4)} · −log P = ${formatNumber(-t.logProb)} nats = ${formatNumber(-t.logProb / Math.LN2)} bits`),
      el('div', { class: 'note' }, 'the model\'s top 10 here:'),
      el('table', {}, ...rows));
    tip.hidden = false;
    const r = span.getBoundingClientRect();
    tip.style.left = `${Math.min(r.left, window.innerWidth - 260)}px`;
    tip.style.top = `${r.bottom + 6}px`;
  });
  text.addEventListener('mouseout', () => { tip.hidden = true; });

  return {
    root,
    render(s) {
      seen = s;
      renderTokens(text, s, wordLevel, {
        colour: (i) => surpriseColour(-s.tokens[i]!.logProb, logV),
        data: (i) => {
          const t = s.tokens[i]!;
          return { logprob: String(t.logProb), token: ck.vocab.tokens[t.id]!, surprise: String(-t.logProb) };
        },
      });
      if (s.count === 0) {
        totals.replaceChildren('Type or paste some text above.');
        return;
      }
      const sentences = s.read.length;
      totals.replaceChildren(
        `${sentences} sentence${sentences === 1 ? '' : 's'}, ${s.count} tokens (<EOS> included), ${s.unk} <UNK> · log P `, el('b', { id: 'total-logprob' }, s.logProb.toFixed(3)),
        ' nats · perplexity ', el('b', { id: 'total-perplexity' }, s.perplexity.toFixed(3)),
        ...(s.bitsPerChar === null ? [] : [' · ', el('b', { id: 'total-bpc' }, s.bitsPerChar.toFixed(4)), ' bits/char']),
        ...(s.cut > 0 ? [el('div', { class: 'error', id: 'surprise-cut' }, `The page looks at the first ${s.count.toLocaleString('en-US')} tokens; the other ${s.cut.toLocaleString('en-US')} are left out (rnnlm score reads any length).`)] : []));
    },
  };
}

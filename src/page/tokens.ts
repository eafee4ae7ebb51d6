/**
 * The text as the model read it, one span per token, for both views that
 * colour it (surprise and hidden units): a sentence's tokens (with a space
 * between words at word level), then its <EOS> as a small ⏎, then a line
 * break. Each span carries data-i (the token's index in the inspection) and
 * whatever data attributes the view adds; its colour comes from the view.
 */
import type { Inspection } from '../api/inspect.js';
import { el, shownToken } from './dom.js';

export interface TokenStyle {
  /** The background of token i ('' for none). */
  colour(i: number): string;
  /** Data attributes of token i (without the data- prefix). */
  data(i: number): Record<string, string>;
}

export function renderTokens(into: HTMLElement, seen: Inspection, wordLevel: boolean, style: TokenStyle): void {
  const frag = document.createDocumentFragment();
  let prevSentence = -1;
  seen.tokens.forEach((t, i) => {
    if (wordLevel && t.sentence === prevSentence && !t.eos) frag.append(' ');
    prevSentence = t.sentence;
    const span = el('span', { class: t.eos ? 't eos' : t.unknown ? 't unk' : 't', 'data-i': i }, t.eos ? (wordLevel ? ' ⏎' : '⏎') : shownToken(t.text));
    for (const [k, v] of Object.entries(style.data(i))) span.dataset[k] = v;
    const c = style.colour(i);
    if (c) span.style.background = c;
    frag.append(span);
    if (t.eos) frag.append('\n');
  });
  into.replaceChildren(frag);
}

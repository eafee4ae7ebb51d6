/**
 * The model card: the report `rnnlm info` prints and the training curve
 * `rnnlm plot` draws, both made by the command line when it wrote the page
 * (they are in the page's data), shown as they are.
 */
import { el } from './dom.js';

export interface Card {
  /** `rnnlm info`'s report. */
  info: string;
  /** `rnnlm plot`'s SVG, or null when the model has no training history. */
  curve: string | null;
}

export function cardView(card: Card): HTMLElement {
  const curve = card.curve === null
    ? el('p', { class: 'note' }, 'No training curve: this checkpoint keeps no training history.')
    : el('img', { class: 'curve', id: 'card-curve', alt: 'training and validation loss against the step', src: 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(card.curve) });
  return el('section', { id: 'view-card', hidden: true }, el('pre', { class: 'card', id: 'card-info' }, card.info), curve);
}

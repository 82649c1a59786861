/** Words for the built-in model's card (metadata.json `card`): what it was trained on and how well it hears new voices. */
import type { ModelCard, ModelChoice } from '../../../electron/contract/contract.js';

const pct = (x: number) => `${Math.round(x * 100)}%`;

/** The one-time notice of the Live view. */
export function builtInNotice(card: ModelCard | null): string {
  if (!card) return 'Built-in model: its metadata has no model card, so what it was trained on and how accurate it is on new speakers are unknown.';
  const heard = card.newSpeakers
    ? `On speakers it never heard: ${pct(card.newSpeakers.accuracy)} accuracy (UAR ${pct(card.newSpeakers.uar)}), ${card.newSpeakers.protocol}.`
    : 'Its accuracy on speakers it never heard has not been measured.';
  return `Built-in model: trained on ${card.trainedOn}. ${heard} Real-life speech will be lower.`;
}

/** The picker's value for a model: "built-in" or "run:<id>". */
export function modelKey(m: ModelChoice): string {
  return m.kind === 'built-in' ? 'built-in' : `run:${m.runId}`;
}

/** The picker's text: the built-in label, or the run with its test accuracy and split (random splits flatter). */
export function modelOption(m: ModelChoice): string {
  if (m.kind === 'built-in') return m.label;
  const acc = m.testAccuracy === null ? '—' : `${(m.testAccuracy * 100).toFixed(1)} %`;
  return `${m.label} (test acc ${acc}${m.splitKind ? `, ${m.splitKind} split` : ''})`;
}

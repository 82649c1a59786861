/**
 * Words for the model pickers: the built-in model's card (metadata.json `card`: what it was trained on and how well it
 * hears new voices), each model's option and group, what startLive is asked for, and a saved session's model.
 */
import type { LiveSessionRow, MethodInput, ModelCard, ModelChoice } from '../../../electron/contract/contract.js';

const pct = (x: number) => `${Math.round(x * 100)}%`;

/** The one-time notice of the Live view. */
export function builtInNotice(card: ModelCard | null): string {
  if (!card) return 'Built-in model: its metadata has no model card, so what it was trained on and how accurate it is on new speakers are unknown.';
  const heard = card.newSpeakers
    ? `On speakers it never heard: ${pct(card.newSpeakers.accuracy)} accuracy (UAR ${pct(card.newSpeakers.uar)}), ${card.newSpeakers.protocol}.`
    : 'Its accuracy on speakers it never heard has not been measured.';
  return `Built-in model: trained on ${card.trainedOn}. ${heard} Real-life speech will be lower.`;
}

/** The picker's value for a model: "built-in", "ensemble:<id>" or "run:<id>". */
export function modelKey(m: ModelChoice): string {
  if (m.kind === 'built-in') return 'built-in';
  return m.kind === 'ensemble' ? `ensemble:${m.ensembleId}` : `run:${m.runId}`;
}

/** The picker's text: the built-in or ensemble label, or the run with its test accuracy and split (random splits flatter). */
export function modelOption(m: ModelChoice): string {
  if (m.kind !== 'run') return m.label;
  const acc = m.testAccuracy === null ? '—' : `${(m.testAccuracy * 100).toFixed(1)} %`;
  return `${m.label} (test acc ${acc}${m.splitKind ? `, ${m.splitKind} split` : ''})`;
}

/** A group of the Live picker: the built-in model on its own (no label), then "Ensembles", then "Runs"; empty groups left out. */
export interface PickerGroup {
  label: string | null;
  models: ModelChoice[];
}

export function pickerGroups(models: readonly ModelChoice[]): PickerGroup[] {
  const groups: PickerGroup[] = [
    { label: null, models: models.filter((m) => m.kind === 'built-in') },
    { label: 'Ensembles', models: models.filter((m) => m.kind === 'ensemble') },
    { label: 'Runs', models: models.filter((m) => m.kind === 'run') },
  ];
  return groups.filter((g) => g.models.length > 0);
}

/** What startLive is asked to listen with for the picked model (nothing picked: the service's default). */
export function liveChoice(m: ModelChoice | undefined): Pick<MethodInput<'startLive'>, 'builtIn' | 'runId' | 'ensembleId'> {
  if (!m) return {};
  if (m.kind === 'built-in') return { builtIn: true };
  if (m.kind === 'ensemble' && m.ensembleId !== null) return { ensembleId: m.ensembleId };
  return m.runId !== null ? { runId: m.runId } : {};
}

/** The Model column of the saved sessions: built-in, the ensemble, the run, or — when the model is unknown or deleted. */
export function sessionModel(s: Pick<LiveSessionRow, 'builtIn' | 'ensembleId' | 'ensembleName' | 'runId' | 'runName'>): string {
  if (s.builtIn) return 'built-in';
  if (s.ensembleId !== null) return `ensemble #${s.ensembleId} ${s.ensembleName ?? ''}`.trim();
  return s.runId === null ? '—' : `#${s.runId} ${s.runName ?? ''}`.trim();
}

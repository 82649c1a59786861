/**
 * The paper's "Reported results" table (Bhanbhro, Talpur & Memon, see ../shared/docs/paper.md), as data.
 * Its split was random 80/10/10 over the files of all 24 RAVDESS actors, so every test speaker was also
 * heard in training: these rows are a reference for the random split only, never for new voices.
 */

export const PAPER_SOURCE = 'Bhanbhro, Talpur & Memon, "Speech Emotion Recognition Using Deep Learning Hybrid Models"';

/** What the paper's split was, in words that travel with each of its rows. */
export const PAPER_PROTOCOL = 'random 80/10/10 split of the 1440 RAVDESS speech files of 24 actors (speakers shared by train and test)';

export interface PaperReferenceRow {
  epochs: number;
  /** As printed in the paper. */
  trainingTime: string;
  trainingMs: number;
  /** Test accuracy, 0..1. */
  accuracy: number;
  /** The paper's own seconds per epoch, implied by its time and epochs (its hardware is not stated). */
  msPerEpoch: number;
  split: 'random';
}

const HOUR_MS = 3_600_000;

function row(epochs: number, hours: number, accuracy: number): PaperReferenceRow {
  return { epochs, trainingTime: `${hours} hours`, trainingMs: hours * HOUR_MS, accuracy, msPerEpoch: Math.round((hours * HOUR_MS) / epochs), split: 'random' };
}

export const PAPER_RESULTS: readonly PaperReferenceRow[] = [row(200, 6, 0.6), row(600, 20, 0.8037), row(1400, 38, 0.939)];

/** The epoch budgets the projection answers for: the paper's rows. */
export const PROJECTED_EPOCHS = [200, 600, 1400] as const;

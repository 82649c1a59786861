/**
 * The 8 emotions, in the order used everywhere (RAVDESS emotion codes 01..08 minus one).
 * Indices into this tuple are what gets stored (dataset files, confusion matrices, live predictions),
 * so the order must never change.
 */
export const EMOTIONS = ['neutral', 'calm', 'happy', 'sad', 'angry', 'fearful', 'disgust', 'surprised'] as const;

export type Emotion = (typeof EMOTIONS)[number];

/** Number of classes the model predicts. */
export const NUM_EMOTIONS: number = EMOTIONS.length;

export function isEmotionIndex(i: unknown): i is number {
  return typeof i === 'number' && Number.isInteger(i) && i >= 0 && i < EMOTIONS.length;
}

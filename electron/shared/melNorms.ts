/**
 * The per-clip mel normalisations a feature config may name (engine/audio/melNorm.ts applies them). Here, in the
 * bottom layer, so the contract's training options and the engine name them from the one list.
 */
export const MEL_NORMS = ['utterance'] as const;
export type MelNorm = (typeof MEL_NORMS)[number];

/**
 * The reference recipe's training constants (the paper, and the PyTorch reference where frameworks differ): the
 * optimizer with its settings, and the AWGN augmentation. The engine's defaults (model/config.ts, fine-tuning) and
 * the training options' defaults (contract/trainingOptions.ts) are these values. Plain data.
 */
export const referenceOptimizer = Object.freeze({ optimizer: 'sgd' as const, learningRate: 0.01, momentum: 0.8, weightDecay: 1e-3 });

/** Noisy copies per training clip, and the range [snrLow, snrHigh) dB their integer SNR is drawn from. */
export const referenceAugment = Object.freeze({ copies: 2, snrLow: 15, snrHigh: 30 });

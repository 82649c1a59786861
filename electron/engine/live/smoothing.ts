/**
 * Smoothing of class probabilities over recent voiced windows. Windows overlap (3 s advanced by 0.5 s), yet a
 * small model's output still jumps from one window to the next; averaging the last few steadies the display
 * without hiding a change of emotion for long. Silence resets the history: the next utterance starts fresh
 * instead of inheriting the previous one's emotion.
 */

export type SmoothingOptions =
  /** No smoothing: each window's probabilities as they are. */
  | { method: 'none' }
  /** Mean of the last `windows` voiced windows (default 3 = the last 1.5 s of hops). */
  | { method: 'mean'; windows: number }
  /** Exponential moving average: p ← alpha·new + (1 − alpha)·p. */
  | { method: 'ema'; alpha: number };

export const DEFAULT_SMOOTHING: Readonly<SmoothingOptions> = Object.freeze({ method: 'mean', windows: 3 });

export class ProbabilitySmoother {
  readonly options: SmoothingOptions;
  #history: number[][] = [];
  #ema: number[] | undefined;

  constructor(options: SmoothingOptions = DEFAULT_SMOOTHING) {
    if (options.method === 'mean' && !(Number.isInteger(options.windows) && options.windows >= 1)) throw new RangeError(`smoothing windows must be an integer ≥ 1, got ${options.windows}`);
    if (options.method === 'ema' && !(options.alpha > 0 && options.alpha <= 1)) throw new RangeError(`smoothing alpha must be within (0, 1], got ${options.alpha}`);
    this.options = options;
  }

  /** Adds one window's probabilities; returns the smoothed ones (a new array). */
  push(probs: readonly number[]): number[] {
    const o = this.options;
    if (o.method === 'none') return [...probs];
    if (o.method === 'ema') {
      this.#ema = this.#ema ? this.#ema.map((p, i) => o.alpha * probs[i]! + (1 - o.alpha) * p) : [...probs];
      return [...this.#ema];
    }
    this.#history.push([...probs]);
    if (this.#history.length > o.windows) this.#history.shift();
    const out = new Array<number>(probs.length).fill(0);
    for (const h of this.#history) for (let i = 0; i < out.length; i++) out[i]! += h[i]! / this.#history.length;
    return out;
  }

  /** Forgets the history (called on a silent window). */
  reset(): void {
    this.#history = [];
    this.#ema = undefined;
  }
}

/** Index of the largest value (the first one on ties). */
export function argmax(xs: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i]! > xs[best]!) best = i;
  return best;
}

/**
 * The guided recording session behind "Tune to my voice" (`ser record --session --prompts`, the Live view's
 * wizard): which emotion and which sentence each take asks for. The sentences are RAVDESS's two statements, so the
 * person's takes match what the built-in model was trained on in everything but the voice and the microphone.
 * Emotions come in the app's label order, all takes of one emotion in a row (acting one emotion several times
 * is easier than switching every take), the two statements alternating within each emotion.
 */
import { SerError } from '../../shared/errors.js';
import { EMOTIONS, type Emotion } from '../../shared/labels.js';

/** RAVDESS's statements 01 and 02. */
export const STATEMENTS = ['Kids are talking by the door', 'Dogs are sitting by the door'] as const;

/** Default takes per emotion: 32 takes in all, of which `ser tune` holds one per emotion out. */
export const DEFAULT_TAKES_PER_EMOTION = 4;
export const MAX_TAKES_PER_EMOTION = 50;

export interface Prompt {
  /** 0-based position in the session. */
  index: number;
  emotion: Emotion;
  /** 1-based take of this emotion. */
  take: number;
  /** Takes of this emotion in the plan. */
  takes: number;
  statement: string;
}

/** `takesPerEmotion` prompts for each of `emotions` (default: all eight), in order. */
export function planSession(takesPerEmotion: number = DEFAULT_TAKES_PER_EMOTION, emotions: readonly Emotion[] = EMOTIONS): Prompt[] {
  if (!(Number.isInteger(takesPerEmotion) && takesPerEmotion >= 1 && takesPerEmotion <= MAX_TAKES_PER_EMOTION)) {
    throw new SerError('bad-input', `takes per emotion must be an integer from 1 to ${MAX_TAKES_PER_EMOTION}, got ${takesPerEmotion}`);
  }
  const out: Prompt[] = [];
  for (const emotion of emotions) {
    for (let t = 0; t < takesPerEmotion; t++) {
      out.push({ index: out.length, emotion, take: t + 1, takes: takesPerEmotion, statement: STATEMENTS[t % STATEMENTS.length]! });
    }
  }
  return out;
}

/** "happy, take 3 of 4: say “Kids are talking by the door”, sounding happy". */
export function promptText(p: Prompt): string {
  return `${p.emotion}, take ${p.take} of ${p.takes}: say “${p.statement}”, sounding ${p.emotion === 'neutral' ? 'neutral (no particular feeling)' : p.emotion}`;
}

/**
 * Input schemas of "Tune to my voice" (the guided recording session and the tuning behind it); its `tune` event
 * is in schemas.ts beside the training events it reuses. Names that become file names (speaker, take) are checked against the shared patterns, so a client
 * can name a take of the session and nothing else on disk.
 */
import { z } from 'zod';
import { EMOTIONS } from '../shared/labels.js';
import { SPEAKER_NAME, TAKE_NAME } from '../shared/takeNames.js';

const asNumber = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v);
const N = <T extends z.ZodType>(schema: T) => z.preprocess(asNumber, schema);
const Id = N(z.number().int().positive());
export const Speaker = z.string().trim().regex(SPEAKER_NAME, "use 1–40 letters, digits, '-' or '_' (it becomes part of file names)");
const Emotion = z.enum(EMOTIONS);

export const voiceInputSchemas = {
  /** The plan of a session and the takes the speaker's folder already holds. */
  voiceSession: z.object({ speaker: Speaker, takes: N(z.number().int().min(1).max(50)).optional() }).strict(),
  /** Records one take (`seconds`, fixed) and saves it under the speaker's folder. */
  recordTake: z.object({ speaker: Speaker, emotion: Emotion, seconds: N(z.number().min(1).max(30)), deviceId: N(z.number().int().min(0)).optional() }).strict(),
  /** Drops a take (also what "re-record" does before recording again). */
  deleteTake: z.object({ speaker: Speaker, emotion: Emotion, name: z.string().regex(TAKE_NAME, 'not a take name') }).strict(),
  /** Tunes a model (a run's, an ensemble, else the built-in one) on the speaker's takes. */
  startTune: z
    .object({ speaker: Speaker, runId: Id.optional(), ensembleId: Id.optional(), epochs: N(z.number().int().min(1).max(200)).optional(), seed: N(z.number().int().min(0).max(2 ** 31 - 1)).optional() })
    .strict()
    .refine((r) => !(r.runId !== undefined && r.ensembleId !== undefined), { message: 'tune either a run or an ensemble, not both', path: ['ensembleId'] }),
  tuneStatus: z.object({}).strict().optional(),
} as const;

/**
 * Runtime schemas (zod) of everything that enters the services from outside: method inputs and pushed events.
 * Inputs arrive as JSON bodies, query strings (all strings) or IPC payloads, so numbers are coerced and lists
 * accept "1,2,3". Every limit here is also the form's validation in the renderer; the training options' limits
 * come from trainingOptions.ts, shared with the command line.
 */
import { z } from 'zod';
import { EMOTIONS } from '../shared/labels.js';
import { snrRangeValid, trainingField } from './trainingOptions.js';
import { Speaker, voiceInputSchemas } from './voiceSchemas.js';

/** Numbers arrive as numbers (JSON, IPC) or strings (query, path): convert non-empty strings only, so a missing
 * field reads "expected number, received undefined" rather than NaN. */
const asNumber = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v);
const N = <T extends z.ZodType>(schema: T) => z.preprocess(asNumber, schema);
const Id = z.preprocess(asNumber, z.number().int().positive());
const IdList = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(',').filter((s) => s.trim() !== '') : v),
  z.array(Id).min(2, 'select at least two runs to compare').max(8, 'compare at most 8 runs'),
);
/** Runs of the paper's table: any set, one run included (the Results view of a single run). */
const TableIds = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(',').filter((s) => s.trim() !== '') : v),
  z.array(Id).min(1, 'select at least one run').max(100, 'a table of at most 100 runs'),
);
const Empty = z.object({}).strict().optional();
const BoolFromQuery = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());
const Speakers = z.array(z.string().trim().min(1).max(64)).max(200);

export const EmotionSchema = z.enum(EMOTIONS);

const option = trainingField;

/** What the New run form sends: the trainer's options minus the expert knobs, which keep their defaults. */
export const TrainRequestSchema = z
  .object({
    data: z.string().trim().min(1, 'choose a dataset folder').max(4096),
    name: z.string().trim().max(120).optional(),
    epochs: N(option('epochs')),
    batchSize: N(option('batchSize')),
    optimizer: option('optimizer'),
    learningRate: N(option('learningRate')),
    split: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('random') }),
      z.object({ kind: z.literal('speaker'), testSpeakers: Speakers.optional(), valSpeakers: Speakers.optional() }),
      // Every clip trains, no validation or test part: a final model whose recipe was judged by cross-validation.
      // Strict, as `ser train --split all` refuses speaker lists.
      z.object({ kind: z.literal('all') }).strict(),
    ]),
    augmentCopies: N(option('augmentCopies')),
    snrLow: N(option('snrLow')),
    snrHigh: N(option('snrHigh')),
    seed: N(option('seed')),
    backend: option('backend').optional(),
    workers: N(option('workers')).optional(),
    includeSong: option('includeSong').optional(),
  })
  .strict()
  .refine((r) => snrRangeValid(r.snrLow, r.snrHigh), { message: 'the SNR range must be low < high', path: ['snrHigh'] });
export type TrainRequest = z.infer<typeof TrainRequestSchema>;

/** One schema per method input. */
export const inputSchemas = {
  listRuns: Empty,
  listGroups: Empty,
  getRun: z.object({ id: Id }).strict(),
  deleteRun: z.object({ id: Id }).strict(),
  tagRun: z
    .object({ id: Id, add: z.array(z.string().trim().min(1).max(40)).max(20).optional(), remove: z.array(z.string().max(40)).max(20).optional() })
    .strict(),
  noteRun: z.object({ id: Id, notes: z.string().max(10_000).nullable() }).strict(),
  renameRun: z.object({ id: Id, name: z.string().trim().min(1).max(120) }).strict(),
  compareRuns: z.object({ ids: IdList }).strict(),
  paperTable: z.object({ ids: TableIds }).strict(),
  getResults: z.object({ id: Id }).strict(),
  startTraining: TrainRequestSchema,
  pauseTraining: z.object({ runId: Id }).strict(),
  resumeTraining: z.object({ runId: Id }).strict(),
  cancelTraining: z.object({ runId: Id }).strict(),
  continueRun: z.object({ id: Id }).strict(),
  trainingStatus: Empty,
  scanDataset: z.object({ root: z.string().trim().min(1, 'give a dataset folder').max(4096), includeSong: z.boolean().optional() }).strict(),
  listDatasets: Empty,
  getDataset: z.object({ id: Id }).strict(),
  getDatasetFiles: z
    .object({ id: Id, label: N(z.number().int().min(0).max(EMOTIONS.length - 1)).optional(), speaker: z.string().max(64).optional(), usableOnly: BoolFromQuery.optional() })
    .strict(),
  getClipView: z.object({ id: Id, fileId: Id }).strict(),
  listBackends: Empty,
  listDevices: Empty,
  listModels: Empty,
  /** The exported models of 2–8 finished runs combined into one model (an ensemble), recorded for the Live picker. */
  makeEnsemble: z
    .object({
      runIds: z.array(Id).min(2, 'an ensemble needs at least two runs').max(8, 'an ensemble of at most 8 runs').refine((ids) => new Set(ids).size === ids.length, 'each run at most once'),
      name: z.string().trim().min(1).max(120).optional(),
    })
    .strict(),
  deleteEnsemble: z.object({ id: Id }).strict(),
  /** No runId, ensembleId or builtIn: the built-in model if installed, else the newest run's (see LiveService.chooseModel). */
  startLive: z
    .object({ deviceId: N(z.number().int().min(0)).optional(), runId: Id.optional(), ensembleId: Id.optional(), builtIn: z.boolean().optional(), keep: z.boolean().optional() })
    .strict()
    .refine((r) => [r.builtIn === true, r.runId !== undefined, r.ensembleId !== undefined].filter(Boolean).length <= 1, {
      message: 'choose one model: a run, an ensemble or the built-in model',
      path: ['builtIn'],
    }),
  stopLive: Empty,
  record: z
    .object({ seconds: N(z.number().gt(0).max(30)), label: EmotionSchema, speaker: Speaker.optional(), deviceId: N(z.number().int().min(0)).optional() })
    .strict(),
  keepLiveSession: z.object({ keep: z.boolean() }).strict(),
  listLiveSessions: Empty,
  getLiveSession: z.object({ id: Id }).strict(),
  deleteLiveSession: z.object({ id: Id }).strict(),
  about: Empty,
  installCli: Empty,
  ...voiceInputSchemas,
  listSweeps: Empty,
  getSweep: z.object({ id: Id }).strict(),
  cancelSweep: z.object({ id: Id }).strict(),
} as const;

const num = z.number();
const numOrNull = z.number().nullable();

/** Training progress: the training engine's TrainEvent, checked field by field. */
export const TrainEventSchema = z.discriminatedUnion('event', [
  z.object({ event: z.literal('preparing'), runId: numOrNull, stage: z.enum(['scan', 'features']), done: num, total: num, etaMs: num }),
  z.object({ event: z.literal('started'), runId: num, name: z.string(), backend: z.string(), epochs: num, startEpoch: num, trainSize: num, valSize: num, testSize: num, batchesPerEpoch: num, resumed: z.boolean(), workers: num }),
  z.object({ event: z.literal('batch'), runId: num, epoch: num, batch: num, batches: num, loss: num, accuracy: num, samplesPerSec: num, etaMs: num }),
  z.object({
    event: z.literal('epoch'), runId: num, epoch: num, epochs: num, trainLoss: num, trainAccuracy: num, valLoss: numOrNull, valAccuracy: numOrNull,
    valUar: numOrNull, lr: num, durationMs: num, samplesPerSec: num, etaMs: num, tensors: num.optional(),
    timing: z.object({ stepMs: num, assembleMs: num, evalMs: num, checkpointMs: num }).optional(),
  }),
  z.object({ event: z.literal('checkpoint'), runId: num, epoch: num, path: z.string(), best: z.boolean() }),
  z.object({ event: z.literal('paused'), runId: num, epoch: num }),
  z.object({ event: z.literal('resumed'), runId: num, epoch: num }),
  z.object({ event: z.literal('finished'), runId: num, testAccuracy: numOrNull, uar: numOrNull, macroF1: numOrNull, epochs: num, durationMs: num, modelDir: z.string() }),
  z.object({ event: z.literal('failed'), runId: numOrNull, error: z.string() }),
  z.object({ event: z.literal('cancelled'), runId: num, epoch: num }),
]);

const BeforeAfterSchema = z.object({ accuracy: num, uar: num, confusion: z.array(z.array(num)) });
const trainEvents = TrainEventSchema.options;
/** Tuning progress ("Tune to my voice"): the training events a tuning emits, and its own `finished` with before/after. */
export const TuneEventSchema = z.discriminatedUnion('event', [
  trainEvents[0], // preparing
  trainEvents[1], // started
  trainEvents[2], // batch
  trainEvents[3], // epoch
  trainEvents[8], // failed
  trainEvents[9], // cancelled
  z.object({ event: z.literal('finished'), runId: num, modelDir: z.string(), before: BeforeAfterSchema, after: BeforeAfterSchema, heldOut: num, durationMs: num }),
]);

export const ScanEventSchema = z.object({ root: z.string(), done: num, total: num, file: z.string() });

/** Live microphone stream: level meter blocks, classifier predictions, and the end of a session. */
export const LiveEventSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('started'), device: z.string(), sampleRate: num, classifier: z.boolean(), reason: z.string().optional() }),
  z.object({ kind: z.literal('level'), t: num, rms: num, peak: num }),
  z.object({
    kind: z.literal('prediction'), t: num, probs: z.array(num).length(EMOTIONS.length), top: z.string(), confidence: num, rms: num, voiced: z.boolean(), latencyMs: num,
  }),
  z.object({ kind: z.literal('recording'), seconds: num, rms: num, peak: num }),
  z.object({ kind: z.literal('ended'), error: z.object({ code: z.string(), message: z.string() }).optional() }),
]);

export const eventSchemas = {
  training: TrainEventSchema,
  scan: ScanEventSchema,
  live: LiveEventSchema,
  tune: TuneEventSchema,
} as const;

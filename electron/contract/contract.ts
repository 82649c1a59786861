/**
 * The API contract: every method (its input schema, output type and HTTP route) and every pushed event, defined
 * once. The Electron IPC adapter, the headless HTTP/WebSocket server and the renderer's two clients are all
 * derived from this file, so a method added here is added to every front door (and a missing piece fails to
 * compile). Runtime-neutral: imports no Node, DOM or Electron module.
 */
import type { z } from 'zod';
import { EVENT_NAMES, METHOD_NAMES, type EventName, type MethodName } from './names.js';
import { eventSchemas, inputSchemas } from './schemas.js';
import type { ApiEvents, MethodOutputs, TrainEvent, TuneEvent } from './types.js';

export { METHOD_NAMES, EVENT_NAMES, type MethodName, type EventName };
export * from './types.js';

export type HttpVerb = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** HTTP route of each method under `/api`; `:name` segments become input fields (GET query fields too). */
export const routes: Record<MethodName, { verb: HttpVerb; path: string }> = {
  listRuns: { verb: 'GET', path: '/runs' },
  listGroups: { verb: 'GET', path: '/groups' },
  getRun: { verb: 'GET', path: '/runs/:id' },
  deleteRun: { verb: 'DELETE', path: '/runs/:id' },
  tagRun: { verb: 'POST', path: '/runs/:id/tags' },
  noteRun: { verb: 'PUT', path: '/runs/:id/notes' },
  renameRun: { verb: 'PUT', path: '/runs/:id/name' },
  compareRuns: { verb: 'GET', path: '/compare' },
  paperTable: { verb: 'GET', path: '/paper-table' },
  getResults: { verb: 'GET', path: '/runs/:id/results' },
  startTraining: { verb: 'POST', path: '/training' },
  pauseTraining: { verb: 'POST', path: '/training/:runId/pause' },
  resumeTraining: { verb: 'POST', path: '/training/:runId/resume' },
  cancelTraining: { verb: 'POST', path: '/training/:runId/cancel' },
  continueRun: { verb: 'POST', path: '/runs/:id/continue' },
  trainingStatus: { verb: 'GET', path: '/training' },
  scanDataset: { verb: 'POST', path: '/datasets/scan' },
  listDatasets: { verb: 'GET', path: '/datasets' },
  getDataset: { verb: 'GET', path: '/datasets/:id' },
  getDatasetFiles: { verb: 'GET', path: '/datasets/:id/files' },
  getClipView: { verb: 'GET', path: '/datasets/:id/files/:fileId/view' },
  listBackends: { verb: 'GET', path: '/backends' },
  listDevices: { verb: 'GET', path: '/devices' },
  listModels: { verb: 'GET', path: '/models' },
  makeEnsemble: { verb: 'POST', path: '/ensembles' },
  deleteEnsemble: { verb: 'DELETE', path: '/ensembles/:id' },
  startLive: { verb: 'POST', path: '/live/start' },
  stopLive: { verb: 'POST', path: '/live/stop' },
  record: { verb: 'POST', path: '/recordings' },
  keepLiveSession: { verb: 'PUT', path: '/live/keep' },
  listLiveSessions: { verb: 'GET', path: '/live/sessions' },
  getLiveSession: { verb: 'GET', path: '/live/sessions/:id' },
  deleteLiveSession: { verb: 'DELETE', path: '/live/sessions/:id' },
  about: { verb: 'GET', path: '/about' },
  installCli: { verb: 'POST', path: '/cli/install' },
  voiceSession: { verb: 'GET', path: '/voice/:speaker' },
  recordTake: { verb: 'POST', path: '/voice/:speaker/takes' },
  deleteTake: { verb: 'DELETE', path: '/voice/:speaker/takes/:emotion/:name' },
  startTune: { verb: 'POST', path: '/voice/:speaker/tune' },
  tuneStatus: { verb: 'GET', path: '/tune' },
  listSweeps: { verb: 'GET', path: '/sweeps' },
  getSweep: { verb: 'GET', path: '/sweeps/:id' },
  cancelSweep: { verb: 'POST', path: '/sweeps/:id/cancel' },
};

/** Audio of a dataset file, served by both front doors at the same relative URL (path resolved on the server). */
export function audioPath(datasetId: number, fileId: number): string {
  return `api/datasets/${datasetId}/files/${fileId}/audio`;
}
export const AUDIO_ROUTE = /^\/api\/datasets\/(\d+)\/files\/(\d+)\/audio$/;

/** A take of a voice session, served like dataset audio (the server resolves it inside the speaker's folder). */
export function takeAudioPath(speaker: string, emotion: string, name: string): string {
  return `api/voice/${encodeURIComponent(speaker)}/takes/${encodeURIComponent(emotion)}/${encodeURIComponent(name)}/audio`;
}
export const TAKE_AUDIO_ROUTE = /^\/api\/voice\/([^/]+)\/takes\/([^/]+)\/([^/]+)\/audio$/;

/** WebSocket path of the headless server's event stream. */
export const EVENTS_PATH = '/api/events';

/** What a client passes: the validated shape (the schemas also accept strings for numbers, for query strings). */
export type MethodInput<M extends MethodName> = z.output<(typeof inputSchemas)[M]>;
export type MethodParsed<M extends MethodName> = z.output<(typeof inputSchemas)[M]>;
export type MethodOutput<M extends MethodName> = MethodOutputs[M];

/** What every client offers and every service set implements: one async function per method. */
export type ApiMethods = { [M in MethodName]: (input: MethodInput<M>) => Promise<MethodOutput<M>> };
/** The services' side: inputs already validated. */
export type ApiHandlers = { [M in MethodName]: (input: MethodParsed<M>) => Promise<MethodOutput<M>> | MethodOutput<M> };

export type EventListener<E extends EventName> = (payload: ApiEvents[E]) => void;
/** A pushed event as it travels (IPC channel payload, WebSocket message). */
export type EventMessage = { [E in EventName]: { name: E; payload: ApiEvents[E] } }[EventName];

/** The renderer's view of the API, identical over IPC and HTTP. */
export interface ApiClient extends ApiMethods {
  readonly transport: 'ipc' | 'http';
  on<E extends EventName>(name: E, listener: EventListener<E>): () => void;
}

export { inputSchemas, eventSchemas };

// Compile-time checks that names.ts and the schema tables list the same methods and events.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const methodsCovered: Same<keyof typeof inputSchemas, MethodName> = true;
const eventsCovered: Same<keyof typeof eventSchemas, EventName> = true;
// The training event schema must describe exactly the training engine's TrainEvent.
const trainEventsMatch: Same<z.infer<typeof eventSchemas.training>, TrainEvent> = true;
void trainEventsMatch;
// …and the tune event schema exactly the tuning engine's TuneEvent.
const tuneEventsMatch: Same<z.infer<typeof eventSchemas.tune>, TuneEvent> = true;
void tuneEventsMatch;
void methodsCovered;
void eventsCovered;

/**
 * The services every front door calls (Electron IPC, the headless HTTP server, tests): one object whose
 * `handlers` implement the API contract method by method, with inputs already validated by the router.
 */
import type { ApiHandlers } from '../contract/contract.js';
import { createContext, type ServiceContext, type ServiceOptions } from './context.js';
import { DatasetsService } from './datasets.js';
import { EnsemblesService } from './ensembles.js';
import { LiveService } from './live.js';
import { RunsService } from './runs.js';
import { SweepsService } from './sweeps.js';
import { SystemService } from './system.js';
import { TrainingService } from './training.js';
import { TuningService } from './tuning.js';
import { VoiceService } from './voice.js';
import type { EventBus } from './eventBus.js';

export type { ServiceOptions } from './context.js';
export { EventBus } from './eventBus.js';

export interface Services {
  readonly ctx: ServiceContext;
  readonly handlers: ApiHandlers;
  readonly bus: EventBus;
  readonly datasets: DatasetsService;
  readonly training: TrainingService;
  /** The microphone; its chooseModel says which model a session would listen with (tests use it without audio). */
  readonly live: LiveService;
  /** Ensembles the app makes from runs' exports (listed by `live.models()`). */
  readonly ensembles: EnsemblesService;
  /** "Tune to my voice": the session's takes (resolveTake serves their audio) and the tuning. */
  readonly voice: VoiceService;
  /** Interrupts training (resumable), stops the microphone, closes the store. */
  close(): Promise<void>;
}

export function createServices(opts: ServiceOptions): Services {
  const ctx = createContext(opts);
  const training = new TrainingService(ctx);
  const runs = new RunsService(ctx, training);
  const datasets = new DatasetsService(ctx);
  const live = new LiveService(ctx);
  const ensembles = new EnsemblesService(ctx);
  const system = new SystemService(ctx);
  const sweeps = new SweepsService(ctx);
  const voice = new VoiceService(ctx, () => live.stop());
  const tuning = new TuningService(ctx, (speaker) => voice.folder(speaker));

  const handlers: ApiHandlers = {
    listRuns: () => runs.list(),
    listGroups: () => runs.groups(),
    getRun: ({ id }) => runs.detail(id),
    deleteRun: ({ id }) => runs.delete(id),
    tagRun: ({ id, add, remove }) => runs.tag(id, add, remove),
    noteRun: ({ id, notes }) => runs.note(id, notes),
    renameRun: ({ id, name }) => runs.rename(id, name),
    compareRuns: ({ ids }) => runs.compare(ids),
    paperTable: ({ ids }) => runs.paperTable({ ids }),
    getResults: ({ id }) => runs.results(id),
    startTraining: (req) => training.start(req),
    pauseTraining: ({ runId }) => training.pause(runId),
    resumeTraining: ({ runId }) => training.resume(runId),
    cancelTraining: ({ runId }) => training.cancel(runId),
    continueRun: ({ id }) => training.continueRun(id),
    trainingStatus: () => training.status(),
    scanDataset: ({ root, includeSong }) => datasets.scan(root, includeSong),
    listDatasets: () => datasets.list(),
    getDataset: ({ id }) => datasets.overview(id),
    getDatasetFiles: ({ id, label, speaker, usableOnly }) =>
      datasets.files(id, { ...(label === undefined ? {} : { label }), ...(speaker === undefined ? {} : { speaker }), ...(usableOnly === undefined ? {} : { usableOnly }) }),
    getClipView: ({ id, fileId }) => datasets.clipView(id, fileId),
    listBackends: () => system.backends(),
    listDevices: () => live.listDevices(),
    listModels: () => live.models(),
    makeEnsemble: ({ runIds, name }) => ensembles.make(runIds, name),
    deleteEnsemble: ({ id }) => ensembles.delete(id),
    startLive: ({ deviceId, runId, ensembleId, builtIn, keep }) =>
      live.start(
        deviceId,
        { ...(runId === undefined ? {} : { runId }), ...(ensembleId === undefined ? {} : { ensembleId }), ...(builtIn === undefined ? {} : { builtIn }) },
        keep ?? false,
      ),
    stopLive: () => live.stop(),
    record: ({ seconds, label, speaker, deviceId }) => live.record(seconds, label, deviceId, speaker),
    keepLiveSession: ({ keep }) => live.keep(keep),
    listLiveSessions: () => live.sessions(),
    getLiveSession: ({ id }) => live.session(id),
    deleteLiveSession: ({ id }) => live.deleteSession(id),
    about: () => system.about(),
    installCli: () => system.installCli(),
    voiceSession: ({ speaker, takes }) => voice.session(speaker, takes),
    recordTake: ({ speaker, emotion, seconds, deviceId }) => voice.record(speaker, emotion, seconds, deviceId),
    deleteTake: ({ speaker, emotion, name }) => voice.delete(speaker, emotion, name),
    startTune: ({ speaker, runId, ensembleId, epochs, seed }) =>
      tuning.start({ speaker, ...(runId === undefined ? {} : { runId }), ...(ensembleId === undefined ? {} : { ensembleId }), ...(epochs === undefined ? {} : { epochs }), ...(seed === undefined ? {} : { seed }) }),
    tuneStatus: () => tuning.status(),
    listSweeps: () => sweeps.list(),
    getSweep: ({ id }) => sweeps.show(id),
    cancelSweep: ({ id }) => sweeps.cancel(id),
  };

  let closed = false;
  return {
    ctx,
    handlers,
    bus: ctx.bus,
    datasets,
    training,
    live,
    ensembles,
    voice,
    async close() {
      if (closed) return;
      closed = true;
      await training.interruptAll();
      voice.close();
      await tuning.close();
      await datasets.close();
      await ensembles.close();
      await live.close();
      ctx.store.close();
    },
  };
}

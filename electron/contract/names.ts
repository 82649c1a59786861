/**
 * The API's method and event names, with nothing else: the sandboxed preload bundles this file (it cannot
 * `require` the schema library), and `contract.ts` checks at compile time that its schemas cover exactly
 * these names. Runtime-neutral: no Node, DOM or Electron.
 */
export const METHOD_NAMES = [
  'listRuns',
  'listGroups',
  'getRun',
  'deleteRun',
  'tagRun',
  'noteRun',
  'renameRun',
  'compareRuns',
  'paperTable',
  'getResults',
  'startTraining',
  'pauseTraining',
  'resumeTraining',
  'cancelTraining',
  'continueRun',
  'trainingStatus',
  'scanDataset',
  'listDatasets',
  'getDataset',
  'getDatasetFiles',
  'getClipView',
  'listBackends',
  'listDevices',
  'listModels',
  'makeEnsemble',
  'deleteEnsemble',
  'startLive',
  'stopLive',
  'record',
  'keepLiveSession',
  'listLiveSessions',
  'getLiveSession',
  'deleteLiveSession',
  'about',
  'installCli',
  'voiceSession',
  'recordTake',
  'deleteTake',
  'startTune',
  'tuneStatus',
  'listSweeps',
  'getSweep',
  'cancelSweep',
] as const;
export type MethodName = (typeof METHOD_NAMES)[number];

/** Events the services push to every connected window or browser tab. */
export const EVENT_NAMES = ['training', 'scan', 'live', 'tune'] as const;
export type EventName = (typeof EVENT_NAMES)[number];

/** Every IPC channel starts with this; the main process refuses any other. */
export const CHANNEL_PREFIX = 'vox:';
/** The one channel events travel on (main → renderer), as `{ name, payload }`. */
export const EVENT_CHANNEL = `${CHANNEL_PREFIX}event`;

export function isMethodName(s: unknown): s is MethodName {
  return typeof s === 'string' && (METHOD_NAMES as readonly string[]).includes(s);
}

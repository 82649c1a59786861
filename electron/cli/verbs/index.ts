import type { Command } from 'commander';
import { registerFeatures } from './features.js';
import { registerBackends } from './backends.js';
import { registerBench } from './bench.js';
import { registerRuns } from './runs.js';
import { registerDataset } from './dataset.js';
import { registerTrain } from './train.js';
import { registerCv } from './cv.js';
import { registerSweep } from './sweep.js';
import { registerWorker } from './worker.js';
import { registerTune } from './tune.js';
import { registerEnsemble } from './ensemble.js';
import { registerDevices } from './devices.js';
import { registerRecord } from './record.js';
import { registerLive } from './live.js';
import { registerServe } from './serve.js';

/** Every `ser` verb, in the order `ser --help` lists them. */
export const verbs: Array<(program: Command) => void> = [registerFeatures, registerBackends, registerBench, registerRuns, registerDataset, registerTrain, registerTune, registerEnsemble, registerCv, registerSweep, registerWorker, registerDevices, registerRecord, registerLive, registerServe];

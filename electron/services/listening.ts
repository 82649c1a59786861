/**
 * Listening to the microphone, the one way the app's Live view (LiveService) and `ser live` both do it: the model
 * first (it takes a moment, and the ring then holds only audio the classifier will see), then the device, then the
 * predictions kept (SessionKeeper: in memory, in the store once kept) and the device fed to the classifier.
 * Without a model it only opens the device (the Live view's level meter still works). What the predictions are
 * shown as — bus events, terminal bars, JSON lines — is the caller's: it subscribes to `classifier`.
 */
import { resolve } from 'node:path';
import { startCapture, type CaptureSession } from '../../native/audio/capture.js';
import type { StreamingClassifier, StreamingOptions } from '../engine/live/streamingClassifier.js';
import type { Store } from '../engine/store/index.js';
import { SessionKeeper, toKeptPrediction } from './liveKeeper.js';

export interface ListenOptions {
  /**
   * The model folder, and whether it is the built-in model. A run's export says which run and model record it is;
   * for any other folder they are looked up from its metadata when the session is kept. A recorded ensemble says
   * which (the kept session links to it).
   */
  model?: { dir: string; builtIn: boolean; runId?: number | null; modelId?: number | null; ensembleId?: number | null };
  /** Hop, gate, smoothing, backend (default: the classifier's). */
  classifier?: Omit<StreamingOptions, 'modelDir'>;
  deviceId?: number;
  /** Seconds of audio the capture ring holds (default: capture's). */
  ringSeconds?: number;
  /** Keep the predictions in this store: from the start (`now`), or only once `keeper.keep(true)` is called. */
  keep?: { store: Store; now: boolean };
}

export interface Listening {
  readonly capture: CaptureSession;
  /** With a model only, and the keeper with `keep` too. */
  readonly classifier?: StreamingClassifier;
  readonly keeper?: SessionKeeper;
}

export async function startListening(o: ListenOptions): Promise<Listening> {
  let classifier: StreamingClassifier | undefined;
  if (o.model) {
    const { StreamingClassifier } = await import('../engine/live/streamingClassifier.js');
    classifier = await StreamingClassifier.start({ ...o.classifier, modelDir: o.model.dir });
  }
  let capture: CaptureSession;
  try {
    // 1.2 s without audio = device gone (capture's default is 1.5 s): a live view must say so within 2 s, and the
    // teardown after the watchdog fires (capture process kill, worker, tfjs) takes ≈ 0.2–0.3 s here.
    capture = await startCapture({
      ...(o.deviceId === undefined ? {} : { deviceId: o.deviceId }),
      ...(o.ringSeconds === undefined ? {} : { ringSeconds: o.ringSeconds }),
      stallTimeoutMs: 1200,
    });
  } catch (err) {
    await classifier?.close();
    throw err;
  }
  if (!classifier || !o.model) return { capture };
  let keeper: SessionKeeper | undefined;
  if (o.keep) {
    const { store } = o.keep;
    const { dir, builtIn } = o.model;
    let { runId = null, modelId = null } = o.model;
    if (o.model.runId === undefined && classifier.runId !== null) {
      const exported = store.models.listForRun(classifier.runId, 'export').find((m) => resolve(m.path) === resolve(dir));
      runId = exported?.runId ?? null;
      modelId = exported?.id ?? null;
    }
    const { hopSeconds, gate, smoothing } = classifier.options;
    const config = { modelDir: dir, ...(builtIn ? { builtIn: true } : {}), backend: classifier.backend, windowSeconds: classifier.windowFrames / classifier.sampleRate, hopSeconds, gate, smoothing };
    const ensembleId = o.model.ensembleId ?? null;
    const k = (keeper = new SessionKeeper(store, { runId, modelId, ensembleId, device: capture.opened.device.name, config }, o.keep.now));
    classifier.onEvent((e) => {
      try {
        k.add(toKeptPrediction(e));
      } catch (err) {
        console.error(`keeping the live session failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
  }
  classifier.attach(capture);
  return { capture, classifier, ...(keeper ? { keeper } : {}) };
}

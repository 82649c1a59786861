/**
 * "My recordings": the user's labelled utterances, kept as a folder-per-label dataset under the data folder,
 * `<dataDir>/recordings/<emotion>/<timestamp>[_<speaker>].wav` (48 kHz 16-bit mono). `ser dataset scan` and
 * training read it like any other folder dataset: the enclosing folder names the emotion. File stems are chosen
 * so that no corpus naming convention (RAVDESS, CREMA-D, TESS, SAVEE) matches them, which would otherwise
 * override the folder's label.
 */
import { join } from 'node:path';
import { SerError } from '../../shared/errors.js';
import { EMOTIONS, type Emotion } from '../../shared/labels.js';

export function recordingsDir(dataDir: string): string {
  return join(dataDir, 'recordings');
}

/** Speaker names go into file names: letters, digits, '-' and '_' only, at most 40. */
export function checkSpeaker(name: string): string {
  const s = name.trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/.test(s)) {
    throw new SerError('bad-input', `speaker '${name}': use 1–40 letters, digits, '-' or '_' (it becomes part of the file name)`);
  }
  return s;
}

export function isEmotion(s: string): s is Emotion {
  return (EMOTIONS as readonly string[]).includes(s);
}

/** `20261125-050706-865` in local time: sorts by time, readable, unique per millisecond. */
export function timestampStem(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}-${p(d.getMilliseconds(), 3)}`;
}

/** Where a new recording of `label` goes. */
export function recordingPath(dataDir: string, label: Emotion, opts: { speaker?: string; date?: Date } = {}): string {
  const stem = timestampStem(opts.date ?? new Date()) + (opts.speaker ? `_${checkSpeaker(opts.speaker)}` : '');
  return join(recordingsDir(dataDir), label, `${stem}.wav`);
}

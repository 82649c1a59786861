/**
 * "My recordings": the user's labelled utterances, kept as a folder-per-label dataset under the data folder,
 * `<dataDir>/recordings/<emotion>/<timestamp>[_<speaker>].wav` (48 kHz 16-bit mono). `ser dataset scan` and
 * training read it like any other folder dataset: the enclosing folder names the emotion. File stems are chosen
 * so that no corpus naming convention (RAVDESS, CREMA-D, TESS, SAVEE) matches them, which would otherwise
 * override the folder's label.
 */
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { SerError } from '../../shared/errors.js';
import { EMOTIONS, type Emotion } from '../../shared/labels.js';
import { SPEAKER_NAME } from '../../shared/takeNames.js';

export { TAKE_NAME } from '../../shared/takeNames.js';

export function recordingsDir(dataDir: string): string {
  return join(dataDir, 'recordings');
}

/** Speaker names go into file names: letters, digits, '-' and '_' only, at most 40. */
export function checkSpeaker(name: string): string {
  const s = name.trim();
  if (!SPEAKER_NAME.test(s)) {
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

/** Where a new recording of `label` goes in the "my recordings" dataset. */
export function recordingPath(dataDir: string, label: Emotion, opts: { speaker?: string; date?: Date } = {}): string {
  return takePath(recordingsDir(dataDir), label, opts);
}

/** Where a new take of `label` goes in any folder-per-label dataset: `<root>/<label>/<timestamp>[_<speaker>].wav`. */
export function takePath(root: string, label: Emotion, opts: { speaker?: string; date?: Date } = {}): string {
  const stem = timestampStem(opts.date ?? new Date()) + (opts.speaker ? `_${checkSpeaker(opts.speaker)}` : '');
  return join(root, label, `${stem}.wav`);
}

/**
 * The guided session's dataset of one person: `<dataDir>/recordings/voice-<speaker>/<emotion>/…`. Inside "my
 * recordings", so scanning that folder sees every take too; on its own, it is what `ser tune --data` reads.
 */
export function voiceDir(dataDir: string, speaker: string): string {
  return join(recordingsDir(dataDir), `voice-${checkSpeaker(speaker)}`);
}

/** The speaker name when none is given: the login name, made file-name safe ("user" if nothing is left). */
export function defaultSpeaker(): string {
  let name = '';
  try {
    name = userInfo().username;
  } catch {
    /* no passwd entry (containers): fall through */
  }
  const safe = name.replace(/[^A-Za-z0-9_-]/g, '').replace(/^[_-]+/, '').slice(0, 40);
  return safe || 'user';
}

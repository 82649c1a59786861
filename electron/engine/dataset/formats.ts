/**
 * File-naming conventions of the common SER corpora, mapped onto the app's 8 labels
 * (neutral, calm, happy, sad, angry, fearful, disgust, surprised).
 */
import { EMOTIONS, type Emotion } from '../../shared/labels.js';
import { TAKE_STEM } from '../../shared/takeNames.js';

export type DatasetFormat = 'ravdess' | 'crema-d' | 'tess' | 'savee' | 'folders';

/** What a file name (or its folder) tells about the clip. Fields a format lacks are undefined. */
export interface ClipMeta {
  emotion?: Emotion;
  speaker?: string;
  gender?: 'male' | 'female';
  vocalChannel?: 'speech' | 'song';
  intensity?: 'normal' | 'strong' | 'low' | 'medium' | 'high' | 'unspecified';
  statement?: string;
  repetition?: number;
  modality?: 'full-av' | 'video-only' | 'audio-only';
}

const RAVDESS_RE = /^(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})$/;

/** RAVDESS `MM-VV-EE-II-SS-RR-AA`: modality, vocal channel, emotion, intensity, statement, repetition, actor. */
export function parseRavdess(stem: string): ClipMeta | undefined {
  const m = RAVDESS_RE.exec(stem);
  if (!m) return undefined;
  const [, mm, vv, ee, ii, ss, rr, aa] = m.map(Number) as number[];
  if (mm! < 1 || mm! > 3 || vv! < 1 || vv! > 2 || ee! < 1 || ee! > 8 || ii! < 1 || ii! > 2 || ss! < 1 || ss! > 2 || rr! < 1 || rr! > 2 || aa! < 1 || aa! > 99) return undefined;
  return {
    modality: (['full-av', 'video-only', 'audio-only'] as const)[mm! - 1],
    vocalChannel: vv === 1 ? 'speech' : 'song',
    emotion: EMOTIONS[ee! - 1],
    intensity: ii === 1 ? 'normal' : 'strong',
    statement: ss === 1 ? 'Kids are talking by the door' : 'Dogs are sitting by the door',
    repetition: rr,
    speaker: String(aa).padStart(2, '0'),
    gender: aa! % 2 === 1 ? 'male' : 'female',
  };
}

const CREMA_EMOTIONS: Record<string, Emotion> = { ANG: 'angry', DIS: 'disgust', FEA: 'fearful', HAP: 'happy', NEU: 'neutral', SAD: 'sad' };
const CREMA_LEVELS: Record<string, ClipMeta['intensity']> = { LO: 'low', MD: 'medium', HI: 'high', XX: 'unspecified', X: 'unspecified' };
const CREMA_RE = /^(\d{4})_([A-Z]{3})_([A-Z]{3})_([A-Z]{1,2})$/;
/** CREMA-D female actors (the rest of 1001–1091 are male), from the corpus' VideoDemographics. */
const CREMA_FEMALE = new Set([1002, 1003, 1004, 1006, 1007, 1008, 1009, 1010, 1012, 1013, 1018, 1020, 1021, 1024, 1025, 1028, 1029, 1030, 1037, 1043, 1046, 1047, 1049, 1052, 1053, 1054, 1055, 1056, 1058, 1060, 1061, 1063, 1072, 1073, 1074, 1075, 1076, 1078, 1079, 1082, 1084, 1089, 1091]);

/** CREMA-D `1001_DFA_ANG_XX`: actor, sentence, emotion, level. */
export function parseCremaD(stem: string): ClipMeta | undefined {
  const m = CREMA_RE.exec(stem);
  if (!m) return undefined;
  const emotion = CREMA_EMOTIONS[m[3]!];
  if (!emotion) return undefined;
  const actor = Number(m[1]);
  return { speaker: m[1]!, emotion, statement: m[2]!, intensity: CREMA_LEVELS[m[4]!] ?? 'unspecified', gender: CREMA_FEMALE.has(actor) ? 'female' : 'male', vocalChannel: 'speech' };
}

const TESS_EMOTIONS: Record<string, Emotion> = { angry: 'angry', disgust: 'disgust', fear: 'fearful', happy: 'happy', neutral: 'neutral', ps: 'surprised', sad: 'sad' };
const TESS_RE = /^(OAF|YAF)_([a-z]+)_([a-z]+)$/i;

/** TESS `OAF_back_angry`: speaker (older / younger actress), word, emotion ('ps' = pleasant surprise). */
export function parseTess(stem: string): ClipMeta | undefined {
  const m = TESS_RE.exec(stem);
  if (!m) return undefined;
  const emotion = TESS_EMOTIONS[m[3]!.toLowerCase()];
  if (!emotion) return undefined;
  return { speaker: m[1]!.toUpperCase(), emotion, statement: m[2]!.toLowerCase(), gender: 'female', vocalChannel: 'speech' };
}

const SAVEE_EMOTIONS: Record<string, Emotion> = { a: 'angry', d: 'disgust', f: 'fearful', h: 'happy', n: 'neutral', sa: 'sad', su: 'surprised' };
const SAVEE_RE = /^(DC|JE|JK|KL)_(a|d|f|h|n|sa|su)(\d{2})$/;

/** SAVEE `DC_a01`: speaker, emotion code, sentence number. All four speakers are male. */
export function parseSavee(stem: string): ClipMeta | undefined {
  const m = SAVEE_RE.exec(stem);
  if (!m) return undefined;
  return { speaker: m[1]!, emotion: SAVEE_EMOTIONS[m[2]!]!, statement: m[3]!, gender: 'male', vocalChannel: 'speech' };
}

/** Folder names people use for each label, lower-cased. */
const LABEL_SYNONYMS: Record<string, Emotion> = {};
const SYN: Record<Emotion, string[]> = {
  neutral: ['neutral', 'neu', 'n'],
  calm: ['calm', 'calmness'],
  happy: ['happy', 'happiness', 'hap', 'joy', 'h'],
  sad: ['sad', 'sadness', 'sa'],
  angry: ['angry', 'anger', 'ang', 'a'],
  fearful: ['fearful', 'fear', 'fea', 'afraid', 'f'],
  disgust: ['disgust', 'disgusted', 'dis', 'd'],
  surprised: ['surprised', 'surprise', 'sur', 'ps', 'pleasant_surprise', 'pleasant_surprised', 'su'],
};
for (const [e, names] of Object.entries(SYN)) for (const n of names) LABEL_SYNONYMS[n] = e as Emotion;

/**
 * A take this app recorded (`ser record --label`, `ser record --session`, the Live view), `20261125-050706-865_ana`:
 * the part after the timestamp is the speaker. Only used inside label folders, where the folder gives the emotion.
 */
export function parseTakeStem(stem: string): { speaker?: string } | undefined {
  const m = TAKE_STEM.exec(stem);
  if (!m) return undefined;
  return m[1] ? { speaker: m[1] } : {};
}

/** Maps a folder name ("Anger", "fear", "pleasant_surprise", "03_happy") to a label, if it is one. */
export function labelFromFolder(name: string): Emotion | undefined {
  const key = name.trim().toLowerCase().replace(/[\s-]+/g, '_');
  if (LABEL_SYNONYMS[key]) return LABEL_SYNONYMS[key];
  const stripped = key.replace(/^\d+[_.]?/, '');
  return LABEL_SYNONYMS[stripped];
}

/**
 * Each corpus' own class names, as its file names spell them, and the app label each becomes. Classes a corpus
 * lacks are simply not there (CREMA-D: calm, surprised; TESS and SAVEE: calm).
 */
export const CORPUS_LABELS: Readonly<Record<Exclude<DatasetFormat, 'folders'>, Readonly<Record<string, Emotion>>>> = {
  ravdess: Object.fromEntries(EMOTIONS.map((e, i) => [String(i + 1).padStart(2, '0'), e])) as Record<string, Emotion>,
  'crema-d': CREMA_EMOTIONS,
  tess: TESS_EMOTIONS,
  savee: SAVEE_EMOTIONS,
};

export const NAME_PARSERS: Record<Exclude<DatasetFormat, 'folders'>, (stem: string) => ClipMeta | undefined> = {
  ravdess: parseRavdess,
  'crema-d': parseCremaD,
  tess: parseTess,
  savee: parseSavee,
};

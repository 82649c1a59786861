/**
 * How a corpus' classes become the app's 8 emotions, as found in the files actually used: which source label
 * (RAVDESS code, TESS word, label folder…) maps to which emotion, and which emotions the data never contains.
 * Evaluations report this so a reader sees that, say, TESS "ps" was scored as `surprised` and that `calm`
 * could not be measured at all.
 */
import { basename, extname } from 'node:path';
import { EMOTIONS, type Emotion } from '../../shared/labels.js';
import { CORPUS_LABELS, labelFromFolder, NAME_PARSERS, type DatasetFormat } from './formats.js';
import type { DatasetFile } from './scan.js';

export interface LabelMapping {
  format: DatasetFormat;
  /** Source label → app emotion, for the labels the files carry (sorted by emotion order, then name). */
  map: Record<string, Emotion>;
  /** Emotions with at least one file. */
  present: Emotion[];
  /** Emotions with no file: they cannot be scored, so they stay out of UAR and macro F1. */
  absent: Emotion[];
}

/** The label folder the scanner used: the nearest enclosing folder (below the root) named after an emotion. */
function folderLabel(relPath: string): string | undefined {
  const dirs = relPath.split('/').slice(0, -1);
  for (let i = dirs.length - 1; i >= 0; i--) if (labelFromFolder(dirs[i]!)) return dirs[i];
  return undefined;
}

/** The name the corpus gives a labelled file's class. */
export function sourceLabelOf(format: DatasetFormat, file: Pick<DatasetFile, 'path' | 'emotion'>): string | undefined {
  if (!file.emotion) return undefined;
  if (format !== 'folders') {
    const stem = basename(file.path, extname(file.path));
    if (NAME_PARSERS[format](stem)?.emotion === file.emotion) {
      // The corpus maps are one-to-one, so the emotion names its code.
      const code = Object.entries(CORPUS_LABELS[format]).find(([, e]) => e === file.emotion)?.[0];
      if (code) return code;
    }
  }
  return folderLabel(file.path) ?? file.emotion;
}

/**
 * Why a folder-per-label file has no emotion, naming its folder: the usual case is a class the app does not
 * have (`boredom/`, `contempt/`), which the scanner's generic "cannot tell the emotion" does not say.
 */
export function unlabelledReason(relPath: string): string | undefined {
  const parent = relPath.split('/').at(-2);
  if (parent === undefined) return undefined;
  return `label '${parent}' (its folder) is not one of the app's 8 emotions (${EMOTIONS.join(', ')}); not scored`;
}

export function labelMapping(format: DatasetFormat, files: ReadonlyArray<Pick<DatasetFile, 'path' | 'emotion'>>): LabelMapping {
  const pairs = new Map<string, Emotion>();
  const seen = new Set<Emotion>();
  for (const f of files) {
    if (!f.emotion) continue;
    seen.add(f.emotion);
    const src = sourceLabelOf(format, f);
    if (src !== undefined) pairs.set(src, f.emotion);
  }
  const order = (e: Emotion) => EMOTIONS.indexOf(e);
  const sorted = [...pairs].sort(([a, ea], [b, eb]) => order(ea) - order(eb) || (a < b ? -1 : a > b ? 1 : 0));
  return {
    format,
    map: Object.fromEntries(sorted),
    present: EMOTIONS.filter((e) => seen.has(e)),
    absent: EMOTIONS.filter((e) => !seen.has(e)),
  };
}

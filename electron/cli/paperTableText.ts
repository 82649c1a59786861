/** `ser runs --table` for humans: the runs' rows, the paper's rows beneath them, then the epoch projection. */
import type { PaperTable, PaperTableRow } from '../engine/results/paperTable.js';
import { formatDuration, table } from './textTable.js';

// Two decimals: the paper prints 80.37 %.
const pct = (v: number | null): string => (v === null ? '–' : `${(v * 100).toFixed(2)}%`);
const secs = (ms: number | null): string => (ms === null ? '–' : (ms / 1000).toFixed(1));

/** Hours past the first one, as the paper gives them ("38 hours"); days too when that is what they amount to. */
export function longDuration(ms: number | null): string {
  if (ms === null) return '–';
  if (ms < 3_600_000) return formatDuration(ms);
  const h = ms / 3_600_000;
  return h >= 48 ? `${h.toFixed(1)} h (${(h / 24).toFixed(1)} d)` : `${h.toFixed(1)} h`;
}

function testSpeakers(r: PaperTableRow): string {
  const list = r.testSpeakers;
  if (list === null) return '–';
  // A random split's test part holds clips of every speaker, each also in training: the count says enough.
  if (r.split === 'random') return `all ${list.length}`;
  if (r.split === 'all') return 'none';
  return list.length > 6 ? `${list.slice(0, 6).join(',')},…` : list.join(',');
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : s.slice(0, max - 1) + '…';
}

export function paperTableText(t: PaperTable): string {
  const out: string[] = [];
  const runRows = t.rows.map((r) => [
    String(r.runId),
    truncate(r.name, 28),
    r.splitLabel,
    testSpeakers(r),
    String(r.epochs),
    longDuration(r.trainingMs),
    longDuration(r.wallMs),
    secs(r.msPerEpoch),
    pct(r.testAccuracy),
    pct(r.uar),
  ]);
  const paperRows = t.paper.map((p) => ['paper', 'as reported', p.splitLabel, 'all 24', String(p.epochs), p.trainingTime, '–', secs(p.msPerEpoch), pct(p.accuracy), '–']);
  out.push(
    table(
      ['RUN', 'NAME', 'SPLIT', 'TEST SPEAKERS', 'EPOCHS', 'TRAINING', 'WALL', 'S/EPOCH', 'TEST ACC', 'UAR'],
      [...runRows, ...paperRows],
      new Set([4, 5, 6, 7, 8, 9]),
    ).trimEnd(),
  );
  if (t.rows.length === 0) out.push('(no runs selected: only the paper\'s rows are shown)');
  out.push(`paper rows: ${t.source}; ${t.paperProtocol}. Not comparable with speaker-independent rows.`);
  out.push('TRAINING = sum of epoch times; WALL = first start to end (features, testing and pauses between resumed sessions included).');

  out.push('', 'The paper\'s epoch budgets at each run\'s measured speed (this machine, the run\'s own training set and settings):');
  const projection = t.projection.map((p) => [String(p.runId), secs(p.msPerEpoch), p.trainSamples === null ? '–' : String(p.trainSamples), longDuration(p.epochs200Ms), longDuration(p.epochs600Ms), longDuration(p.epochs1400Ms)]);
  const [p200, p600, p1400] = t.paper;
  const paperLine = ['paper', `${secs(Math.min(...t.paper.map((p) => p.msPerEpoch)))}–${secs(Math.max(...t.paper.map((p) => p.msPerEpoch)))}`, '–', p200?.trainingTime ?? '–', p600?.trainingTime ?? '–', p1400?.trainingTime ?? '–'];
  out.push(table(['RUN', 'S/EPOCH', 'TRAIN SAMPLES', '200 EPOCHS', '600 EPOCHS', '1400 EPOCHS'], [...projection, paperLine], new Set([1, 2, 3, 4, 5])).trimEnd());
  if (t.projection.length === 0) out.push('(no selected run has timed epochs yet)');
  out.push('An epoch\'s time grows with its training samples: the paper\'s training part was 1147 clips of 24 actors (before noisy copies).');
  return out.join('\n') + '\n';
}

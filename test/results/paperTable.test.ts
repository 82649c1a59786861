/** The paper's table as a pure function over hand-made run records: split labels, time sums, projections. */
import { describe, expect, it } from 'vitest';
import { EMOTIONS } from '../../electron/shared/labels.js';
import { PAPER_RESULTS } from '../../electron/engine/results/paperReference.js';
import { buildPaperTable, paperTableRow, SPLIT_LABELS, type RunResultsInput } from '../../electron/engine/results/paperTable.js';
import { paperTableText } from '../../electron/cli/paperTableText.js';
import type { EpochRecord, EvaluationRecord, RunRecord } from '../../electron/engine/store/types.js';

const T0 = Date.parse('2025-01-01T10:00:00.000Z');

function run(id: number, over: Partial<RunRecord> = {}): RunRecord {
  return {
    id, name: `run ${id}`, status: 'completed', config: {}, seed: 1, split: null, datasetId: null, datasetFingerprint: null,
    backend: 'wasm', workers: 2, appVersion: '0.1.0', createdAt: new Date(T0).toISOString(), startedAt: new Date(T0).toISOString(),
    endedAt: new Date(T0 + 100_000).toISOString(), notes: null, tags: [], pid: null, host: null, error: null,
    groupId: null, fold: null, kind: 'train', parentModel: null, parentRunId: null, uuid: null, ...over,
  };
}

function epochs(runId: number, durations: Array<number | null>): EpochRecord[] {
  return durations.map((durationMs, epoch) => ({
    runId, epoch, trainLoss: 1, trainAccuracy: 0.5, valLoss: 1, valAccuracy: 0.4, learningRate: 0.01, durationMs, samplesPerSec: 10, createdAt: new Date(T0).toISOString(),
  }));
}

function evaluation(id: number, runId: number, split: 'val' | 'test', accuracy: number, uar: number): EvaluationRecord {
  return {
    id, runId, split, epoch: 1, accuracy, uar, macroF1: 0.3, weightedF1: 0.3, createdAt: new Date(T0).toISOString(),
    confusion: EMOTIONS.map(() => EMOTIONS.map(() => 0)),
    perClass: EMOTIONS.map((label) => ({ label, precision: 0, recall: 0, f1: 0, support: 0 })),
  };
}

const speakerSplit = { kind: 'speaker', trainSpeakers: ['01', '02'], valSpeakers: ['03'], testSpeakers: ['04'], trainSamples: 360 };
const randomSplit = { kind: 'random', trainSpeakers: ['01', '02', '03', '04'], valSpeakers: ['01', '02', '03', '04'], testSpeakers: ['01', '02', '03', '04'], trainSamples: 576 };

describe("the paper's table", () => {
  it('labels every row with its split: random shares speakers, speaker is speaker-independent with its test speakers', () => {
    const t = buildPaperTable([
      { run: run(1, { split: randomSplit }), epochs: [], evaluations: [] },
      { run: run(2, { split: speakerSplit }), epochs: [], evaluations: [] },
      // An older run stored no kind with its split: the config says what was asked.
      { run: run(3, { split: { trainSpeakers: [], valSpeakers: [], testSpeakers: ['21', '22'] }, config: { split: { kind: 'speaker' } } }), epochs: [], evaluations: [] },
      { run: run(4), epochs: [], evaluations: [] },
    ]);
    expect(t.rows.map((r) => [r.runId, r.split, r.splitLabel, r.testSpeakers])).toEqual([
      [1, 'random', 'random (speakers shared)', ['01', '02', '03', '04']],
      [2, 'speaker', 'speaker-independent', ['04']],
      [3, 'speaker', 'speaker-independent', ['21', '22']],
      [4, 'unknown', SPLIT_LABELS.unknown, null],
    ]);
    // The paper's rows come beneath, every one marked as the random split.
    expect(t.paper.map((p) => [p.epochs, p.trainingTime, p.accuracy, p.split, p.splitLabel])).toEqual([
      [200, '6 hours', 0.6, 'random', 'random (speakers shared)'],
      [600, '20 hours', 0.8037, 'random', 'random (speakers shared)'],
      [1400, '38 hours', 0.939, 'random', 'random (speakers shared)'],
    ]);
    expect(t.paperProtocol).toMatch(/random 80\/10\/10.*speakers shared/);
  });

  it('training time is the sum of timed epochs, wall time start to end, accuracy and UAR from the latest test evaluation', () => {
    const r = paperTableRow({
      run: run(7, { split: speakerSplit }),
      epochs: epochs(7, [40_000.4, null, 20_000.2, 30_000]),
      evaluations: [evaluation(1, 7, 'test', 0.2, 0.19), evaluation(2, 7, 'val', 0.9, 0.9), evaluation(3, 7, 'test', 0.31, 0.29)],
    });
    expect(r).toMatchObject({ epochs: 4, trainingMs: 90_001, wallMs: 100_000, msPerEpoch: 30_000, testAccuracy: 0.31, uar: 0.29, trainSamples: 360, status: 'completed' });
  });

  it('a running run has a wall time up to now; one never started, or without timed epochs, has nulls', () => {
    const running = run(1, { status: 'running', endedAt: null });
    expect(paperTableRow({ run: running, epochs: epochs(1, [5000]), evaluations: [] }, { now: T0 + 7000 }).wallMs).toBe(7000);
    const queued = paperTableRow({ run: run(2, { status: 'queued', startedAt: null, endedAt: null }), epochs: [], evaluations: [] });
    expect(queued).toMatchObject({ epochs: 0, trainingMs: null, wallMs: null, msPerEpoch: null, testAccuracy: null, uar: null, trainSamples: null });
    const untimed = paperTableRow({ run: run(3), epochs: epochs(3, [null, null]), evaluations: [] });
    expect(untimed).toMatchObject({ epochs: 2, trainingMs: null, msPerEpoch: null });
  });

  it("projects the paper's 200 / 600 / 1400 epochs at each run's measured time per epoch, skipping untimed runs", () => {
    const inputs: RunResultsInput[] = [
      { run: run(1, { split: randomSplit }), epochs: epochs(1, [40_000, 44_000]), evaluations: [] },
      { run: run(2), epochs: [], evaluations: [] },
      { run: run(3, { split: speakerSplit }), epochs: epochs(3, [1500]), evaluations: [] },
    ];
    const t = buildPaperTable(inputs);
    expect(t.projection).toEqual([
      { runId: 1, msPerEpoch: 42_000, trainSamples: 576, epochs200Ms: 8_400_000, epochs600Ms: 25_200_000, epochs1400Ms: 58_800_000 },
      { runId: 3, msPerEpoch: 1500, trainSamples: 360, epochs200Ms: 300_000, epochs600Ms: 900_000, epochs1400Ms: 2_100_000 },
    ]);
    // The paper's own speed, for the same comparison: 6 h / 200 epochs = 108 s an epoch.
    expect(PAPER_RESULTS.map((p) => p.msPerEpoch)).toEqual([108_000, 120_000, 97_714]);
  });

  it('a run with split all (every clip trained) is labelled so, with no test speakers and no test figures', () => {
    const allSplit = { kind: 'all', trainSpeakers: ['01', '02', '03', '04'], valSpeakers: [], testSpeakers: [], trainSamples: 480 };
    const t = buildPaperTable([
      { run: run(5, { split: allSplit }), epochs: epochs(5, [10_000]), evaluations: [evaluation(1, 5, 'val', 0.9, 0.9)] },
      // Asked (config) but not yet split (queued): still labelled from the config.
      { run: run(6, { status: 'queued', startedAt: null, endedAt: null, config: { split: { kind: 'all', seed: 1 } } }), epochs: [], evaluations: [] },
    ]);
    expect(t.rows[0]).toMatchObject({ split: 'all', splitLabel: 'all (no test part)', testSpeakers: [], testAccuracy: null, uar: null, msPerEpoch: 10_000, trainSamples: 480 });
    expect(t.rows[1]).toMatchObject({ split: 'all', splitLabel: 'all (no test part)' });
    const text = paperTableText(t);
    const row = text.split('\n').find((l) => l.startsWith('5 '))!;
    expect(row).toMatch(/run 5 +all \(no test part\) +none +1 /);
    expect(row).toMatch(/– +– *$/);
    expect(text).not.toMatch(/NaN|undefined/);
  });
});

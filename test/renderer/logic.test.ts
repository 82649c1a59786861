/** Component logic of the renderer that needs no DOM: table sorting/filtering, formatting, routes, confusion, HTTP paths. */
import { describe, expect, it } from 'vitest';
import type { RunGroupRow, RunRow } from '../../electron/contract/contract.js';
import { experimentEntries, filterRuns, nextSort, sortRuns } from '../../renderer/src/lib/runsTable.js';
import { duration, parseList, pct, pctSd } from '../../renderer/src/lib/format.js';
import { parseRoute } from '../../renderer/src/lib/route.js';
import { accuracyOf, cellStyle, rowNormalise } from '../../renderer/src/lib/confusion.js';
import { curves } from '../../renderer/src/lib/series.js';
import { fillPath } from '../../renderer/src/lib/api/http.js';
import { builtInNotice, liveChoice, modelKey, modelOption, pickerGroups, sessionModel } from '../../renderer/src/lib/modelCard.js';
import { ensembleRuns, leftOutText, runList } from '../../renderer/src/lib/ensembleRuns.js';
import type { ModelChoice, RunDetail } from '../../electron/contract/contract.js';
import { scatterData, sweepParams } from '../../renderer/src/lib/sweepScatter.js';

function row(id: number, p: Partial<RunRow>): RunRow {
  return {
    id, name: `run ${id}`, status: 'completed', config: null, seed: 1, split: null, datasetId: 1, datasetFingerprint: null, backend: 'wasm',
    appVersion: '0', createdAt: `2025-01-0${id}T00:00:00Z`, startedAt: `2025-01-0${id}T00:00:00Z`, endedAt: null, notes: null, tags: [], pid: null,
    host: null, error: null, workers: 2, epochsDone: 1, bestValAccuracy: null, testAccuracy: null, durationMs: null, uar: null, macroF1: null,
    datasetName: 'ravdess', splitKind: 'speaker', epochsPlanned: 2, groupId: null, fold: null, uuid: null, kind: 'train', parentModel: null, parentRunId: null, ...p,
  };
}

function group(id: number, p: Partial<RunGroupRow>): RunGroupRow {
  return {
    id, kind: 'cv', name: `cv ${id}`, status: 'completed', folds: 2, summary: null, appVersion: '0', createdAt: `2025-01-0${id}T00:00:00Z`,
    startedAt: `2025-01-0${id}T00:00:00Z`, endedAt: null, error: null, runIds: [], foldsCompleted: 2, datasetName: 'ravdess', epochsPlanned: 2,
    epochsDone: 4, durationMs: 1000, backend: 'wasm', ...p,
  };
}

describe('runs table', () => {
  const rows = [row(1, { testAccuracy: 0.5, tags: ['baseline'] }), row(2, { testAccuracy: null, status: 'failed' }), row(3, { testAccuracy: 0.7, name: 'Adam run', backend: 'cpu' })];

  it('sorts numbers both ways with unknown values last', () => {
    expect(sortRuns(rows, { key: 'testAccuracy', dir: 'desc' }).map((r) => r.id)).toEqual([3, 1, 2]);
    expect(sortRuns(rows, { key: 'testAccuracy', dir: 'asc' }).map((r) => r.id)).toEqual([1, 3, 2]);
    expect(sortRuns(rows, { key: 'startedAt', dir: 'desc' }).map((r) => r.id)).toEqual([3, 2, 1]);
  });

  it('filters by every word over name, tags, backend and status', () => {
    expect(filterRuns(rows, 'baseline', '').map((r) => r.id)).toEqual([1]);
    expect(filterRuns(rows, 'adam cpu', '').map((r) => r.id)).toEqual([3]);
    expect(filterRuns(rows, 'adam wasm', '')).toEqual([]);
    expect(filterRuns(rows, '', 'failed').map((r) => r.id)).toEqual([2]);
    expect(filterRuns(rows, '#3', '').map((r) => r.id)).toEqual([3]);
  });

  it('a cross-validation is one row sorted by its folds\' mean, its folds beneath it when expanded', () => {
    const summary = (accuracy: number) => ({ folds: 2, perFold: [], mean: { accuracy, uar: accuracy, macroF1: 0 }, sd: { accuracy: 0.1, uar: 0.1, macroF1: 0 }, pooled: { accuracy, uar: accuracy, macroF1: 0, confusion: [] } });
    const cv = group(4, { name: 'speaker cv', summary: summary(0.6) });
    const all = [...rows, row(5, { groupId: 4, fold: 1, name: 'speaker cv · fold 2/2', testAccuracy: 0.9 }), row(6, { groupId: 4, fold: 0, name: 'speaker cv · fold 1/2', testAccuracy: 0.3 })];
    const ids = (entries: ReturnType<typeof experimentEntries>) => entries.map((e) => (e.kind === 'group' ? `cv${e.group.id}` : `${e.child ? '└' : ''}${e.run.id}`));
    const byAcc = { key: 'testAccuracy', dir: 'desc' } as const;
    expect(ids(experimentEntries(all, [cv], '', '', byAcc, new Set()))).toEqual(['3', 'cv4', '1', '2']);
    expect(ids(experimentEntries(all, [cv], '', '', byAcc, new Set([4])))).toEqual(['3', 'cv4', '└6', '└5', '1', '2']);
    // Found through a fold: the group shows with that fold only; through the group: with all its folds.
    expect(ids(experimentEntries(all, [cv], '#5', '', byAcc, new Set([4])))).toEqual(['cv4', '└5']);
    expect(ids(experimentEntries(all, [cv], 'speaker cv', '', byAcc, new Set([4])))).toEqual(['cv4', '└6', '└5']);
    expect(ids(experimentEntries(all, [cv], '', 'failed', byAcc, new Set([4])))).toEqual(['2']);
    expect(pctSd(0.412, 0.031)).toBe('41.2 ± 3.1 %');
    expect(pctSd(null, 0.1)).toBe('—');
  });

  it('header clicks: numbers start best-first, text A→Z, a second click flips', () => {
    expect(nextSort({ key: 'name', dir: 'asc' }, 'uar')).toEqual({ key: 'uar', dir: 'desc' });
    expect(nextSort({ key: 'uar', dir: 'desc' }, 'name')).toEqual({ key: 'name', dir: 'asc' });
    expect(nextSort({ key: 'uar', dir: 'desc' }, 'uar')).toEqual({ key: 'uar', dir: 'asc' });
  });
});

describe('formatting and routes', () => {
  it('formats', () => {
    expect(pct(0.8766)).toBe('87.7 %');
    expect(pct(null)).toBe('—');
    expect(duration(4200)).toBe('4.2 s');
    expect(duration(65_000)).toBe('1 min 05 s');
    expect(duration(3_723_000)).toBe('1 h 02 min');
    expect(parseList(' 21, 22 23 ,')).toEqual(['21', '22', '23']);
  });

  it('parses hash routes', () => {
    expect(parseRoute('#/runs/12')).toEqual({ view: 'monitor', id: 12 });
    expect(parseRoute('#/runs/12/results')).toEqual({ view: 'results', id: 12 });
    expect(parseRoute('#/compare?ids=3,4,x')).toEqual({ view: 'compare', ids: [3, 4] });
    expect(parseRoute('#/datasets')).toEqual({ view: 'dataset', id: null });
    expect(parseRoute('#/sweeps')).toEqual({ view: 'sweeps', id: null });
    expect(parseRoute('#/sweeps/4')).toEqual({ view: 'sweeps', id: 4 });
    expect(parseRoute('#/runs/abc')).toEqual({ view: 'experiments' });
    expect(parseRoute('')).toEqual({ view: 'experiments' });
  });

  it('fills route parameters and keeps the rest for the query/body', () => {
    expect(fillPath('/datasets/:id/files/:fileId/view', { id: 2, fileId: 9, x: 1 })).toEqual({ path: '/datasets/2/files/9/view', rest: { x: 1 } });
    expect(() => fillPath('/runs/:id', {})).toThrow(/missing id/);
  });
});

describe('results helpers', () => {
  it('tints confusion cells by row share; an empty off-diagonal cell stays plain, the diagonal never does', () => {
    expect(cellStyle(0, false)).toEqual({ background: 'transparent', color: 'var(--fg-muted)' });
    expect(cellStyle(0, true).background).toBe('rgb(var(--good-rgb) / 0.080)');
    expect(cellStyle(0.5, false)).toEqual({ background: 'rgb(var(--bad-rgb) / 0.505)', color: 'inherit' });
    expect(cellStyle(1, true)).toEqual({ background: 'rgb(var(--good-rgb) / 0.930)', color: '#fff' });
  });

  it('normalises confusion rows and computes accuracy', () => {
    const m = [[3, 1], [0, 0]];
    expect(rowNormalise(m)).toEqual([[0.75, 0.25], [0, 0]]);
    expect(accuracyOf([[3, 1], [1, 5]])).toBe(0.8);
  });

  it('turns epochs into train/val series, counting epochs from 1', () => {
    const s = curves([{ runId: 1, epoch: 0, trainLoss: 2, trainAccuracy: 0.1, valLoss: 1.9, valAccuracy: null, learningRate: 0.01, durationMs: 1, samplesPerSec: 1, createdAt: '' }], 'accuracy');
    expect(s.map((x) => x.label)).toEqual(['train accuracy', 'val accuracy']);
    expect(s[1]!.data).toEqual([{ x: 1, y: null }]); // stored epoch 0 is shown as epoch 1
  });
});

describe('built-in model notice and picker', () => {
  const card = { title: 'RAVDESS CNN-LSTM', trainedOn: 'RAVDESS actors 01–20 (acted English speech)', newSpeakers: { accuracy: 0.523, uar: 0.497, protocol: '5-fold by speaker' }, randomSplit: null, licence: 'CC BY-NC-SA 4.0' };

  it('says what it was trained on and its accuracy on new speakers, or that it was not measured', () => {
    expect(builtInNotice(card)).toBe(
      'Built-in model: trained on RAVDESS actors 01–20 (acted English speech). On speakers it never heard: 52% accuracy (UAR 50%), 5-fold by speaker. Real-life speech will be lower.',
    );
    expect(builtInNotice({ ...card, newSpeakers: null })).toMatch(/accuracy on speakers it never heard has not been measured/);
    expect(builtInNotice(null)).toMatch(/no model card/);
  });

  const base = { dir: '/m', uar: null, card: null, version: '1', ensembleId: null };
  const builtIn: ModelChoice = { ...base, kind: 'built-in', runId: null, label: 'Built-in — RAVDESS CNN-LSTM', testAccuracy: null, splitKind: null };
  const run = (id: number): ModelChoice => ({ ...base, kind: 'run', runId: id, label: `#${id} adam`, testAccuracy: 0.4567, splitKind: 'speaker' });
  const ensemble = (id: number): ModelChoice => ({ ...base, kind: 'ensemble', runId: null, ensembleId: id, label: `ensemble #${id} "seeds" (3 models)`, testAccuracy: null, splitKind: null });

  it('lists the built-in model and ensembles by their label, runs with test accuracy and split', () => {
    expect(modelOption(builtIn)).toBe('Built-in — RAVDESS CNN-LSTM');
    expect(modelOption(run(3))).toBe('#3 adam (test acc 45.7 %, speaker split)');
    expect(modelOption(ensemble(2))).toBe('ensemble #2 "seeds" (3 models)');
    // Keys stay distinct when an ensemble and a run share an id.
    expect([builtIn, run(3), ensemble(3)].map(modelKey)).toEqual(['built-in', 'run:3', 'ensemble:3']);
  });

  it('groups the picker: the built-in model alone, then Ensembles, then Runs, leaving empty groups out', () => {
    const groups = pickerGroups([builtIn, ensemble(2), ensemble(1), run(5), run(4)]);
    expect(groups.map((g) => [g.label, g.models.map(modelKey)])).toEqual([
      [null, ['built-in']],
      ['Ensembles', ['ensemble:2', 'ensemble:1']],
      ['Runs', ['run:5', 'run:4']],
    ]);
    expect(pickerGroups([run(1)]).map((g) => g.label)).toEqual(['Runs']);
    expect(pickerGroups([])).toEqual([]);
  });

  it('asks startLive for the picked model: built-in, the ensemble’s id, or the run’s', () => {
    expect(liveChoice(builtIn)).toEqual({ builtIn: true });
    expect(liveChoice(ensemble(7))).toEqual({ ensembleId: 7 });
    expect(liveChoice(run(3))).toEqual({ runId: 3 });
    expect(liveChoice(undefined)).toEqual({});
  });

  it('names a saved session’s model: built-in, the ensemble, the run, or — once unknown', () => {
    const s = { builtIn: false, ensembleId: null, ensembleName: null, runId: null, runName: null };
    expect(sessionModel({ ...s, builtIn: true })).toBe('built-in');
    expect(sessionModel({ ...s, ensembleId: 4, ensembleName: 'seeds 42–44' })).toBe('ensemble #4 seeds 42–44');
    expect(sessionModel({ ...s, runId: 3, runName: 'adam' })).toBe('#3 adam');
    expect(sessionModel({ ...s, runId: 3 })).toBe('#3');
    expect(sessionModel(s)).toBe('—');
  });
});

describe('combine compared runs into an ensemble', () => {
  const detail = (id: number, exported: boolean) =>
    ({ run: row(id, {}), models: exported ? [{ id, runId: id, kind: 'export', path: `/m/${id}`, epoch: null, metric: null, metricName: null, createdAt: '' }] : [] }) as unknown as RunDetail;

  it('takes the runs with an exported model, in the order compared, and says which are left out', () => {
    expect(ensembleRuns([detail(3, true), detail(1, false), detail(2, true)])).toEqual({ ids: [3, 2], without: [1] });
    expect(ensembleRuns([detail(1, false)])).toEqual({ ids: [], without: [1] });
    expect(runList([3, 2, 5])).toBe('#3, #2 and #5');
    expect(runList([4])).toBe('#4');
    expect(leftOutText([])).toBe('');
    expect(leftOutText([1])).toBe('Run #1 has no exported model and is left out.');
    expect(leftOutText([1, 6])).toBe('Runs #1 and #6 have no exported model and are left out.');
  });
});

describe('sweep scatter', () => {
  const trial = (id: number, params: Record<string, unknown>, fold: number, uar: number | null, status: 'completed' | 'running' = 'completed') => ({
    id, params, fold, status, worker: 'local', runId: id, bestValAccuracy: null, testAccuracy: uar, uar,
  });
  const detail = {
    trials: [trial(1, { lr: 0.1, optimizer: 'sgd' }, 0, 0.3), trial(2, { lr: 0.1, optimizer: 'sgd' }, 1, 0.5), trial(3, { lr: 0.001, optimizer: 'adam' }, 0, 0.4), trial(4, { lr: 0.001, optimizer: 'adam' }, 1, null, 'running')],
    summary: [
      { params: { lr: 0.1, optimizer: 'sgd' }, folds: 2, meanUar: 0.4, sdUar: 0.14, meanAccuracy: 0.41 },
      { params: { lr: 0.001, optimizer: 'adam' }, folds: 1, meanUar: 0.4, sdUar: null, meanAccuracy: 0.4 },
    ],
  };

  it('lists the parameters a sweep varies, in the order its trials name them', () => {
    expect(sweepParams(detail)).toEqual(['lr', 'optimizer']);
    expect(sweepParams(null)).toEqual([]);
  });

  it('plots completed trials and recipe means; learning rates two decades apart on a log axis, names as categories', () => {
    const lr = scatterData(detail, 'lr');
    expect(lr).toMatchObject({ axis: 'log', min: 0.001 / 1.5, max: 0.1 * 1.5 });
    expect(lr.trials.map((p) => [p.x, p.y])).toEqual([[0.1, 0.3], [0.1, 0.5], [0.001, 0.4]]);
    expect(lr.recipes.map((p) => [p.x, p.y])).toEqual([[0.1, 0.4], [0.001, 0.4]]);
    expect(lr.trials[0]!.label).toBe('trial 1, fold 1: lr=0.1 optimizer=sgd');
    // Under a decade apart: linear, with a margin either side (the running trial's value counts too).
    const near = scatterData({ ...detail, trials: detail.trials.map((t) => ({ ...t, params: { ...t.params, lr: t.params.lr === 0.1 ? 0.06 : 0.01 } })) }, 'lr');
    expect(near.axis).toBe('linear');
    expect(near.min).toBeCloseTo(0.01 - 0.004, 12);
    expect(near.max).toBeCloseTo(0.06 + 0.004, 12);
    const opt = scatterData(detail, 'optimizer');
    expect(opt).toMatchObject({ axis: 'category', categories: ['sgd', 'adam'], min: -0.5, max: 1.5 });
    expect(opt.trials.map((p) => p.x)).toEqual([0, 0, 1]);
  });
});

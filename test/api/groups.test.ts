/** listGroups through the services and the router: a cross-validation as the experiments table receives it. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRouter } from '../../electron/server/router.js';
import { EMOTIONS } from '../../electron/shared/labels.js';
import { createServices } from '../../electron/services/index.js';
import { groupSummary } from '../../electron/engine/training/cvGroups.js';

const dir = mkdtempSync(join(tmpdir(), 'ser-api-groups-'));
const services = createServices({ transport: 'http', dbPath: join(dir, 'e.db'), dataDir: join(dir, 'data') });
afterAll(() => services.close());

describe('listGroups', () => {
  it('returns each cross-validation with its current fold runs, summary and totals; listRuns tags the folds', async () => {
    const { store } = services.ctx;
    const g = store.groups.create({ kind: 'cv', name: 'cv test', config: { train: { epochs: 3 } }, folds: 2 });
    const ids: number[] = [];
    for (const [fold, acc] of [[0, 0.5], [1, 0.7]] as const) {
      const run = store.runs.create({ name: `fold ${fold}`, config: { epochs: 3 }, status: 'running', group: { groupId: g.id, fold } });
      store.runs.addEpoch(run.id, { epoch: 0, trainLoss: 1, trainAccuracy: 0.5 });
      const right = Math.round(10 * acc);
      const confusion = EMOTIONS.map((_, i) => EMOTIONS.map((_, j) => (i === j ? right : j === (i + 1) % 8 ? 10 - right : 0)));
      store.evaluations.add({ runId: run.id, split: 'test', accuracy: acc, uar: acc, macroF1: acc, weightedF1: acc, confusion, perClass: EMOTIONS.map((label) => ({ label, precision: acc, recall: acc, f1: acc, support: 10 })) });
      store.runs.setStatus(run.id, 'completed');
      ids.push(run.id);
    }
    store.groups.update(g.id, { summary: groupSummary(store, g.id, 2)! });
    store.groups.setStatus(g.id, 'completed');

    const router = createRouter(services.handlers);
    const res = await router.call('listGroups', {});
    expect(res.ok).toBe(true);
    const [row] = (res as { ok: true; value: Awaited<ReturnType<typeof services.handlers.listGroups>> }).value;
    expect(row).toMatchObject({ id: g.id, name: 'cv test', status: 'completed', folds: 2, runIds: ids, foldsCompleted: 2, epochsPlanned: 3, epochsDone: 2 });
    expect(row!.summary!.mean.accuracy).toBeCloseTo(0.6, 12);
    expect(row!.summary!.sd.accuracy).toBeCloseTo(0.2 / Math.SQRT2, 12);
    expect(row).not.toHaveProperty('config');
    const runs = await services.handlers.listRuns(undefined);
    expect(runs.filter((r) => r.groupId === g.id).map((r) => r.fold).sort()).toEqual([0, 1]);
  });
});

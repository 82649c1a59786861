/**
 * The parts of the work queue that need no Redis: the queue URL read into client options (TLS, passwords, database)
 * and never printed with its password, and a worker's validation of what it takes from the queue — a job that is not
 * a trial, or a recipe the training options schema refuses, is refused before anything trains.
 */
import { describe, expect, it } from 'vitest';
import { queueLabel, redisOptions } from '../../electron/services/redisUrl.js';
import { TrialJobSchema } from '../../electron/services/sweepQueue.js';
import { recipeOptions, trialRecipe } from '../../electron/services/sweepRecipes.js';

describe('queue URLs', () => {
  it('become the Redis client options: host, port, database, user and password, TLS for rediss://', () => {
    expect(redisOptions('redis://127.0.0.1:6390/0')).toEqual({ host: '127.0.0.1', port: 6390, db: 0 });
    expect(redisOptions('redis://queue.lab')).toEqual({ host: 'queue.lab', port: 6379, db: 0 });
    expect(redisOptions('rediss://ser:p%40ss%3Aw0rd@queue.lab:6380/3')).toEqual({ host: 'queue.lab', port: 6380, db: 3, username: 'ser', password: 'p@ss:w0rd', tls: { servername: 'queue.lab' } });
    expect(redisOptions('redis://:only-password@[::1]:6379')).toEqual({ host: '::1', port: 6379, db: 0, password: 'only-password' });
  });

  it('are refused when they are not Redis URLs, and are shown without their password', () => {
    expect(() => redisOptions('http://queue.lab')).toThrow(/redis:\/\/ or rediss:\/\//);
    expect(() => redisOptions('redis://queue.lab/x')).toThrow(/database number/);
    expect(() => redisOptions('redis://queue.lab/0?x=1')).toThrow(/no query/);
    expect(() => redisOptions('not a url with secret')).toThrow(/redis:\/\/127.0.0.1:6379\/0/);
    expect(queueLabel('rediss://ser:s3cret@queue.lab:6380/3')).toBe('rediss://ser:***@queue.lab:6380/3');
    expect(queueLabel('redis://:s3cret@queue.lab')).toBe('redis://:***@queue.lab');
    expect(queueLabel('redis://queue.lab:6379/0')).toBe('redis://queue.lab:6379/0');
  });
});

describe('a worker takes only valid trials', () => {
  const recipe = trialRecipe({ epochs: 1, seed: 1 }, { lr: 0.001, optimizer: 'adam' });
  const job = {
    sweepId: 1,
    trialId: 2,
    runId: 3,
    runUuid: '0b6a6f0e-3c1f-4c55-9d1e-2b1f1f9b2c3d',
    name: 'lr · lr=0.001 optimizer=adam · fold 1/2',
    dataset: { name: 'ravdess-dev', fingerprint: 'a'.repeat(64), path: '/data/ravdess-dev' },
    recipe,
    model: { filters: [4, 4, 4, 4], lstmUnits: 8 },
    split: { kind: 'speaker', seed: 1, folds: 2, fold: 0, valSpeakerCount: 1 },
  };

  it('a trial job parses, and its recipe becomes the trainer\'s options', () => {
    const d = TrialJobSchema.parse(job);
    const o = recipeOptions(trialRecipe(d.recipe, {}), { data: d.dataset.path, split: d.split, name: d.name, model: d.model! });
    expect(o).toMatchObject({ data: '/data/ravdess-dev', epochs: 1, optimizer: 'adam', learningRate: 0.001, split: { kind: 'speaker', fold: 0 }, model: { lstmUnits: 8 }, schedule: { kind: 'constant' } });
  });

  it('anything else is refused: extra fields, a path as dataset name, a recipe out of bounds or with unknown options', () => {
    expect(TrialJobSchema.safeParse({ ...job, command: 'rm -rf /' }).success).toBe(false);
    expect(TrialJobSchema.safeParse({ ...job, dataset: { ...job.dataset, name: '../../etc' } }).success).toBe(false);
    expect(TrialJobSchema.safeParse({ ...job, runUuid: '../x' }).success).toBe(false);
    expect(TrialJobSchema.safeParse({ ...job, model: { filters: 'x' } }).success).toBe(false);
    // The model's own knobs only: a worker builds nothing it was not built to build.
    expect(TrialJobSchema.safeParse({ ...job, model: { lstmUnits: 8, layers: 40 } }).success).toBe(false);
    expect(TrialJobSchema.safeParse({ ...job, model: { bidirectional: 1 } }).success).toBe(false);
    expect(TrialJobSchema.safeParse({ ...job, model: { bidirectional: true, convDropout: 0 } }).success).toBe(true);
    expect(TrialJobSchema.safeParse({ ...job, model: { lstmPool: 'mean' } }).success).toBe(true);
    expect(TrialJobSchema.safeParse({ ...job, model: { lstmPool: 'max' } }).success).toBe(false);
    expect(TrialJobSchema.safeParse({ ...job, split: { kind: 'speaker', seed: 1, fold: -1 } }).success).toBe(false);
    expect(() => trialRecipe({ ...recipe, learningRate: 50 }, {})).toThrow(/learningRate/);
    expect(() => trialRecipe({ ...recipe, shell: 'x' }, {})).toThrow(/shell|Unrecognized/i);
    expect(() => trialRecipe({ ...recipe, schedule: 'step:x' }, {})).toThrow();
    expect(() => trialRecipe(recipe, { backend: 'cpu' })).toThrow(/cannot vary 'backend'/);
  });
});

/** Trial expansion: grid order, seeded random draws, folds, and the shape checks that fail before anything is recorded. */
import { describe, expect, it } from 'vitest';
import { expandTrials, gridRecipes, parseGrid, parseSpace, randomRecipes, MAX_TRIALS } from '../../electron/engine/training/sweepSpace.js';

describe('sweep space', () => {
  it('a grid gives every combination, the first key varying slowest, each recipe once per fold', () => {
    const grid = parseGrid({ lr: [0.01, 0.001], optimizer: ['sgd', 'adam'] });
    expect(gridRecipes(grid)).toEqual([
      { lr: 0.01, optimizer: 'sgd' },
      { lr: 0.01, optimizer: 'adam' },
      { lr: 0.001, optimizer: 'sgd' },
      { lr: 0.001, optimizer: 'adam' },
    ]);
    const trials = expandTrials({ grid: { lr: [0.01, 0.001] } }, 2);
    expect(trials).toEqual([
      { recipe: 0, params: { lr: 0.01 }, fold: 0 },
      { recipe: 0, params: { lr: 0.01 }, fold: 1 },
      { recipe: 1, params: { lr: 0.001 }, fold: 0 },
      { recipe: 1, params: { lr: 0.001 }, fold: 1 },
    ]);
  });

  it('random draws are a function of the seed and stay inside their ranges', () => {
    const space = parseSpace({ lr: { logUniform: [1e-4, 1e-1] }, momentum: { uniform: [0.5, 0.9] }, batchSize: { int: [8, 10] }, optimizer: ['sgd', 'adam'] });
    const a = randomRecipes(space, 50, 7);
    expect(randomRecipes(space, 50, 7)).toEqual(a);
    expect(randomRecipes(space, 50, 8)).not.toEqual(a);
    for (const r of a) {
      expect(r.lr).toBeGreaterThanOrEqual(1e-4);
      expect(r.lr).toBeLessThanOrEqual(1e-1);
      expect(r.momentum).toBeGreaterThanOrEqual(0.5);
      expect(r.momentum).toBeLessThanOrEqual(0.9);
      expect([8, 9, 10]).toContain(r.batchSize);
      expect(['sgd', 'adam']).toContain(r.optimizer);
      expect(String(r.lr).replace(/^0\.0*|e.*$|\./g, '').length).toBeLessThanOrEqual(4);
    }
    // Log-uniform: about as many draws per decade.
    const decades = [0, 0, 0];
    for (const r of randomRecipes(space, 3000, 1)) decades[Math.min(2, Math.floor(-Math.log10(r.lr as number)) - 1)]!++;
    for (const d of decades) expect(d).toBeGreaterThan(800);
    expect(new Set(a.map((r) => r.batchSize))).toEqual(new Set([8, 9, 10]));
  });

  it('refuses malformed spaces and oversized sweeps with a message naming the problem', () => {
    expect(() => parseGrid([1, 2])).toThrow(/JSON object/);
    expect(() => parseGrid({})).toThrow(/names no parameter/);
    expect(() => parseGrid({ lr: [] })).toThrow(/"lr" must be a non-empty list/);
    expect(() => parseGrid({ lr: [{ a: 1 }] })).toThrow(/"lr" must be a non-empty list/);
    expect(() => parseSpace({ lr: { logUniform: [0, 1] } })).toThrow(/above 0/);
    expect(() => parseSpace({ lr: { normal: [0, 1] } })).toThrow(/one of uniform, logUniform, int/);
    expect(() => parseSpace({ lr: { uniform: [2, 1] } })).toThrow(/low ≤ high/);
    expect(() => parseSpace({ n: { int: [1.5, 3] } })).toThrow(/integer ends/);
    expect(() => randomRecipes({ lr: [1] }, 0, 1)).toThrow(/positive number/);
    expect(() => expandTrials({ grid: { a: Array.from({ length: 101 }, (_, i) => i), b: Array.from({ length: 100 }, (_, i) => i) } }, 1)).toThrow(new RegExp(`at most ${MAX_TRIALS}`));
    expect(() => expandTrials({ grid: { lr: [1] } }, 0)).toThrow(/at least 1 fold/);
  });
});

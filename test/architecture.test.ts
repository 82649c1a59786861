/**
 * Runtime boundaries and the layer order, checked on every run from the import graph (VS Code-style layering,
 * without a linter): shared ← native ← engine ← contract ← services ← transport (server/, cli/, main.ts,
 * preload.ts), the renderer beside them on the contract and shared only, direct and indirect imports alike (the
 * rules and the layers are in ./helpers/importGraph.ts). Also: only Electron's own entry files import `electron`, the
 * renderer and the contract import no Node module, only the preload touches contextBridge / ipcRenderer, and every
 * file name follows the one convention (camelCase code; Svelte components PascalCase, the Svelte convention).
 */
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/ser.js';
import { badFileName, importGraph, layerOf, layerViolations, sourceFiles, specifiers, type Edge } from './helpers/importGraph.js';

const app = sourceFiles(repoRoot, ['electron', 'native', 'renderer/src'], ['.ts', '.svelte']);
const edges = importGraph(repoRoot, app);
const nodeBuiltins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const edgesFrom = (pred: (file: string) => boolean) => edges.filter((e) => pred(e.from));

describe('layer order', () => {
  it('every app file belongs to a layer', () => {
    expect(app.filter((f) => !layerOf(f))).toEqual([]);
  });

  it('no file imports, directly or through others, a layer above its own (the renderer: only contract and shared)', () => {
    expect(layerViolations(edges)).toEqual([]);
  });

  it('the check fails on a wrong arrow, direct or indirect', () => {
    const e = (from: string, to: string, typeOnly = false): Edge => ({ from, to, typeOnly });
    // Direct: native → engine, engine → services, contract → engine by value, the app → test helpers.
    expect(layerViolations([e('native/audio/capture.ts', 'electron/engine/live/x.ts')])).toHaveLength(1);
    expect(layerViolations([e('electron/engine/store/x.ts', 'electron/services/runs.ts')])).toHaveLength(1);
    expect(layerViolations([e('electron/contract/types.ts', 'electron/engine/store/types.ts')])).toHaveLength(1);
    expect(layerViolations([e('electron/engine/x.ts', 'test/helpers/ser.ts')])).toHaveLength(1);
    // Allowed: downward, and the contract naming engine types.
    expect(layerViolations([e('electron/services/runs.ts', 'native/tf/backends.ts'), e('electron/contract/types.ts', 'electron/engine/store/types.ts', true)])).toEqual([]);
    // Indirect: renderer → contract → services, reported with its chain.
    const chain = layerViolations([e('renderer/src/lib/a.ts', 'electron/contract/b.ts'), e('electron/contract/b.ts', 'electron/services/c.ts')]);
    expect(chain).toContain('renderer/src/lib/a.ts reaches electron/services/c.ts (services): renderer/src/lib/a.ts → electron/contract/b.ts → electron/services/c.ts');
    // The parser sees type-only imports as such, and an `export type X = …` does not swallow the next import.
    expect(specifiers("import type { A } from './a.js';\nexport type B = { c: 1 };\nimport { d } from './d.js';\nexport * from './e.js';\nawait import('./f.js');")).toEqual([
      { spec: './a.js', typeOnly: true },
      { spec: './d.js', typeOnly: false },
      { spec: './e.js', typeOnly: false },
      { spec: './f.js', typeOnly: false },
    ]);
  });

  it('imports resolve to files of the repository', () => {
    const unresolved = edges.filter((e) => e.unresolved);
    expect(unresolved.map((e) => `${e.from} → ${e.to}`)).toEqual([]);
  });
});

describe('runtime boundaries', () => {
  it('only electron/main.ts and electron/preload.ts import electron', () => {
    const bad = edgesFrom((f) => f !== 'electron/main.ts' && f !== 'electron/preload.ts').filter((e) => e.to === 'electron' || e.to.startsWith('electron/') && !e.to.includes('.'));
    expect(bad.map((e) => e.from)).toEqual([]);
  });

  it('the renderer, the contract and shared import no Node module', () => {
    const bad = edgesFrom((f) => ['renderer', 'contract', 'shared'].includes(layerOf(f)!)).filter((e) => nodeBuiltins.has(e.to));
    expect(bad.map((e) => `${e.from}: ${e.to}`)).toEqual([]);
  });

  it('only the preload touches contextBridge / ipcRenderer', () => {
    const bad = app.filter((f) => f !== 'electron/preload.ts' && /\b(contextBridge|ipcRenderer)\s*\./.test(readFileSync(join(repoRoot, f), 'utf8')));
    expect(bad).toEqual([]);
  });
});

describe('file names', () => {
  it('code is camelCase, Svelte components PascalCase, across electron/, native/, renderer/, bench/, test/, scripts/, resources/', () => {
    const all = sourceFiles(repoRoot, ['electron', 'native', 'renderer', 'bench', 'test', 'scripts', 'resources'], ['.ts', '.mts', '.mjs', '.js', '.svelte']);
    // Fixture and data files keep the names they were given (test/fixtures).
    expect(all.filter((f) => !f.startsWith('test/fixtures/')).flatMap((f) => badFileName(f) ?? [])).toEqual([]);
  });

  it('the check fails on kebab-case, snake_case and a lower-case component', () => {
    expect(['electron/engine/store/runs-repository.ts', 'electron/engine/model/parallel_trainer.ts', 'test/audio-capture/x.test.ts', 'renderer/src/views/results.svelte'].map(badFileName).every(Boolean)).toBe(true);
    expect(['electron/engine/store/runsRepository.ts', 'test/cliRuns.test.ts', 'renderer/src/lib/chart.svelte.ts', 'renderer/src/views/NewRun.svelte', 'electron/types/modules.d.ts'].map(badFileName)).toEqual(Array(5).fill(undefined));
  });
});

/**
 * Runtime boundaries, checked on every run (VS Code-style layering, without a linter): the engine never
 * imports Electron, the renderer never imports Node, only the preload touches contextBridge / ipcRenderer,
 * and the API contract imports neither Node nor Electron.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/ser.js';

function files(dir: string, exts: string[]): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p, exts));
    else if (exts.some((e) => name.endsWith(e))) out.push(p);
  }
  return out;
}

/** Module specifiers of static imports, re-exports and dynamic import() with a literal. */
function imports(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  const specs: string[] = [];
  for (const m of src.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]/g)) specs.push(m[1]!);
  for (const m of src.matchAll(/(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)) specs.push(m[1]!);
  for (const m of src.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) specs.push(m[1]!);
  return specs;
}

const nodeBuiltins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const rel = (f: string) => relative(repoRoot, f);

describe('runtime boundaries', () => {
  it('electron/engine/** never imports electron', () => {
    const bad = files(join(repoRoot, 'electron', 'engine'), ['.ts']).filter((f) => imports(f).some((s) => s === 'electron' || s.startsWith('electron/')));
    expect(bad.map(rel)).toEqual([]);
  });

  it('renderer/** never imports Node modules', () => {
    const bad = files(join(repoRoot, 'renderer', 'src'), ['.ts', '.svelte']).flatMap((f) => imports(f).filter((s) => nodeBuiltins.has(s)).map((s) => `${rel(f)}: ${s}`));
    expect(bad).toEqual([]);
  });

  it('only the preload touches contextBridge / ipcRenderer', () => {
    const all = [...files(join(repoRoot, 'electron'), ['.ts']), ...files(join(repoRoot, 'renderer', 'src'), ['.ts', '.svelte'])];
    const bad = all.filter((f) => !f.endsWith(join('electron', 'preload.ts')) && /\b(contextBridge|ipcRenderer)\s*\./.test(readFileSync(f, 'utf8')));
    expect(bad.map(rel)).toEqual([]);
  });

  it('the API contract imports neither Node nor Electron', () => {
    const contract = ['contract.ts', 'names.ts', 'schemas.ts', 'types.ts'].map((n) => join(repoRoot, 'electron', 'api', n));
    const bad = contract.flatMap((f) => imports(f).filter((s) => nodeBuiltins.has(s) || s === 'electron').map((s) => `${rel(f)}: ${s}`));
    expect(bad).toEqual([]);
  });
});

/**
 * The import graph of the app's sources and the rules test/architecture.test.ts holds it to. Pure functions over
 * plain data (file paths relative to the repository, with `/`), so the rules can be checked on a made-up graph too.
 *
 * Layers, bottom first; a file may import its own layer and the ones below it:
 *   shared     electron/shared/    errors and their codes, labels, ring buffer, device type: imports nothing of ours
 *   native     native/             native adapters (naudiodon capture, TF backends and kernels)
 *   engine     electron/engine/    audio, dataset, model, training, live, store, results, workers; no Electron
 *   contract   electron/contract/  the API: names, zod schemas, plain-data types
 *   services   electron/services/  what the front doors call
 *   transport  electron/server/, electron/cli/, electron/main.ts, electron/preload.ts
 * and beside them the renderer (renderer/), which may import only the contract and shared.
 * One exception, type-only: the contract names engine types (the store's rows, training events) with `import type`,
 * which leaves nothing at run time; a value import from the contract into the engine is still refused.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';

export const LAYERS = ['shared', 'native', 'engine', 'contract', 'services', 'transport'] as const;
export type Layer = (typeof LAYERS)[number] | 'renderer';

const LAYER_ROOTS: Array<[prefix: string, layer: Layer]> = [
  ['electron/shared/', 'shared'],
  ['electron/types/', 'shared'], // ambient declarations of untyped packages: no imports
  ['native/', 'native'],
  ['electron/engine/', 'engine'],
  ['electron/contract/', 'contract'],
  ['electron/services/', 'services'],
  ['electron/server/', 'transport'],
  ['electron/cli/', 'transport'],
  ['electron/main.ts', 'transport'],
  ['electron/preload.ts', 'transport'],
  ['renderer/', 'renderer'],
];

/** The layer of a source file, or undefined for files outside the app (tests, benchmarks, scripts). */
export function layerOf(file: string): Layer | undefined {
  return LAYER_ROOTS.find(([prefix]) => file === prefix || file.startsWith(prefix))?.[1];
}

export interface Edge {
  from: string;
  /** A repository file for a relative import, else the package name as written ('electron', 'node:fs'). */
  to: string;
  /** `import type` / `export type`: erased at compile time, nothing loads at run time. */
  typeOnly: boolean;
  /** A relative specifier that names no file of the repository. */
  unresolved?: true;
}

/** Module specifiers of a source text: static imports and re-exports, side-effect imports, import() and require() with a literal. */
export function specifiers(src: string): Array<{ spec: string; typeOnly: boolean }> {
  const out: Array<{ spec: string; typeOnly: boolean }> = [];
  // `[^'";=]` keeps a match inside one statement (an `export type X = …` does not reach the next import's `from`).
  for (const m of src.matchAll(/(?:^|\n)\s*(import|export)\s+(type\s+)?[^'";=]*?\sfrom\s*['"]([^'"]+)['"]/g)) out.push({ spec: m[3]!, typeOnly: !!m[2] });
  for (const m of src.matchAll(/(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)) out.push({ spec: m[1]!, typeOnly: false });
  for (const m of src.matchAll(/\b(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push({ spec: m[1]!, typeOnly: false });
  return out;
}

/** A relative specifier written in `from` → the repository file it loads (the `.js` of a `.ts` source included). */
export function resolveSpecifier(root: string, from: string, spec: string): string | undefined {
  const base = posix.join(posix.dirname(from), spec);
  const candidates = [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, `${base}/index.ts`];
  return candidates.find((c) => existsSync(join(root, c)) && statSync(join(root, c)).isFile());
}

export function sourceFiles(root: string, dirs: string[], exts: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(join(root, dir)).sort()) {
      const p = posix.join(dir, name);
      if (statSync(join(root, p)).isDirectory()) walk(p);
      else if (exts.some((e) => name.endsWith(e))) out.push(p);
    }
  };
  for (const d of dirs) walk(d);
  return out;
}

/** Every import edge of `files` (relative ones resolved to repository files). */
export function importGraph(root: string, files: string[]): Edge[] {
  const edges: Edge[] = [];
  for (const from of files) {
    for (const { spec, typeOnly } of specifiers(readFileSync(join(root, from), 'utf8'))) {
      if (!spec.startsWith('.')) edges.push({ from, to: spec, typeOnly });
      else {
        const to = resolveSpecifier(root, from, spec);
        edges.push(to ? { from, to, typeOnly } : { from, to: relative(root, join(root, dirname(from), spec)), typeOnly, unresolved: true });
      }
    }
  }
  return edges;
}

/** May a file of layer `a` import one of layer `b`? */
export function mayImport(a: Layer, b: Layer, typeOnly: boolean): boolean {
  if (a === 'renderer') return b === 'renderer' || b === 'contract' || b === 'shared';
  if (b === 'renderer') return false;
  if (a === 'contract' && b === 'engine') return typeOnly;
  return LAYERS.indexOf(b) <= LAYERS.indexOf(a);
}

/**
 * Every file a layered file reaches through run-time imports, directly or not, that its layer may not import:
 * one line per offending file, with the chain of imports that leads there.
 */
export function layerViolations(edges: Edge[]): string[] {
  const runtime = new Map<string, string[]>();
  const bad: string[] = [];
  for (const e of edges) {
    const a = layerOf(e.from);
    const b = layerOf(e.to);
    if (!a) continue;
    if (!b) {
      // A relative import out of the app (test/, bench/, scripts/) is as wrong as an upward one.
      if (/^(test|bench|scripts|resources)\//.test(e.to)) bad.push(`${e.from} → ${e.to}`);
      continue;
    }
    if (!mayImport(a, b, e.typeOnly)) bad.push(`${e.from} → ${e.to}${e.typeOnly ? ' (type)' : ''}`);
    if (!e.typeOnly) runtime.set(e.from, [...(runtime.get(e.from) ?? []), e.to]);
  }
  // Indirect: walk the run-time edges from every file; a file that reaches a layer above its own fails with the path.
  for (const start of [...runtime.keys()].sort()) {
    const a = layerOf(start)!;
    const via = new Map<string, string>([[start, '']]);
    const queue = [start];
    while (queue.length) {
      const f = queue.shift()!;
      for (const g of runtime.get(f) ?? []) {
        if (via.has(g)) continue;
        via.set(g, f);
        const b = layerOf(g);
        if (b && !mayImport(a, b, false)) {
          const chain = [g];
          for (let p = f; p; p = via.get(p)!) chain.unshift(p);
          if (chain.length > 2) bad.push(`${start} reaches ${g} (${b}): ${chain.join(' → ')}`);
          continue;
        }
        queue.push(g);
      }
    }
  }
  return [...new Set(bad)];
}

/**
 * File names: camelCase for code (.ts, .mts, .mjs, .js; a dotted role after the stem is allowed: `x.test.ts`,
 * `chart.svelte.ts`, `modules.d.ts`), camelCase folders. Svelte components are PascalCase (`Results.svelte`): that is
 * the Svelte convention (a component is used as a tag, `<Results />`), so they keep it.
 */
export function badFileName(file: string): string | undefined {
  const segs = file.split('/');
  const name = segs.pop()!;
  const dir = segs.find((s) => !/^[a-z][a-zA-Z0-9]*$/.test(s));
  if (dir !== undefined) return `${file}: folder '${dir}' is not camelCase`;
  if (name.endsWith('.svelte')) return /^[A-Z][a-zA-Z0-9]*\.svelte$/.test(name) ? undefined : `${file}: a component is PascalCase`;
  if (/\.(ts|mts|mjs|js)$/.test(name) && !/^[a-z][a-zA-Z0-9]*(\.[a-z][a-zA-Z0-9]*)*$/.test(name)) return `${file}: not camelCase`;
  return undefined;
}

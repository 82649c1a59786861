#!/usr/bin/env node
// Compiles kernels.as (AssemblyScript) to WebAssembly and writes it, base64-encoded, into kernelsWasm.ts, so the
// binary travels with the TypeScript (tsc → dist/, no file paths to resolve at run time). The generated file is
// committed; `npm run build:kernels` regenerates it and test/model/wasmSimdKernels.test.ts checks that a fresh
// compile is byte-identical. `node build.mjs --check` exits 1 when the committed file is stale.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileAs, embedMain, renderEmbedded } from '../../../../scripts/ascEmbed.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, 'kernels.as');
const target = join(here, 'kernelsWasm.ts');

/** asc flags: SIMD on; the memory is tfjs-backend-wasm's (imported), no runtime, no asserts, no data segments. */
// The virtual entry 'kernels.ts' maps to kernels.as (named .as so tsc, which compiles native/**/*.ts, skips it).
const flags = ['-O3', '--noAssert', '--runtime', 'stub', '--importMemory', '--noExportMemory', '--enable', 'simd', '--initialMemory', '0', '--use', 'abort='];

/** Compiles kernels.as; returns the .wasm bytes. */
export async function compileKernels() {
  const wasm = await compileAs(source, flags);
  const module = new WebAssembly.Module(wasm);
  const imports = WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}:${i.kind}`);
  if (imports.join() !== 'env.memory:memory') throw new Error(`kernels.wasm must import only env.memory, got ${imports}`);
  return wasm;
}

/** The TypeScript module holding the binary. */
export function render(wasm) {
  return renderEmbedded(wasm, { exportName: 'kernelsWasmBase64', generator: 'native/tf/wasm/simd/build.mjs', sourceName: 'kernels.as' });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await embedMain(target, async () => render(await compileKernels()));

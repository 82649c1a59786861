#!/usr/bin/env node
// Compiles fir.as (AssemblyScript) to WebAssembly SIMD and writes it, base64-encoded, into firWasm.ts, so the binary
// travels with the TypeScript (tsc → dist/, no file to locate at run time). The generated file is committed;
// `npm run build:kernels` regenerates it, test/audio/resample.test.ts checks that a fresh compile is byte-identical,
// and `node build.mjs --check` exits 1 when the committed file is stale. Same scheme as native/tf/wasm/simd/build.mjs.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileAs, embedMain, renderEmbedded } from '../../../../scripts/ascEmbed.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, 'fir.as');
const target = join(here, 'firWasm.ts');

/** asc flags: SIMD on, no runtime, no asserts; the module exports its own memory (one page to start, grown by the caller). */
const flags = ['-O3', '--noAssert', '--runtime', 'stub', '--enable', 'simd', '--initialMemory', '1', '--use', 'abort='];

/** Compiles fir.as; returns the .wasm bytes. */
export async function compileFir() {
  const wasm = await compileAs(source, flags);
  const module = new WebAssembly.Module(wasm);
  if (WebAssembly.Module.imports(module).length) throw new Error('fir.wasm must not import anything');
  return wasm;
}

/** The TypeScript module holding the binary. */
export function render(wasm) {
  return renderEmbedded(wasm, { exportName: 'firWasmBase64', generator: 'electron/engine/audio/wasm/build.mjs', sourceName: 'fir.as' });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await embedMain(target, async () => render(await compileFir()));

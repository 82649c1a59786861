/**
 * electron-builder configuration, checked offline with electron-builder's own schema validation (the JSON schema
 * its CLI applies before building), plus what the schema cannot know: the pinned Electron version matches
 * package.json, electron itself is kept out of the package, the icon is a real 512×512 PNG.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_MODEL_NAME, builtInModelPath } from '../../electron/engine/training/builtinModel.js';
import { repoRoot } from '../helpers/ser.js';

const require = createRequire(import.meta.url);
// Both come with electron-builder (a devDependency): the YAML loader and the validator it uses itself.
const yaml = require('js-yaml') as { load(s: string): unknown };
const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as { validateConfiguration(cfg: unknown, log: unknown): Promise<void> };
const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };

type Config = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const config = yaml.load(readFileSync(join(repoRoot, 'electron-builder.yml'), 'utf8')) as Config;
const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { optionalDependencies: Record<string, string>; scripts: Record<string, string>; main: string };

describe('electron-builder.yml', () => {
  it('passes electron-builder schema validation, and a typo does not', async () => {
    await expect(validateConfiguration(structuredClone(config), new DebugLogger(false))).resolves.toBeUndefined();
    await expect(validateConfiguration({ ...structuredClone(config), nsis: { oneClik: false } }, new DebugLogger(false))).rejects.toThrow(/oneClik|nsis/);
  });

  it('targets AppImage + deb, NSIS and dmg with the app icon', () => {
    expect(config.linux.target).toEqual(expect.arrayContaining(['AppImage', 'deb']));
    expect(config.win.target).toContain('nsis');
    expect(config.mac.target).toContain('dmg');
    for (const os of ['linux', 'win', 'mac']) expect(config[os].icon).toBe('resources/icon.png');
    expect(pkg.scripts.dist).toMatch(/electron-builder --config electron-builder.yml/);
    expect(config.extraMetadata.main).toBe(pkg.main);
  });

  it('pins the Electron version of package.json and leaves the electron package out', () => {
    const wanted = pkg.optionalDependencies.electron!.replace(/^[\^~]/, '');
    expect(config.electronVersion).toBe(wanted);
    expect(config.files).toContain('!node_modules/electron/**');
  });

  it('ships resources/models beside app.asar, where the engine looks for the built-in model', () => {
    expect(config.extraResources).toContainEqual(expect.objectContaining({ from: 'resources/models', to: 'models' }));
    expect(builtInModelPath({ env: {}, appRoot: '/opt/Vox Affect/resources/app.asar' })).toBe(join('/opt/Vox Affect/resources', 'models', BUILTIN_MODEL_NAME));
  });

  it('has a real 512×512 RGBA PNG icon', () => {
    const png = readFileSync(join(repoRoot, 'resources', 'icon.png'));
    expect(png.subarray(0, 8)).toEqual(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]));
    expect(png.readUInt32BE(16)).toBe(512);
    expect(png.readUInt32BE(20)).toBe(512);
    expect(png[25]).toBe(6); // colour type RGBA
    expect(existsSync(join(repoRoot, 'renderer', 'public', 'icon.png'))).toBe(true);
  });
});

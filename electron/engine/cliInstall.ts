/**
 * Installs the `ser` command for the packaged app: a tiny launcher script that runs the app's own executable
 * as Node (ELECTRON_RUN_AS_NODE=1) on the bundled `bin/ser.js`, so the CLI and the app share one installation,
 * one version and one database. In a checkout, `npx ser` does the same job.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface LauncherOptions {
  /** The executable to run as Node: the Electron app binary (process.execPath in the packaged app). */
  execPath: string;
  /** Absolute path of bin/ser.js inside the app (e.g. <resources>/app.asar/bin/ser.js). */
  serScript: string;
  /** Folder to write the launcher into; default: ~/.local/bin (Linux, macOS) or %LOCALAPPDATA%\VoxAffect\bin (Windows). */
  targetDir?: string;
  platform?: NodeJS.Platform;
}

export interface InstalledLauncher {
  path: string;
  /** Whether targetDir is on PATH; when not, tell the user what to add. */
  onPath: boolean;
  hint?: string;
}

export function defaultLauncherDir(platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return join(process.env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'VoxAffect', 'bin');
  return join(homedir(), '.local', 'bin');
}

/** Quotes for POSIX sh: single quotes, with embedded ones closed and escaped. */
function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function installCliLauncher(opts: LauncherOptions): InstalledLauncher {
  const platform = opts.platform ?? process.platform;
  const dir = opts.targetDir ?? defaultLauncherDir(platform);
  mkdirSync(dir, { recursive: true });
  let path: string;
  if (platform === 'win32') {
    path = join(dir, 'ser.cmd');
    writeFileSync(path, `@echo off\r\nset ELECTRON_RUN_AS_NODE=1\r\n"${opts.execPath}" "${opts.serScript}" %*\r\n`);
  } else {
    path = join(dir, 'ser');
    writeFileSync(path, `#!/bin/sh\n# Vox Affect command line, installed by the app.\nELECTRON_RUN_AS_NODE=1 exec ${shQuote(opts.execPath)} ${shQuote(opts.serScript)} "$@"\n`);
    chmodSync(path, 0o755);
  }
  const sep = platform === 'win32' ? ';' : ':';
  const onPath = (process.env.PATH ?? '').split(sep).some((p) => p.replace(/[\\/]+$/, '') === dir.replace(/[\\/]+$/, ''));
  return onPath ? { path, onPath } : { path, onPath, hint: platform === 'win32' ? `add ${dir} to your user PATH` : `add ${dir} to PATH, e.g. echo 'export PATH="${dir}:$PATH"' >> ~/.profile` };
}

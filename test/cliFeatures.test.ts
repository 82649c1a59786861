import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSer } from './helpers/ser.js';
import { sine, writeWav } from './helpers/wavWriter.js';

const dir = mkdtempSync(join(tmpdir(), 'ser-cli-'));
const wav = join(dir, 'tone.wav');
writeFileSync(wav, writeWav({ sampleRate: 22050, channels: [sine(440, 22050, 2), sine(440, 22050, 2)], encoding: 'pcm24' }));

describe('ser features', () => {
  it('--json prints one object with the 128 × 563 mel dB matrix', async () => {
    const r = await runSer(['features', wav, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const o = JSON.parse(r.stdout) as { file: string; sampleRate: number; samples: number; shape: number[]; melDb: number[][] };
    expect(o.file).toBe(wav);
    expect(o.sampleRate).toBe(48000);
    expect(o.samples).toBe(144000);
    expect(o.shape).toEqual([128, 563]);
    expect(o.melDb.length).toBe(128);
    expect(o.melDb.every((row) => row.length === 563)).toBe(true);
    expect(Math.max(...o.melDb.flat())).toBe(0);
  });

  it('--chunks --json nests 7 × 128 × 128', async () => {
    const r = await runSer(['features', wav, '--json', '--chunks', '--offset', '0', '--duration', '3']);
    expect(r.code, r.stderr).toBe(0);
    const o = JSON.parse(r.stdout) as { shape: number[]; melDb: number[][][] };
    expect(o.shape).toEqual([7, 128, 128]);
    expect(o.melDb).toHaveLength(7);
    expect(o.melDb[6]).toHaveLength(128);
    expect(o.melDb[6]![127]).toHaveLength(128);
  });

  it('prints a human summary without --json', async () => {
    const r = await runSer(['features', wav]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('22050 Hz, 2 channels');
    expect(r.stdout).toContain('128 × 563');
  });

  it('--offset/--duration change the clip length', async () => {
    const r = await runSer(['features', wav, '--json', '--duration', '1']);
    const o = JSON.parse(r.stdout) as { samples: number; shape: number[] };
    expect(o.samples).toBe(48000);
    expect(o.shape).toEqual([128, 188]);
  });

  it('exits 1 naming a missing file, without a stack trace', async () => {
    const r = await runSer(['features', join(dir, 'missing.wav')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/missing\.wav: no such file/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 1 naming a corrupt file', async () => {
    const bad = join(dir, 'bad.wav');
    writeFileSync(bad, Buffer.from('RIFF\x10\x00\x00\x00WAVEfmt '));
    const r = await runSer(['features', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('bad.wav');
  });

  it('exits 2 with one line on bad options', async () => {
    for (const args of [['features', wav, '--offset', 'soon'], ['features', wav, '--bogus'], ['features']]) {
      const r = await runSer(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('has --help', async () => {
    const r = await runSer(['features', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--chunks');
  });
});

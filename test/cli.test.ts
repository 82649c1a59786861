import { describe, expect, it } from 'vitest';
import { runSer } from './helpers/ser.js';

describe('ser CLI contract', () => {
  it('prints the version', async () => {
    const r = await runSer(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
  it('prints help listing the verbs', async () => {
    const r = await runSer(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('features');
  });
  it('exits 2 with one line on an unknown verb', async () => {
    const r = await runSer(['no-such-verb']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('no-such-verb');
  });
});

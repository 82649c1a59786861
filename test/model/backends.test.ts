/** Backend selection: order, fallback reasons (tfjs-node cannot install here), forcing, and `ser backends`. */
import { describe, expect, it } from 'vitest';
import { listBackends, selectBackend } from '../../native/tf/backends.js';
import { runSer } from '../helpers/ser.js';

describe('backends', () => {
  it('lists every backend with a reason for each unavailable one', async () => {
    const list = await listBackends();
    expect(list.map((b) => b.name)).toEqual(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']);
    for (const b of list) {
      if (!b.available) expect(b.reason, b.name).toMatch(/\S/);
    }
    // The portable backends always load.
    expect(list.find((b) => b.name === 'wasm')?.available).toBe(true);
    expect(list.find((b) => b.name === 'cpu')?.available).toBe(true);
  });

  it('auto-selection skips the backends that fail, recording why, and picks the first that loads', async () => {
    const list = await listBackends();
    const sel = await selectBackend();
    const firstOk = list.find((b) => b.available)!.name;
    expect(sel.name).toBe(firstOk);
    const skipped = list.slice(0, list.findIndex((b) => b.name === firstOk));
    expect(sel.skipped.map((s) => s.name)).toEqual(skipped.map((s) => s.name));
    for (const s of sel.skipped) expect(s.reason).toBe(skipped.find((b) => b.name === s.name)!.reason);
  });

  it('forcing a backend that cannot load throws SerError code "backend" with the reason', async () => {
    const list = await listBackends();
    const broken = list.find((b) => !b.available);
    if (!broken) return; // every backend loads on this machine: nothing to assert
    await expect(selectBackend({ backend: broken.name })).rejects.toMatchObject({ code: 'backend', message: expect.stringContaining(broken.reason!) });
  });

  it('tfjs-node(-gpu) not being installed is reported as such', async () => {
    const list = await listBackends();
    for (const b of list.filter((x) => x.name.startsWith('tensorflow') && !x.available)) {
      expect(b.reason).toMatch(/tfjs-node|libtensorflow|cuda|\.so/i);
    }
  });

  it('`ser backends --json` prints the list with the selected one, and forcing a broken backend exits 1', async () => {
    const r = await runSer(['backends', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { backends: { name: string; available: boolean; reason?: string; selected?: boolean }[] };
    expect(out.backends).toHaveLength(4);
    expect(out.backends.filter((b) => b.selected)).toHaveLength(1);
    const broken = out.backends.find((b) => !b.available);
    if (broken) {
      const f = await runSer(['bench', 'train', '--backend', broken.name, '--steps', '1']);
      expect(f.code).toBe(1);
      expect(f.stderr).toMatch(new RegExp(`backend '${broken.name}' cannot be used`));
    }
    const u = await runSer(['bench', 'train', '--backend', 'tpu']);
    expect(u.code).toBe(2);
  });
});

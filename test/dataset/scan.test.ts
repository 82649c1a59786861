import { chmodSync, mkdtempSync, writeFileSync, utimesSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanDataset, detectFormat } from '../../electron/engine/dataset/scan.js';
import { parseRavdess, labelFromFolder } from '../../electron/engine/dataset/formats.js';
import { runSer, sharedDir, sharedSkipReason } from '../helpers/ser.js';
import { clip, put, ravdessTree } from '../helpers/trees.js';
import { writeWav } from '../helpers/wavWriter.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'ser-scan-'));

describe('RAVDESS names', () => {
  it('reads all seven fields and gender', () => {
    expect(parseRavdess('03-01-06-02-01-02-13')).toEqual({
      modality: 'audio-only', vocalChannel: 'speech', emotion: 'fearful', intensity: 'strong',
      statement: 'Kids are talking by the door', repetition: 2, speaker: '13', gender: 'male',
    });
    expect(parseRavdess('03-02-03-01-02-01-24')?.vocalChannel).toBe('song');
    expect(parseRavdess('03-02-03-01-02-01-24')?.gender).toBe('female');
    expect(parseRavdess('03-01-09-01-01-01-01')).toBeUndefined();
    expect(parseRavdess('my-file')).toBeUndefined();
  });
});

describe('scanDataset', () => {
  it('reports a full RAVDESS speech layout: 1440 files, 24 × 60 speakers, neutral 96, others 192; song excluded', async () => {
    const root = tmp();
    ravdessTree(root, 24, 2);
    const { summary } = await scanDataset(root);
    expect(summary.format).toBe('ravdess');
    expect(summary.files).toBe(1440 + 48);
    expect(summary.usable).toBe(1440);
    expect(Object.keys(summary.bySpeaker)).toHaveLength(24);
    expect(Object.values(summary.bySpeaker).every((n) => n === 60)).toBe(true);
    expect(summary.byEmotion).toEqual({ neutral: 96, calm: 192, happy: 192, sad: 192, angry: 192, fearful: 192, disgust: 192, surprised: 192 });
    expect(summary.byVocalChannel).toEqual({ speech: 1440, song: 48 });
    expect(summary.problems).toEqual([]);
    const withSong = await scanDataset(root, { includeSong: true });
    expect(withSong.summary.usable).toBe(1488);
    expect(withSong.summary.byEmotion.happy).toBe(192 + 48);
  }, 120_000);

  (sharedDir ? it : it.skip)('scans the real RAVDESS dev subset (actors 01–04)', async () => {
    const { summary, files } = await scanDataset(join(sharedDir!, 'data', 'ravdess-dev'));
    expect(summary.files).toBe(240);
    expect(summary.usable).toBe(240);
    expect(summary.bySpeaker).toEqual({ '01': 60, '02': 60, '03': 60, '04': 60 });
    expect(summary.byEmotion).toEqual({ neutral: 16, calm: 32, happy: 32, sad: 32, angry: 32, fearful: 32, disgust: 32, surprised: 32 });
    expect(summary.problems).toEqual([]);
    const stereo = files.find((f) => f.path.endsWith('03-01-02-01-01-02-01.wav'))!;
    expect(stereo.channels).toBe(2);
    expect(stereo.sampleRate).toBe(48000);
  });
  if (!sharedDir) console.warn(`RAVDESS dev subset test skipped: ${sharedSkipReason}`);

  it('reads folder-per-label datasets with the usual label spellings', async () => {
    const root = tmp();
    const names = { Anger: 'angry', fear: 'fearful', pleasant_surprise: 'surprised', Happiness: 'happy', '03-sad': 'sad', neutral: 'neutral', calm: 'calm', disgusted: 'disgust' } as const;
    for (const folder of Object.keys(names)) for (let i = 0; i < 3; i++) put(root, `${folder}/clip${i}.wav`, clip());
    put(root, 'misc/unlabelled.wav', clip());
    put(root, 'README.txt', 'not audio, ignored');
    const { summary } = await scanDataset(root);
    expect(summary.format).toBe('folders');
    expect(summary.files).toBe(25);
    expect(summary.usable).toBe(24);
    for (const e of Object.values(names)) expect(summary.byEmotion[e]).toBe(3);
    expect(summary.problems).toHaveLength(1);
    expect(summary.problems[0]!.file).toBe('misc/unlabelled.wav');
    expect(summary.problems[0]!.reason).toMatch(/cannot tell the emotion/);
    expect(labelFromFolder('PS')).toBe('surprised');
  });

  it('recognises CREMA-D, TESS and SAVEE names and maps their labels', async () => {
    const crema = tmp();
    for (const [f, e] of [['1001_DFA_ANG_XX', 'angry'], ['1002_IEO_HAP_HI', 'happy'], ['1003_TIE_FEA_LO', 'fearful'], ['1004_MTI_DIS_MD', 'disgust'], ['1005_WSI_NEU_XX', 'neutral'], ['1006_TAI_SAD_XX', 'sad']] as const) {
      put(crema, `AudioWAV/${f}.wav`, clip());
      void e;
    }
    const c = await scanDataset(crema);
    expect(c.summary.format).toBe('crema-d');
    expect(c.summary.byEmotion).toMatchObject({ angry: 1, happy: 1, fearful: 1, disgust: 1, neutral: 1, sad: 1, calm: 0, surprised: 0 });
    expect(Object.keys(c.summary.bySpeaker)).toEqual(['1001', '1002', '1003', '1004', '1005', '1006']);

    const tess = tmp();
    for (const f of ['OAF_back_angry', 'OAF_bar_ps', 'YAF_dog_fear', 'YAF_date_neutral', 'OAF_bath_disgust', 'YAF_food_happy', 'OAF_cab_sad']) put(tess, `TESS/${f}.wav`, clip());
    const t = await scanDataset(tess);
    expect(t.summary.format).toBe('tess');
    expect(t.summary.byEmotion).toMatchObject({ angry: 1, surprised: 1, fearful: 1, neutral: 1, disgust: 1, happy: 1, sad: 1 });
    expect(t.summary.bySpeaker).toEqual({ OAF: 4, YAF: 3 });

    const savee = tmp();
    for (const f of ['DC_a01', 'DC_sa02', 'JE_su03', 'JK_n04', 'KL_h05', 'KL_f01', 'JE_d02']) put(savee, `${f}.wav`, clip());
    const s = await scanDataset(savee);
    expect(s.summary.format).toBe('savee');
    expect(s.summary.byEmotion).toMatchObject({ angry: 1, sad: 1, surprised: 1, neutral: 1, happy: 1, fearful: 1, disgust: 1 });
    expect(detectFormat(['DC_a01', 'x', 'y'])).toBe('folders');
  });

  it('lists every kind of bad file as a problem and keeps scanning', async () => {
    const root = tmp();
    ravdessTree(root, 1);
    put(root, 'Actor_02/03-01-01-01-01-01-02.wav', new Uint8Array(0)); // empty
    put(root, 'Actor_02/03-01-02-01-01-01-02.wav', 'this is not audio at all, just text in a wav name'); // not audio
    const good = clip(1.0);
    put(root, 'Actor_02/03-01-03-01-01-01-02.wav', good.subarray(0, 30)); // truncated header
    put(root, 'Actor_02/03-01-04-01-01-01-02.wav', good.subarray(0, good.length - 4000)); // truncated data
    put(root, 'Actor_02/03-01-05-01-01-01-02.wav', writeWav({ sampleRate: 8000, channels: [new Float64Array(8000)], encoding: 'pcm16' })); // silent
    put(root, 'Actor_02/03-01-06-01-01-01-02.wav', clip(0.3)); // shorter than the offset
    const locked = put(root, 'Actor_02/03-01-07-01-01-01-02.wav', clip());
    if (process.getuid?.() !== 0) chmodSync(locked, 0);
    const { summary } = await scanDataset(root);
    expect(summary.usable).toBe(60 + (process.getuid?.() === 0 ? 1 : 0));
    const reasons = Object.fromEntries(summary.problems.map((p) => [p.file.split('/')[1]!.slice(6, 8), p.reason]));
    expect(reasons['01']).toMatch(/empty file/);
    expect(reasons['02']).toMatch(/not a recognised audio file/);
    expect(reasons['03']).toMatch(/truncated/);
    expect(reasons['04']).toMatch(/truncated: the audio data stops/);
    expect(reasons['05']).toMatch(/silent/);
    expect(reasons['06']).toMatch(/too short/);
    if (process.getuid?.() !== 0) expect(reasons['07']).toMatch(/permission denied/);
    for (const p of summary.problems) expect(p.reason).not.toContain(root); // the file is named once, by the entry
  });

  it('changes the fingerprint when a file is added, removed or changed — and only then', async () => {
    const root = tmp();
    ravdessTree(root, 1);
    const statCacheFile = join(root, '..', `${root.split('/').pop()}-stat.json`);
    const fp = async () => (await scanDataset(root, { statCacheFile })).summary.fingerprint;
    const a = await fp();
    expect(await fp()).toBe(a);
    const extra = put(root, 'Actor_01/03-01-02-02-02-02-01-copy.wav', clip());
    const b = await fp();
    expect(b).not.toBe(a);
    const { unlinkSync } = await import('node:fs');
    unlinkSync(extra);
    expect(await fp()).toBe(a);
    // Same size, new content, mtime moved: the stat cache must not hide it.
    const target = join(root, 'Actor_01/03-01-01-01-01-01-01.wav');
    const bytes = readFileSync(target);
    bytes[100] = bytes[100]! ^ 0xff;
    writeFileSync(target, bytes);
    utimesSync(target, new Date(), new Date(Date.now() + 5000));
    expect(await fp()).not.toBe(a);
  });

  it('fails clearly on a missing or empty folder (CLI exit 1)', async () => {
    await expect(scanDataset('/no/such/folder')).rejects.toThrow(/no such folder/);
    const empty = tmp();
    await expect(scanDataset(empty)).rejects.toThrow(/no audio files found/);
    const r = await runSer(['dataset', 'scan', '/no/such/folder', '--no-save']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\/no\/such\/folder: no such folder/);
  });
});

describe('ser dataset scan --json', () => {
  it('prints the contract object and records the dataset in the database', async () => {
    const root = tmp();
    ravdessTree(root, 2, 1);
    put(root, 'Actor_01/junk.wav', 'garbage');
    const db = join(tmp(), 'x.db');
    const r = await runSer(['dataset', 'scan', root, '--json', '--db', db], { env: { SER_DATA_DIR: tmp() } });
    expect(r.code, r.stderr).toBe(0);
    const o = JSON.parse(r.stdout);
    expect(Object.keys(o).sort()).toEqual(['byEmotion', 'bySpeaker', 'byVocalChannel', 'files', 'fingerprint', 'format', 'problems', 'root', 'usable'].sort());
    expect(o).toMatchObject({ root, format: 'ravdess', files: 123, usable: 120, bySpeaker: { '01': 60, '02': 60 }, byVocalChannel: { speech: 120, song: 2 } });
    expect(o.problems).toEqual([{ file: 'Actor_01/junk.wav', reason: expect.stringMatching(/not a recognised audio file/) }]);
    expect(o.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    const { openStore } = await import('../../electron/engine/store/index.js');
    const store = openStore(db);
    try {
      const ds = store.datasets.getByRoot(root)!;
      expect(ds.fingerprint).toBe(o.fingerprint);
      expect(store.datasets.files(ds.id, { usableOnly: true })).toHaveLength(120);
    } finally {
      store.close();
    }
  });
});

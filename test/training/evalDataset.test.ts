/**
 * `ser eval --model --data`: a tiny model trained here (1 epoch on the RAVDESS dev subset) evaluated on the dev
 * subset, a speaker subset, and TESS-named and folder-per-label trees made of dev clips — built CLI, real files,
 * real feature cache.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, copyFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadClip } from '../../electron/engine/audio/load.js';
import { EMOTIONS } from '../../electron/shared/labels.js';
import { runSer, sharedDir, sharedSkipReason } from '../helpers/ser.js';
import { writeWav } from '../helpers/wavWriter.js';

interface ClassRow {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}
interface EvalJson {
  model: string;
  runId: number | null;
  data: string;
  format: string;
  speakers: string[];
  files: number;
  accuracy: number;
  uar: number;
  macroF1: number;
  weightedF1: number;
  labels: string[];
  confusion: number[][];
  perClass: Record<string, ClassRow>;
  presentClasses: string[];
  absentClasses: string[];
  labelMap: Record<string, string>;
  skipped: Array<{ file: string; reason: string }>;
  features: { cached: number; computed: number };
  timing: Record<string, number>;
  windowOffsets: number[];
}

const tmp = mkdtempSync(join(tmpdir(), 'ser-eval-data-'));
const db = join(tmp, 'experiments.db');
const env = { SER_DATA_DIR: join(tmp, 'data'), SER_DB: db };
const dev = sharedDir ? join(sharedDir, 'data', 'ravdess-dev') : '';
const TINY = '{"filters":[4,4,4,4],"lstmUnits":8}';
const sum = (m: number[][]) => m.flat().reduce((a, b) => a + b, 0);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Metrics recomputed from the confusion matrix, averaging over the given classes only. */
function fromConfusion(c: number[][], present: string[]): { uar: number; macroF1: number } {
  const idx = present.map((e) => EMOTIONS.indexOf(e as (typeof EMOTIONS)[number]));
  const recall = (i: number) => c[i]![i]! / c[i]!.reduce((a, b) => a + b, 0);
  const precision = (i: number) => {
    const col = c.reduce((a, row) => a + row[i]!, 0);
    return col ? c[i]![i]! / col : 0;
  };
  const f1 = (i: number) => (precision(i) + recall(i) > 0 ? (2 * precision(i) * recall(i)) / (precision(i) + recall(i)) : 0);
  return { uar: mean(idx.map(recall)), macroF1: mean(idx.map(f1)) };
}

async function evalJson(args: string[], extraEnv: Record<string, string> = {}): Promise<EvalJson> {
  const r = await runSer(['eval', ...args, '--json'], { env: { ...env, ...extraEnv } });
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout.trim().split('\n')).toHaveLength(1);
  return JSON.parse(r.stdout) as EvalJson;
}

(sharedDir ? describe : describe.skip)('ser eval --model --data', () => {
  let runId = 0;
  let modelDir = '';
  const tess = join(tmp, 'tess');
  const folders = join(tmp, 'folders');

  beforeAll(async () => {
    const r = await runSer(['train', '--data', dev, '--split', 'speaker', '--test-speakers', '4', '--val-speakers', '3', '--epochs', '1', '--batch-size', '16', '--augment-copies', '0', '--optimizer', 'adam', '--model', TINY, '--json'], { env, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    const fin = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { event: string; runId: number; modelDir: string };
    expect(fin.event).toBe('finished');
    runId = fin.runId;
    modelDir = fin.modelDir;

    // TESS names (no calm; fear → fearful, ps → surprised), two clips each, plus a class the app lacks.
    mkdirSync(tess);
    const tessCodes: Record<string, string> = { neutral: '01', happy: '03', sad: '04', angry: '05', fear: '06', disgust: '07', ps: '08' };
    for (const [word, code] of Object.entries(tessCodes)) {
      symlinkSync(join(dev, 'Actor_01', `03-01-${code}-01-01-01-01.wav`), join(tess, `OAF_back_${word}.wav`));
      symlinkSync(join(dev, 'Actor_02', `03-01-${code}-01-02-01-02.wav`), join(tess, `YAF_bar_${word}.wav`));
    }
    symlinkSync(join(dev, 'Actor_01', '03-01-02-01-01-01-01.wav'), join(tess, 'OAF_bean_boredom.wav'));

    // Folder per label, with a synonym folder (Anger), an unknown class (boredom) and a copied (not linked) file.
    for (const d of ['angry', 'Anger', 'sad', 'boredom']) mkdirSync(join(folders, d), { recursive: true });
    symlinkSync(join(dev, 'Actor_03', '03-01-05-01-01-01-03.wav'), join(folders, 'angry', 'a1.wav'));
    symlinkSync(join(dev, 'Actor_03', '03-01-05-02-01-01-03.wav'), join(folders, 'Anger', 'a2.wav'));
    copyFileSync(join(dev, 'Actor_03', '03-01-04-01-01-01-03.wav'), join(folders, 'sad', 's1.wav'));
    symlinkSync(join(dev, 'Actor_03', '03-01-04-02-02-01-03.wav'), join(folders, 'sad', 's2.wav'));
    symlinkSync(join(dev, 'Actor_03', '03-01-02-01-01-01-03.wav'), join(folders, 'boredom', 'b1.wav'));
  }, 120_000);

  it('scores every usable file of the dev subset, in the contract shape', async () => {
    const o = await evalJson(['--model', modelDir, '--data', dev]);
    expect(Object.keys(o)).toEqual(expect.arrayContaining(['accuracy', 'uar', 'macroF1', 'labels', 'confusion', 'perClass', 'files', 'skipped', 'absentClasses', 'presentClasses', 'labelMap']));
    expect(o.files).toBe(240);
    expect(sum(o.confusion)).toBe(240);
    expect(o.labels).toEqual([...EMOTIONS]);
    expect(o.confusion).toHaveLength(8);
    expect(o.format).toBe('ravdess');
    expect(o.speakers).toEqual(['01', '02', '03', '04']);
    expect(o.skipped).toEqual([]);
    expect(o.absentClasses).toEqual([]);
    expect(o.presentClasses).toEqual([...EMOTIONS]);
    expect(o.labelMap).toMatchObject({ '01': 'neutral', '02': 'calm', '08': 'surprised' });
    expect(o.perClass.neutral!.support).toBe(16);
    expect(o.perClass.calm!.support).toBe(32);
    expect(o.accuracy).toBeCloseTo(o.confusion.reduce((a, row, i) => a + row[i]!, 0) / 240, 12);
    // The training run cached these features: nothing to compute.
    expect(o.features).toMatchObject({ cached: 240, computed: 0 });
    expect(Object.keys(o.timing).sort()).toEqual(['featuresMs', 'loadMs', 'predictMs', 'scanMs']);
    expect(o.runId).toBe(runId);
  });

  it('a run id as --model with --speakers 4 reproduces the run\'s own test evaluation exactly', async () => {
    const o = await evalJson(['--model', String(runId), '--data', dev, '--speakers', '4']);
    expect(o.files).toBe(60);
    expect(o.speakers).toEqual(['04']);
    const r = await runSer(['eval', String(runId), '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    const stored = JSON.parse(r.stdout) as { accuracy: number; uar: number; macroF1: number; confusion: number[][]; perClass: Record<string, ClassRow> };
    expect(o.confusion).toEqual(stored.confusion);
    expect(o.accuracy).toBeCloseTo(stored.accuracy, 12);
    expect(o.uar).toBeCloseTo(stored.uar, 12);
    expect(o.macroF1).toBeCloseTo(stored.macroF1, 12);
  });

  it('--mel-norm utterance: stored with the run and its model; evaluation and classify read the features as training did', async () => {
    const r = await runSer(['train', '--data', dev, '--split', 'speaker', '--test-speakers', '4', '--val-speakers', '3', '--epochs', '1', '--batch-size', '16', '--augment-copies', '0', '--optimizer', 'adam', '--model', TINY, '--mel-norm', 'utterance', '--json'], { env, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    const fin = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { runId: number; modelDir: string };
    const shown = JSON.parse((await runSer(['runs', 'show', String(fin.runId), '--json'], { env })).stdout) as { config: { melNorm?: string } };
    expect(shown.config.melNorm).toBe('utterance');
    const meta = JSON.parse(readFileSync(join(fin.modelDir, 'metadata.json'), 'utf8')) as { featureConfig: { melNorm?: string } };
    expect(meta.featureConfig.melNorm).toBe('utterance');
    // The model on its test speaker, features made again from the metadata: the run's own test evaluation, exactly.
    const o = await evalJson(['--model', String(fin.runId), '--data', dev, '--speakers', '4']);
    const stored = JSON.parse((await runSer(['eval', String(fin.runId), '--json'], { env })).stdout) as { confusion: number[][] };
    expect(o.confusion).toEqual(stored.confusion);
    // The same weights without the normalisation in their metadata hear something else: classify reads the field.
    const clip = join(dev, 'Actor_04', readdirSync(join(dev, 'Actor_04')).sort()[0]!);
    const bare = join(tmp, 'mel-norm-dropped');
    cpSync(fin.modelDir, bare, { recursive: true });
    const { melNorm: _dropped, ...plainFeatures } = meta.featureConfig;
    writeFileSync(join(bare, 'metadata.json'), JSON.stringify({ ...meta, featureConfig: plainFeatures }));
    const probs = async (model: string) => {
      const c = await runSer(['classify', '--model', model, '--json', clip], { env });
      expect(c.code, c.stderr).toBe(0);
      return (JSON.parse(c.stdout) as { probs: Record<string, number> }).probs;
    };
    expect(await probs(bare)).not.toEqual(await probs(fin.modelDir));
    // A normalisation this app does not know is refused in one line, not ignored.
    const unknown = join(tmp, 'mel-norm-unknown');
    cpSync(fin.modelDir, unknown, { recursive: true });
    writeFileSync(join(unknown, 'metadata.json'), JSON.stringify({ ...meta, featureConfig: { ...meta.featureConfig, melNorm: 'speaker' } }));
    const refused = await runSer(['classify', '--model', unknown, '--json', clip], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(new RegExp(`${unknown}: the model's features use a mel normalisation this app does not know \\("speaker"`));
  });

  it('--test-of: the test part of a random split made again; --split-seed shares one split between seeds', async () => {
    // Two runs with different seeds sharing split seed 3 (as the members of an ensemble on the paper's split).
    const trainRandom = async (seed: string) => {
      const r = await runSer(['train', '--data', dev, '--split', 'random', '--seed', seed, '--split-seed', '3', '--epochs', '1', '--batch-size', '16', '--augment-copies', '0', '--optimizer', 'adam', '--model', TINY, '--json'], { env, timeoutMs: 120_000 });
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { runId: number };
    };
    const a = await trainRandom('5');
    const b = await trainRandom('6');
    type Shown = { id: number; seed: number; split: { kind: string; seed: number; testFiles: number } };
    const byId = new Map<number, Shown>();
    for (const id of [a.runId, b.runId]) byId.set(id, JSON.parse((await runSer(['runs', 'show', String(id), '--json'], { env })).stdout) as Shown);
    expect(byId.get(a.runId)!.seed).toBe(5);
    expect(byId.get(b.runId)!.seed).toBe(6);
    expect(byId.get(a.runId)!.split).toMatchObject({ kind: 'random', seed: 3 });
    expect(byId.get(b.runId)!.split).toMatchObject({ kind: 'random', seed: 3 });
    // The run's own model on its own test part = its stored test evaluation, confusion for confusion.
    const own = await evalJson(['--model', String(b.runId), '--test-of', String(b.runId)]);
    const stored = JSON.parse((await runSer(['eval', String(b.runId), '--json'], { env })).stdout) as { confusion: number[][]; accuracy: number };
    expect(own.confusion).toEqual(stored.confusion);
    expect(own.accuracy).toBeCloseTo(stored.accuracy, 12);
    expect(own.files).toBe(byId.get(b.runId)!.split.testFiles);
    expect(own.files).toBe(23); // 10 % of each emotion, rounded: 2 neutral + 7 × 3
    expect(own.speakers).toEqual(['01', '02', '03', '04']);
    expect((own as unknown as { testOf: unknown }).testOf).toEqual({ runId: b.runId, split: 'random', seed: 3, files: 23 });
    // Run a's model on b's test part: the same 23 files, since the split seed is shared, and its own stored figure.
    const crossed = await evalJson(['--model', String(a.runId), '--test-of', String(b.runId)]);
    const storedA = JSON.parse((await runSer(['eval', String(a.runId), '--json'], { env })).stdout) as { confusion: number[][] };
    expect(crossed.confusion).toEqual(storedA.confusion);
    // The dataset split preview takes the same flag: seed 99 with split seed 3 is split seed 3.
    const preview = async (args: string[]) => JSON.parse((await runSer(['dataset', 'split', dev, '--split', 'random', ...args, '--json'], { env })).stdout) as { seed: number; test: unknown };
    const p3 = await preview(['--seed', '3']);
    const p99 = await preview(['--seed', '99', '--split-seed', '3']);
    expect(p99.seed).toBe(3);
    expect(p99.test).toEqual(p3.test);
    expect((await preview(['--seed', '99'])).seed).toBe(99);
    // Its mistakes: one line each.
    const cases: Array<[string[], number, RegExp]> = [
      [['--model', modelDir, '--test-of', String(b.runId), '--speakers', '4'], 2, /--test-of and --speakers/],
      [['--test-of', String(b.runId)], 2, /--test-of needs --model/],
      [['--model', modelDir, '--test-of', '999'], 1, /no run with id 999/],
      [['--model', modelDir, '--test-of', String(b.runId), '--data', tess], 1, new RegExp(`${tess}: not the data run ${b.runId} was trained on`)],
    ];
    for (const [args, code, msg] of cases) {
      const r = await runSer(['eval', ...args], { env });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(code);
      expect(r.stderr.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr.trimEnd(), args.join(' ')).toMatch(msg);
    }
    const bad = await runSer(['train', '--data', dev, '--split-seed', '-1', '--epochs', '1'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--split-seed must be ≥ 0/);
  }, 240_000);

  it('computes missing features on workers once; a second evaluation reads them from the cache', async () => {
    const fresh = { SER_DATA_DIR: join(tmp, 'fresh-data') };
    const first = await evalJson(['--model', modelDir, '--data', dev, '--speakers', '01,2'], fresh);
    expect(first.files).toBe(120);
    expect(sum(first.confusion)).toBe(120);
    expect(first.speakers).toEqual(['01', '02']);
    expect(first.features).toMatchObject({ cached: 0, computed: 120 });
    const second = await evalJson(['--model', modelDir, '--data', dev, '--speakers', '01,2'], fresh);
    expect(second.features).toMatchObject({ cached: 120, computed: 0 });
    expect(second.confusion).toEqual(first.confusion);
  });

  it('a TESS-named tree: calm absent and out of UAR / macro F1, TESS names mapped, unknown class skipped', async () => {
    const o = await evalJson(['--model', modelDir, '--data', tess]);
    expect(o.format).toBe('tess');
    expect(o.files).toBe(14);
    expect(sum(o.confusion)).toBe(14);
    expect(o.absentClasses).toEqual(['calm']);
    expect(o.presentClasses).toEqual(EMOTIONS.filter((e) => e !== 'calm'));
    expect(o.labelMap).toEqual({ neutral: 'neutral', happy: 'happy', sad: 'sad', angry: 'angry', fear: 'fearful', disgust: 'disgust', ps: 'surprised' });
    expect(o.speakers).toEqual(['OAF', 'YAF']);
    expect(o.skipped).toEqual([{ file: 'OAF_bean_boredom.wav', reason: expect.stringMatching(/cannot tell the emotion/) }]);
    const want = fromConfusion(o.confusion, o.presentClasses);
    expect(o.uar).toBeCloseTo(want.uar, 12);
    expect(o.macroF1).toBeCloseTo(want.macroF1, 12);
    // Accuracy counts every file, calm predictions included (as errors).
    expect(o.accuracy).toBeCloseTo(o.confusion.reduce((a, row, i) => a + row[i]!, 0) / 14, 12);
    expect(o.perClass.calm!.support).toBe(0);
  });

  it('a folder-per-label tree: synonyms mapped, six classes absent, an unknown label folder skipped with its name', async () => {
    const o = await evalJson(['--model', modelDir, '--data', folders]);
    expect(o.format).toBe('folders');
    expect(o.files).toBe(4);
    expect(sum(o.confusion)).toBe(4);
    expect(o.presentClasses).toEqual(['sad', 'angry']);
    expect(o.absentClasses).toEqual(['neutral', 'calm', 'happy', 'fearful', 'disgust', 'surprised']);
    expect(o.labelMap).toEqual({ sad: 'sad', Anger: 'angry', angry: 'angry' });
    expect(o.skipped).toEqual([{ file: 'boredom/b1.wav', reason: expect.stringMatching(/^label 'boredom' \(its folder\) is not one of the app's 8 emotions/) }]);
    const want = fromConfusion(o.confusion, o.presentClasses);
    expect(o.uar).toBeCloseTo(want.uar, 12);
    expect(o.macroF1).toBeCloseTo(want.macroF1, 12);
    expect(o.speakers).toEqual([]);
  });

  it('prints the metrics table with the label mapping for humans', async () => {
    const r = await runSer(['eval', '--model', String(runId), '--data', tess], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/accuracy \d+\.\d%\s+UAR \d+\.\d%\s+macro F1 \d\.\d{3}/);
    expect(r.stdout).toMatch(/calm\s+absent from the data\s+0/);
    expect(r.stdout).toContain('labels (tess → app): neutral, happy, sad, angry, fear → fearful, disgust, ps → surprised');
    expect(r.stdout).toMatch(/absent from the data: calm — left out of UAR and macro F1/);
    expect(r.stdout).toContain('confusion (rows = true, columns = predicted)');
    expect(r.stdout).toMatch(/skipped 1 file:\n\s+OAF_bean_boredom\.wav: /);
  });

  it('--window-offsets: each file over several 3 s windows, the mean log-probability of what each window gives alone', async () => {
    const clips = ['03-01-05-01-01-01-04.wav', '03-01-03-02-02-01-04.wav'].map((f) => join(dev, 'Actor_04', f));
    const classify = async (offsets: string) => {
      const r = await runSer(['classify', ...clips, '--model', modelDir, '--window-offsets', offsets, '--json'], { env });
      expect(r.code, r.stderr).toBe(0);
      return r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { file: string; top: string; probs: Record<string, number> });
    };
    const [one, two, three, both] = await Promise.all([classify('0.3'), classify('0.5'), classify('0.7'), classify('0.7,0.3,0.5')]);
    clips.forEach((_, k) => {
      const logs = EMOTIONS.map((e) => (Math.log(one[k]!.probs[e]!) + Math.log(two[k]!.probs[e]!) + Math.log(three[k]!.probs[e]!)) / 3);
      const z = logs.reduce((a, l) => a + Math.exp(l), 0);
      EMOTIONS.forEach((e, i) => expect(both[k]!.probs[e]!).toBeCloseTo(Math.exp(logs[i]!) / z, 5));
      // The windows differ: the combination is not just one of them.
      expect(one[k]!.probs.angry).not.toBeCloseTo(three[k]!.probs.angry!, 6);
    });
    // A model without windowOffsets reads the one window training read (0.5 s).
    const r = await runSer(['classify', clips[0]!, '--model', modelDir, '--json'], { env });
    expect((JSON.parse(r.stdout) as { probs: Record<string, number> }).probs.angry).toBeCloseTo(two[0]!.probs.angry!, 6);

    const single = await evalJson(['--model', modelDir, '--data', dev, '--speakers', '4']);
    expect(single.windowOffsets).toEqual([0.5]);
    const multi = await evalJson(['--model', modelDir, '--data', dev, '--speakers', '4', '--window-offsets', '0.3,0.5,0.7']);
    expect(multi.windowOffsets).toEqual([0.3, 0.5, 0.7]);
    expect(multi.files).toBe(60);
    // 0.5 s was cached by training; 0.3 and 0.7 s are new windows, computed once.
    expect(multi.features).toEqual({ cached: 60, computed: 120 });
    expect(sum(multi.confusion)).toBe(60);

    for (const bad of ['0.3,x', '-1', '0.5,0.5', '']) {
      const e = await runSer(['eval', '--model', modelDir, '--data', dev, '--window-offsets', bad], { env });
      expect(e.code, `${bad}: ${e.stderr}`).toBe(2);
      expect(e.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(e.stderr).toMatch(/^ser: --window-offsets: /);
    }
  });

  it('a window starting past a file\'s end is left out alike by classify and eval: not computed, not scored', async () => {
    // Two 0.62 s files of speech (cut from dev clips by the test's own WAV writer): windows 0.3 and 0.5 s start
    // inside them, 0.7 s past their end.
    const short = join(tmp, 'short');
    const files: Record<string, string> = { angry: '03-01-05-01-01-01-04.wav', happy: '03-01-03-02-02-01-04.wav' };
    const paths: string[] = [];
    for (const [label, name] of Object.entries(files)) {
      const clip = await loadClip(join(dev, 'Actor_04', name), { sampleRate: 48000, offset: 1.0, duration: 0.62 });
      mkdirSync(join(short, label), { recursive: true });
      paths.push(join(short, label, 'clip.wav'));
      writeFileSync(paths.at(-1)!, writeWav({ sampleRate: 48000, channels: [clip.samples], encoding: 'pcm16' }));
    }
    const classify = async (offsets: string) => {
      const r = await runSer(['classify', ...paths, '--model', modelDir, '--window-offsets', offsets, '--json'], { env });
      expect(r.code, r.stderr).toBe(0);
      return r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { top: string; probs: Record<string, number> });
    };
    const [inside, all, last] = await Promise.all([classify('0.3,0.5'), classify('0.3,0.5,0.7'), classify('0.7')]);
    paths.forEach((_, k) => {
      EMOTIONS.forEach((e) => expect(all[k]!.probs[e]!).toBeCloseTo(inside[k]!.probs[e]!, 6));
      // Alone, a window past the end is still read (as silence): a file is never left unclassified.
      expect(last[k]!.probs.angry).not.toBeCloseTo(inside[k]!.probs.angry!, 6);
    });

    const r = await evalJson(['--model', modelDir, '--data', short, '--window-offsets', '0.3,0.5,0.7']);
    expect(r.files).toBe(2);
    expect(r.features).toEqual({ cached: 0, computed: 4 });
    // Each file's predicted class is classify's.
    Object.keys(files).forEach((label, k) => {
      const row = r.confusion[EMOTIONS.indexOf(label as (typeof EMOTIONS)[number])]!;
      expect(row[EMOTIONS.indexOf(all[k]!.top as (typeof EMOTIONS)[number])]).toBe(1);
    });
  });

  it('bad inputs: a one-line error naming the path, exit 1; usage mistakes exit 2', async () => {
    const empty = join(tmp, 'empty');
    mkdirSync(empty);
    const noMeta = join(tmp, 'no-metadata');
    mkdirSync(noMeta);
    copyFileSync(join(modelDir, 'model.json'), join(noMeta, 'model.json'));
    const missing = join(tmp, 'missing');
    const cases: Array<[string[], number, RegExp]> = [
      [['--model', modelDir, '--data', missing], 1, new RegExp(`^ser: ${missing}: no such folder`)],
      [['--model', modelDir, '--data', empty], 1, new RegExp(`^ser: ${empty}: no audio files found`)],
      [['--model', modelDir, '--data', join(folders, 'boredom')], 1, /no usable audio files to evaluate; 1 skipped/],
      [['--model', noMeta, '--data', dev], 1, new RegExp(`^ser: ${noMeta}: cannot read metadata.json`)],
      [['--model', tmp, '--data', dev], 1, new RegExp(`^ser: ${tmp}: not a model folder`)],
      [['--model', modelDir, '--data', dev, '--speakers', '21,22'], 1, /no usable files of speakers 21, 22; speakers found: 01, 02, 03, 04$/],
      [['--model', modelDir, '--data', dev, '--speakers', ','], 2, /--speakers expects a comma-separated list/],
      [['--model', modelDir], 2, /--model needs --data/],
      [['--data', dev], 2, /--data needs --model/],
      [[], 2, /give a run id, or --model/],
      [[String(runId), '--model', modelDir, '--data', dev], 2, /not both/],
      [[String(runId), '--speakers', '4'], 2, /--speakers applies to --data evaluations/],
    ];
    for (const [args, code, msg] of cases) {
      const r = await runSer(['eval', ...args], { env });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(code);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr.trimEnd(), args.join(' ')).toMatch(msg);
    }
  });
});
if (!sharedDir) console.warn(`ser eval --data test skipped: ${sharedSkipReason}`);

import { describe, expect, it } from 'vitest';
import { addAwgn, drawSnr } from '../../electron/engine/audio/awgn.js';
import { splitChunks, PAPER_CHUNKS, type ChunkConfig } from '../../electron/engine/audio/chunks.js';
import { isRealFftSize, RealFft } from '../../electron/engine/audio/fft.js';
import { MelSpectrogram, periodicWindow } from '../../electron/engine/audio/melSpectrogram.js';
import { Rng } from '../../electron/engine/audio/rng.js';
import { StandardScaler } from '../../electron/engine/audio/scaler.js';
import { FeatureExtractor, featureConfigHash, PAPER_FEATURES, runFeatures } from '../../electron/engine/audio/features.js';
import { subtractBandMeans } from '../../electron/engine/audio/melNorm.js';

describe('chunks', () => {
  it('splits 128 × 563 into 7 × 128 × 128 with stride 64, frame for frame', () => {
    const nMels = 128;
    const nFrames = 563;
    const S = new Float32Array(nMels * nFrames);
    for (let m = 0; m < nMels; m++) for (let t = 0; t < nFrames; t++) S[m * nFrames + t] = m * 1000 + t;
    const c = splitChunks(S, nMels, nFrames, PAPER_CHUNKS);
    expect(c.length).toBe(7 * 128 * 128);
    for (const [chunk, mel, f] of [[0, 0, 0], [1, 5, 0], [6, 127, 127], [3, 64, 10]] as const) {
      expect(c[(chunk * 128 + mel) * 128 + f]).toBe(mel * 1000 + chunk * 64 + f);
    }
  });
  it('refuses a spectrogram too short for its chunks', () => {
    expect(() => splitChunks(new Float32Array(128 * 400), 128, 400)).toThrow(/need 512 frames/);
  });

  it('copies the same bits as a plain reference, from its own array or from a scratch area of the output buffer', () => {
    const reference = (mel: Float32Array, nMels: number, nFrames: number, cfg: ChunkConfig): Float32Array => {
      const out = new Float32Array(cfg.count * nMels * cfg.width);
      for (let c = 0; c < cfg.count; c++) for (let m = 0; m < nMels; m++) for (let f = 0; f < cfg.width; f++) out[(c * nMels + m) * cfg.width + f] = mel[m * nFrames + c * cfg.stride + f]!;
      return out;
    };
    const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
    const rng = new Rng(4);
    for (const [nMels, nFrames, cfg] of [[128, 563, PAPER_CHUNKS], [5, 23, { count: 3, width: 7, stride: 5 }], [3, 9, { count: 1, width: 9, stride: 1 }]] as const) {
      const mel = Float32Array.from({ length: nMels * nFrames }, () => rng.normal() * 30);
      const want = bits(reference(mel, nMels, nFrames, cfg));
      const size = cfg.count * nMels * cfg.width;
      expect(bits(splitChunks(mel, nMels, nFrames, cfg))).toEqual(want);
      // Shared buffer, the clip after the output (as trainWorker's Batches lays it out) and before it.
      const after = new Float32Array(3 + size + mel.length);
      after.set(mel, 3 + size);
      expect(bits(splitChunks(after.subarray(3 + size), nMels, nFrames, cfg, after.subarray(3, 3 + size)))).toEqual(want);
      expect(Array.from(after.subarray(0, 3))).toEqual([0, 0, 0]);
      const before = new Float32Array(mel.length + size + 2);
      before.set(mel);
      expect(bits(splitChunks(before.subarray(0, mel.length), nMels, nFrames, cfg, before.subarray(mel.length, mel.length + size)))).toEqual(want);
      expect(Array.from(before.subarray(mel.length + size))).toEqual([0, 0]);
    }
    expect(() => splitChunks(new Float32Array(128 * 563), 128, 563, PAPER_CHUNKS, new Float32Array(10))).toThrow(/out holds 10 values/);
  });
});

describe('RealFft', () => {
  it('takes the sizes PFFFT has: multiples of 32 whose other factors are 2, 3 and 5', () => {
    for (const n of [32, 1024, 3072, 5120, 6144, 4 * 32 * 45]) expect(isRealFftSize(n), `${n}`).toBe(true);
    for (const n of [16, 48, 1000, 7 * 32, 1024.5]) expect(isRealFftSize(n), `${n}`).toBe(false);
    expect(() => new RealFft(7 * 32)).toThrow(/^size: /);
  });
  for (const n of [1024, 3072]) {
    it(`size ${n}: forward gives the DFT (ordered), inverse gives n·x back`, () => {
      const f = new RealFft(n);
      const x = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) + 0.25 * Math.cos(i * 1.9) + (i % 7) / 10);
      f.heap.set(x, f.inputIndex);
      f.run();
      const spec = f.heap.slice(f.outputIndex, f.outputIndex + n);
      for (const k of [1, 17, n / 2 - 1]) {
        let re = 0;
        let im = 0;
        for (let i = 0; i < n; i++) {
          re += x[i]! * Math.cos((2 * Math.PI * k * i) / n);
          im -= x[i]! * Math.sin((2 * Math.PI * k * i) / n);
        }
        expect(spec[2 * k]! - re, `re X${k}`).toBeCloseTo(0, 2);
        expect(spec[2 * k + 1]! - im, `im X${k}`).toBeCloseTo(0, 2);
      }
      f.heap.set(spec, f.inputIndex);
      f.runInverse();
      let worst = 0;
      for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(f.heap[f.outputIndex + i]! / n - x[i]!));
      expect(worst).toBeLessThan(1e-5);
      f.dispose();
    });
  }
});

describe('StandardScaler', () => {
  const rng = new Rng(7);
  const samples = Array.from({ length: 50 }, () => Float32Array.from({ length: 12 }, (_, j) => j * 3 + rng.normal() * (j + 1)));
  samples.forEach((s) => (s[5] = 4.25)); // a constant feature

  it('matches two-pass mean and population std (ddof 0)', () => {
    const sc = new StandardScaler(12).fit(samples);
    for (let j = 0; j < 12; j++) {
      const mean = samples.reduce((a, s) => a + s[j]!, 0) / samples.length;
      const sd = Math.sqrt(samples.reduce((a, s) => a + (s[j]! - mean) ** 2, 0) / samples.length);
      expect(sc.mean[j]).toBeCloseTo(mean, 10);
      expect(sc.scale[j]).toBeCloseTo(j === 5 ? 1 : sd, 10);
    }
  });
  it('transforms to zero mean and unit variance; constant features to 0', () => {
    const sc = new StandardScaler(12).fit(samples);
    const out = samples.map((s) => sc.transform(s));
    for (let j = 0; j < 12; j++) {
      const mean = out.reduce((a, s) => a + s[j]!, 0) / out.length;
      const sd = Math.sqrt(out.reduce((a, s) => a + (s[j]! - mean) ** 2, 0) / out.length);
      expect(Math.abs(mean)).toBeLessThan(1e-5);
      if (j !== 5) expect(sd).toBeCloseTo(1, 4);
      else expect(out[0]![j]).toBe(0);
    }
  });
  it('transforms a batch of samples, in place too, exactly as each sample alone', () => {
    const sc = new StandardScaler(12).fit(samples);
    const batch = new Float32Array(12 * 5);
    samples.slice(0, 5).forEach((s, b) => batch.set(s, b * 12));
    const expected = samples.slice(0, 5).flatMap((s) => Array.from(sc.transform(s)));
    expect(Array.from(sc.transform(batch))).toEqual(expected);
    expect(Array.from(sc.transform(batch, batch))).toEqual(expected);
    expect(() => sc.transform(new Float32Array(13))).toThrow(/multiple of 12/);
  });
  it('round-trips through JSON exactly', () => {
    const sc = new StandardScaler(12).fit(samples);
    const back = StandardScaler.fromJSON(JSON.parse(JSON.stringify(sc)));
    expect(Array.from(back.mean)).toEqual(Array.from(sc.mean));
    expect(Array.from(back.scale)).toEqual(Array.from(sc.scale));
    expect(back.samplesSeen).toBe(50);
    expect(Array.from(back.transform(samples[3]!))).toEqual(Array.from(sc.transform(samples[3]!)));
  });
  it('rejects inputs of the wrong width', () => {
    expect(() => new StandardScaler(12).partialFit(new Float32Array(11))).toThrow(/expected 12/);
  });
});

describe('AWGN', () => {
  const signal = Float32Array.from({ length: 48000 }, (_, i) => 0.3 * Math.sin(i / 10));
  for (const snr of [15, 22, 29]) {
    it(`adds noise at ${snr} dB SNR`, () => {
      const noisy = addAwgn(signal, snr, new Rng(1));
      let ps = 0;
      let pn = 0;
      for (let i = 0; i < signal.length; i++) {
        ps += signal[i]! ** 2;
        pn += (noisy[i]! - signal[i]!) ** 2;
      }
      expect(10 * Math.log10(ps / pn)).toBeCloseTo(snr, 1);
    });
  }
  it('is reproducible with the same seed and differs with another', () => {
    const a = addAwgn(signal, 20, new Rng(42));
    const b = addAwgn(signal, 20, new Rng(42));
    const c = addAwgn(signal, 20, new Rng(43));
    expect(Array.from(a.subarray(0, 100))).toEqual(Array.from(b.subarray(0, 100)));
    expect(Array.from(a.subarray(0, 100))).not.toEqual(Array.from(c.subarray(0, 100)));
  });
  it('leaves a silent signal silent', () => {
    expect(addAwgn(new Float32Array(100), 20, new Rng(1)).every((v) => v === 0)).toBe(true);
  });
  it('draws integer SNRs in [15, 30) like numpy.random.randint', () => {
    const rng = new Rng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) seen.add(drawSnr(rng));
    expect(Math.min(...seen)).toBe(15);
    expect(Math.max(...seen)).toBe(29);
    expect(seen.size).toBe(15);
  });
});

describe('Rng', () => {
  it('is deterministic and resumes from a saved state', () => {
    const a = new Rng(123);
    for (let i = 0; i < 10; i++) a.next();
    const state = a.state;
    const expected = [a.next(), a.next(), a.nextUint32()];
    const b = new Rng(state);
    expect([b.next(), b.next(), b.nextUint32()]).toEqual(expected);
  });
  it('gives roughly standard normals', () => {
    const r = new Rng(5);
    const xs = Array.from({ length: 20000 }, () => r.normal());
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const v = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(v).toBeGreaterThan(0.95);
    expect(v).toBeLessThan(1.05);
  });
  it('shuffles every permutation position', () => {
    const r = new Rng(9);
    const firsts = new Set<number>();
    for (let i = 0; i < 200; i++) firsts.add(r.shuffle([0, 1, 2, 3, 4])[0]!);
    expect(firsts.size).toBe(5);
  });
});

describe('mel spectrogram properties', () => {
  it('puts a pure tone in the band that contains it, with 0 dB at the maximum', () => {
    const mel = new MelSpectrogram();
    const y = Float32Array.from({ length: 144000 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 3000 * i) / 48000));
    const S = mel.compute(y);
    const nF = mel.frameCount(y.length);
    expect(nF).toBe(563);
    let best = -1;
    let bestV = -Infinity;
    for (let m = 0; m < 128; m++) if (S[m * nF + 200]! > bestV) { bestV = S[m * nF + 200]!; best = m; }
    const f = mel.filterbank.melFreqs;
    expect(f[best]!).toBeLessThan(3000);
    expect(f[best + 2]!).toBeGreaterThan(3000);
    expect(Math.max(...S)).toBe(0);
    expect(Math.min(...S)).toBeCloseTo(-80, 5);
  });
  it('gives −80 dB floor everywhere for silence without NaN', () => {
    const S = new MelSpectrogram().compute(new Float32Array(48000));
    expect(S.every((v) => v === 0)).toBe(true); // ref = amin, so 0 dB everywhere, like librosa
  });
  it('uses periodic windows', () => {
    const w = periodicWindow('hamming', 512);
    expect(w[0]).toBeCloseTo(0.08, 12);
    expect(w[256]).toBeCloseTo(1, 12);
  });
  it('rejects impossible configurations', () => {
    expect(() => new MelSpectrogram({ nFft: 1000 })).toThrow(/power of two/);
    expect(() => new MelSpectrogram({ winLength: 2048 })).toThrow(/winLength/);
  });
  it('hashes feature configs stably and sensitively', () => {
    expect(featureConfigHash(PAPER_FEATURES)).toBe(featureConfigHash(JSON.parse(JSON.stringify(PAPER_FEATURES))));
    expect(featureConfigHash({ ...PAPER_FEATURES, offset: 0.4 })).not.toBe(featureConfigHash(PAPER_FEATURES));
    expect(featureConfigHash({ ...PAPER_FEATURES, mel: { ...PAPER_FEATURES.mel, nMels: 64 } })).not.toBe(featureConfigHash(PAPER_FEATURES));
  });
});

describe('mel normalisation per clip (--mel-norm utterance)', () => {
  it('subtractBandMeans leaves every band with mean 0 and its frame-to-frame differences as they were', () => {
    const rng = new Rng(3);
    const [nMels, nFrames] = [5, 40];
    const mel = Float32Array.from({ length: nMels * nFrames }, (_, i) => -40 + 10 * Math.floor(i / nFrames) + 5 * rng.normal());
    const before = mel.slice();
    expect(subtractBandMeans(mel, nMels, nFrames)).toBe(mel);
    for (let m = 0; m < nMels; m++) {
      const row = mel.subarray(m * nFrames, (m + 1) * nFrames);
      expect(row.reduce((a, v) => a + v, 0) / nFrames).toBeCloseTo(0, 4);
      for (let t = 1; t < nFrames; t++) expect(row[t]! - row[t - 1]!).toBeCloseTo(before[m * nFrames + t]! - before[m * nFrames + t - 1]!, 3);
    }
    expect(() => subtractBandMeans(new Float32Array(10), 5, 40)).toThrow(/fewer than 5 × 40/);
  });

  it('the extractor every path uses applies it to each clip\'s mel dB, only when its config names it', () => {
    const rng = new Rng(8);
    const sr = PAPER_FEATURES.mel.sampleRate;
    // A tone with a moving level over noise: bands with different means and movement within them.
    const clip = Float32Array.from({ length: 3 * sr }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 220 * i) / sr) * (1 + Math.sin(i / 4000)) + 0.02 * rng.normal());
    const plain = new FeatureExtractor(PAPER_FEATURES).melDbOf(clip).slice();
    const normalised = new FeatureExtractor(runFeatures('utterance')).melDbOf(clip).slice();
    const nMels = PAPER_FEATURES.mel.nMels;
    const nFrames = plain.length / nMels;
    expect(nFrames).toBe(563);
    expect(Array.from(normalised)).toEqual(Array.from(subtractBandMeans(plain.slice(), nMels, nFrames)));
    const bandMean = (m: Float32Array, b: number) => m.subarray(b * nFrames, (b + 1) * nFrames).reduce((a, v) => a + v, 0) / nFrames;
    expect(Math.abs(bandMean(plain, 10) - bandMean(plain, 100))).toBeGreaterThan(5); // the paper's bands differ in level…
    for (const b of [0, 10, 100, 127]) expect(bandMean(normalised, b)).toBeCloseTo(0, 3); // …normalised ones do not
  });

  it('leaves the paper\'s features (and the hash their cache and models carry) as they were, and hashes a normalised config apart', () => {
    expect(runFeatures(undefined)).toBe(PAPER_FEATURES);
    expect(featureConfigHash(runFeatures('utterance'))).not.toBe(featureConfigHash(PAPER_FEATURES));
    expect(featureConfigHash({ ...PAPER_FEATURES, melNorm: undefined })).toBe(featureConfigHash(PAPER_FEATURES));
  });
});

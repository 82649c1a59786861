/**
 * Rational-ratio resampling in two stages, after soxr's design (librosa's default res_type 'soxr_hq'):
 *
 * 1. The steep filter runs where it is cheap: an FFT overlap-save block that multiplies the spectrum by the
 *    response of a Kaiser-windowed sinc and, when the ratio allows, changes the rate by an integer U (up) or D
 *    (down) in the same step by taking the inverse FFT at U× or 1/D× the size. The filter is zero-phase (centred
 *    on t = 0), so the output is not delayed: sample k of the output is the signal at time k / to, like soxr and
 *    libsamplerate.
 * 2. What is left of the ratio (L2/M2, e.g. 160/147 after ×2 for 22.05 → 48 kHz) goes through a polyphase FIR
 *    with one exact table row per phase, four outputs at a time in WebAssembly SIMD (wasm/fir.as). After stage 1
 *    the signal fills at most half of stage 1's band (U = 2 when needed), so the transition band here is wide and
 *    16–18 taps reach the same attenuation (stage 1 needs ≈ 410 at 44.1 kHz).
 *
 * Designs (Kaiser's formulas for β and length; the measured figures are in docs/audio-pipeline.md and asserted in
 * test/audio/resample.test.ts): passband flat to `passband`·(lower Nyquist), stopband from `stopband`·(lower
 * Nyquist), both stages designed for `attenuation` dB. Arithmetic is float32 (PFFFT and the output), like soxr at
 * its HQ setting, which limits what can be reached to ≈ 130 dB.
 */
import { isRealFftSize, RealFft } from './fft.js';
import { firWasmBase64 } from './wasm/firWasm.js';

/** What a resampler design has to meet. Frequencies are fractions of the lower of the two Nyquist frequencies. */
export interface ResamplerSpec {
  /** End of the flat passband. Range (0, stopband). soxr HQ: 0.913. */
  passband: number;
  /** Start of the stopband. Range (passband, 1]; at 1 nothing above the lower Nyquist aliases or images. soxr HQ: 1. */
  stopband: number;
  /** Stopband attenuation and passband ripple (as 20·log10 δ) to design for, in dB. Range [40, 140]. */
  attenuation: number;
}

/**
 * soxr HQ's band edges. Designed for 135 dB, it measures in float32: passband ripple ≤ 3e-6 dB, images and aliases
 * ≤ −129.8 dB below a tone, tones above the new Nyquist ≤ −133.9 dB (soxr HQ on the same test: 0.008 dB droop at
 * 91 %, −132 dB). 125 dB would save 2 taps and measure −120.6 dB.
 */
export const HQ_SPEC: Readonly<ResamplerSpec> = Object.freeze({ passband: 0.913, stopband: 1, attenuation: 135 });

/** The largest L2 (phases of stage 2) given a table; past it the caller should use another resampler. */
export const MAX_PHASES = 4096;

/** Modified Bessel function of the first kind, order 0 (power series: converges quickly for the β ≤ 15 used here). */
function besselI0(x: number): number {
  const q = (x * x) / 4;
  let term = 1;
  let sum = 1;
  for (let k = 1; k < 500 && term > sum * 1e-17; k++) {
    term *= q / (k * k);
    sum += term;
  }
  return sum;
}

/** Kaiser's β for a stopband attenuation of `a` dB. */
function kaiserBeta(a: number): number {
  if (a > 50) return 0.1102 * (a - 8.7);
  return a >= 21 ? 0.5842 * (a - 21) ** 0.4 + 0.07886 * (a - 21) : 0;
}

/** Kaiser's estimate of the FIR order (length − 1) for `a` dB over a transition of `dw` rad/sample. */
function kaiserOrder(a: number, dw: number): number {
  return (a - 7.95) / (2.285 * dw);
}

/** Lowpass impulse response with cutoff `fc` (cycles/sample) at `t` samples from its centre, Kaiser window of half-width `half`. */
function kaiserSinc(t: number, fc: number, half: number, beta: number, i0Beta: number): number {
  const r = t / half;
  if (r <= -1 || r >= 1) return 0;
  const sinc = t === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * t) / (Math.PI * t);
  return (sinc * besselI0(beta * Math.sqrt(1 - r * r))) / i0Beta;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** True when n's only prime factors are 2, 3 and 5 (the FFT sizes PFFFT has). */
function smooth235(n: number): boolean {
  for (const p of [2, 3, 5]) while (n % p === 0) n /= p;
  return n === 1;
}

/** A planned conversion: both stages' filters, FFT buffers and block layout. Cached per (from, to, spec). */
interface Plan {
  /** Output/input ratio, reduced. */
  L: number;
  M: number;
  /** Stage 1 rate change: ×up then ÷down (one of them is 1). */
  up: number;
  down: number;
  fwd: RealFft;
  inv: RealFft;
  /** Real response of the zero-phase stage-1 filter per output bin (0 … bins−1), with the 1/n of the inverse FFT folded in. */
  response: Float32Array;
  bins: number;
  /** Input samples of context each side of a block, and input samples advanced per block (both multiples of `down`). */
  padIn: number;
  hopIn: number;
  /** Stage 2 (taps = 0: none, the ratio is an integer that stage 1 does alone). */
  L2: number;
  M2: number;
  /** Taps per output. */
  taps: number;
  /** Stage-1 samples computed before time 0 for stage 2's first taps (a multiple of `up`). */
  margin: number;
  /** The kernel's layout (wasm/fir.as): G groups of 4 outputs repeat; W taps × 4 lanes per group, and the step of j. */
  G: number;
  W: number;
  coef: Float32Array;
  steps: Int32Array;
}

const plans = new Map<string, Plan>();
/**
 * Plans kept (most recently used last). A dataset uses a handful of rates; files with odd, damaged rates must not
 * each leave a plan (FFT buffers, tables) behind for the life of the process.
 */
const MAX_PLANS = 16;

function checkSpec(spec: ResamplerSpec): void {
  const { passband, stopband, attenuation } = spec;
  if (!(passband > 0 && passband < stopband)) throw new RangeError(`passband must be in (0, stopband) = (0, ${stopband}), got ${passband}`);
  if (!(stopband <= 1)) throw new RangeError(`stopband must be in (passband, 1], got ${stopband}`);
  if (!(attenuation >= 40 && attenuation <= 140)) throw new RangeError(`attenuation must be in [40, 140] dB, got ${attenuation}`);
}

/** How a ratio is split: stage 1 ×up ÷down (integers, one of them 1), then stage 2 ×L2 ÷M2 (L2 = M2 = 1: none). */
interface Stages {
  L: number;
  M: number;
  up: number;
  down: number;
  L2: number;
  M2: number;
}

function stages(from: number, to: number): Stages {
  const g = gcd(from, to);
  const L = to / g;
  const M = from / g;
  // Integer ratios are done by stage 1 alone; otherwise stage 1 leaves the band at most half full (×2 when the
  // output rate exceeds half the input's) so that stage 2's transition is wide.
  let up = 1;
  let down = 1;
  if (M === 1 && smooth235(L) && L <= 64) up = L;
  else if (L === 1 && smooth235(M) && M <= 64) down = M;
  else if (to * 2 > from) up = 2;
  const out1 = (from * up) / down;
  const g2 = gcd(to, out1);
  return { L, M, up, down, L2: to / g2, M2: out1 / g2 };
}

/**
 * Whether `polyphaseResample` takes this pair of rates: positive integers whose reduced ratio needs at most
 * MAX_PHASES stage-2 phases (every pair among 8, 11.025, 16, 22.05, 24, 32, 44.1, 48, 88.2, 96 kHz does).
 */
export function polyphaseSupports(from: number, to: number): boolean {
  if (!(Number.isSafeInteger(from) && Number.isSafeInteger(to) && from > 0 && to > 0)) return false;
  return stages(from, to).L2 <= MAX_PHASES;
}

function plan(from: number, to: number, spec: ResamplerSpec): Plan {
  const key = `${from}:${to}:${spec.passband}:${spec.stopband}:${spec.attenuation}`;
  const cached = plans.get(key);
  if (cached) {
    plans.delete(key);
    plans.set(key, cached);
    return cached;
  }
  const { L, M, up, down, L2, M2 } = stages(from, to);
  if (L2 > MAX_PHASES) throw new RangeError(`to: ${from} → ${to} Hz needs ${L2} filter phases (at most ${MAX_PHASES}); see polyphaseSupports`);
  const a = spec.attenuation;
  const beta = kaiserBeta(a);
  const i0Beta = besselI0(beta);
  const rate1 = from * up; // the rate stage 1 filters at (before its ÷down)
  const out1 = rate1 / down; // stage 1's output rate
  const nyq = Math.min(from, to) / 2; // Hz
  const pass = spec.passband * nyq;
  const stop = spec.stopband * nyq;

  // Stage 1: zero-phase Kaiser sinc at rate1, gain `up` (zero-stuffing divides the level by up).
  const half1 = Math.ceil(kaiserOrder(a, (2 * Math.PI * (stop - pass)) / rate1) / 2);
  const fc1 = (pass + stop) / 2 / rate1;
  const h1 = new Float64Array(half1 + 1);
  let dc = 0;
  for (let m = 0; m <= half1; m++) {
    // Window half-width half1 + 1: its zeros fall just outside the taps, so the outermost taps still count.
    h1[m] = kaiserSinc(m, fc1, half1 + 1, beta, i0Beta);
    dc += m === 0 ? h1[m]! : 2 * h1[m]!;
  }
  for (let m = 0; m <= half1; m++) h1[m] = (h1[m]! * up) / dc;
  // Context: half1 samples at rate1 each side, in input samples, a multiple of `down`.
  const padIn = Math.ceil(Math.ceil(half1 / up) / down) * down;
  // Blocks of ≥ 16× the one-sided context, so the overlap costs ≤ 1/8 of the work; measured fastest (longer FFTs
  // cost more per sample than the overlap they save). Very long filters (extreme ratios) only get ≥ 4×.
  let base = 256;
  while ((base * down < 16 * padIn && base < 65536) || base * down < 4 * padIn) base *= 2;
  const nIn = base * down;
  const nOut = base * up;
  if (!isRealFftSize(nIn) || !isRealFftSize(nOut)) throw new Error(`polyphase: no FFT size for ${from} → ${to}`);
  const hopIn = nIn - 2 * padIn;
  const nHi = Math.max(nIn, nOut);
  const bins = Math.min(nIn, nOut) / 2;
  const response = new Float32Array(bins);
  for (let k = 0; k < bins; k++) {
    // H(w) = h[0] + 2 Σ h[m]·cos(m·w), cos(m·w) by rotation (float64: drifts by ~m·1e-16, far below float32).
    const w = (2 * Math.PI * k) / nHi;
    const c1 = Math.cos(w);
    const s1 = Math.sin(w);
    let c = 1;
    let sn = 0;
    let sum = h1[0]!;
    for (let m = 1; m <= half1; m++) {
      const t = c * c1 - sn * s1;
      sn = sn * c1 + c * s1;
      c = t;
      sum += 2 * h1[m]! * c;
    }
    response[k] = sum / nHi;
  }

  // Stage 2: out1 → to by L2/M2. Its input holds [0, stop] and images from out1 − stop up: design between them.
  let taps = 0;
  let margin = 0;
  let G = 0;
  let W = 0;
  let coef = new Float32Array(0);
  let steps = new Int32Array(0);
  if (L2 !== M2) {
    const stop2 = out1 - stop;
    taps = Math.max(2, Math.ceil(kaiserOrder(a, (2 * Math.PI * (stop2 - pass)) / out1) / 2) * 2);
    const fc2 = (pass + stop2) / 2 / out1;
    const half2 = taps / 2;
    // Phase p: output time n0 + p/L2; tap i at stage-1 sample n0 − half2 + 1 + i, (i − half2 + 1) − p/L2 from it.
    const table = new Float64Array(L2 * taps);
    for (let p = 0; p < L2; p++) {
      let sum = 0;
      for (let i = 0; i < taps; i++) sum += table[p * taps + i] = kaiserSinc(i - half2 + 1 - p / L2, fc2, half2, beta, i0Beta);
      // Each phase passes DC exactly, so a constant stays constant (no phase-dependent ripple).
      for (let i = 0; i < taps; i++) table[p * taps + i]! /= sum;
    }
    // Groups of 4 outputs: output k has phase k·M2 mod L2 and first tap floor(k·M2/L2); the pattern repeats
    // after L2 outputs, i.e. G = L2/gcd(L2, 4) groups.
    G = L2 / gcd(L2, 4);
    const first = (k: number) => Math.floor((k * M2) / L2);
    let spread = 0;
    for (let g = 0; g < G; g++) spread = Math.max(spread, first(4 * g + 3) - first(4 * g));
    W = taps + spread;
    coef = new Float32Array(G * W * 4);
    steps = new Int32Array(G);
    for (let g = 0; g < G; g++) {
      const j = first(4 * g);
      for (let l = 0; l < 4; l++) {
        const k = 4 * g + l;
        const p = (k * M2) % L2;
        const d = first(k) - j;
        for (let i = 0; i < taps; i++) coef[(g * W + d + i) * 4 + l] = table[p * taps + i]!;
      }
      steps[g] = first(4 * g + 4) - j;
    }
    margin = Math.ceil(half2 / up) * up;
  }
  const p: Plan = { L, M, up, down, fwd: new RealFft(nIn), inv: new RealFft(nOut), response, bins, padIn, hopIn, L2, M2, taps, margin, G, W, coef, steps };
  // Safe to free here: resampling is synchronous, so no other plan is in use while this one is made.
  while (plans.size >= MAX_PLANS) {
    const [oldKey, old] = plans.entries().next().value!;
    plans.delete(oldKey);
    old.fwd.dispose();
    old.inv.dispose();
  }
  plans.set(key, p);
  return p;
}

/** Runs stage 1 from input sample `iStart` (may be < 0) and writes `span` output samples to dst[at …]. */
function stage1(x: Float32Array, pl: Plan, iStart: number, span: number, dst: Float32Array, at: number): void {
  const { fwd, inv, response, bins, padIn, hopIn, up, down } = pl;
  const nIn = fwd.size;
  const padOut = (padIn * up) / down;
  const hopOut = (hopIn * up) / down;
  const heap = fwd.heap; // read once: nothing below allocates in the wasm heap
  const fin = fwd.inputIndex;
  const fout = fwd.outputIndex;
  const iin = inv.inputIndex;
  const iout = inv.outputIndex;
  heap[iin + 1] = 0; // output Nyquist bin: in the stopband
  for (let o = 0; o < span; o += hopOut) {
    const s = iStart + (o * down) / up - padIn;
    // The block's input, zeros outside the signal.
    const a = Math.max(0, s);
    const b = Math.min(x.length, s + nIn);
    if (a > s) heap.fill(0, fin, fin + Math.min(nIn, a - s));
    if (b > a) heap.set(x.subarray(a, b), fin + (a - s));
    if (s + nIn > b) heap.fill(0, fin + Math.max(0, b - s), fin + nIn);
    fwd.run();
    heap[iin] = heap[fout]! * response[0]!;
    for (let k = 1; k < bins; k++) {
      const r = response[k]!;
      heap[iin + 2 * k] = heap[fout + 2 * k]! * r;
      heap[iin + 2 * k + 1] = heap[fout + 2 * k + 1]! * r;
    }
    inv.runInverse();
    const n = Math.min(hopOut, span - o);
    dst.set(heap.subarray(iout + padOut, iout + padOut + n), at + o);
  }
}

/** WebAssembly's JS API, typed here: TypeScript's ES libs (no DOM) do not declare it. */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
}
interface FirExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  firGroups(mid: number, coef: number, steps: number, G: number, W: number, out: number, groups: number, j0: number): void;
}
interface FirKernel {
  firGroups: FirExports['firGroups'];
  /** Grows the memory to ≥ `bytes` and returns a float view of all of it. */
  reserve(bytes: number): Float32Array;
}
let firKernel: FirKernel | undefined;

/** wasm/fir.as, instantiated once per thread with its own memory. */
function kernel(): FirKernel {
  if (!firKernel) {
    const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const ex = new WA.Instance(new WA.Module(Buffer.from(firWasmBase64, 'base64')), {}).exports as FirExports;
    firKernel = {
      firGroups: ex.firGroups,
      reserve(bytes) {
        const have = ex.memory.buffer.byteLength;
        if (bytes > have) ex.memory.grow(Math.ceil((bytes - have) / 65536));
        return new Float32Array(ex.memory.buffer);
      },
    };
  }
  return firKernel;
}

/**
 * Resamples a mono signal from `from` Hz to `to` Hz (positive integers, see `polyphaseSupports`) with the
 * two-stage design above. Returns ceil(n·to/from) samples; output sample k is the band-limited input at time
 * k/to s (no delay), the signal taken as zero outside its n samples — as soxr/librosa.resample do.
 *
 * @param x     input samples (not modified)
 * @param from  input rate, Hz (integer > 0)
 * @param to    output rate, Hz (integer > 0)
 * @param spec  filter design, default HQ_SPEC (soxr HQ's band edges)
 */
export function polyphaseResample(x: Float32Array, from: number, to: number, spec: ResamplerSpec = HQ_SPEC): Float32Array {
  if (!(Number.isSafeInteger(from) && from > 0)) throw new RangeError(`from must be a positive integer rate in Hz, got ${from}`);
  if (!(Number.isSafeInteger(to) && to > 0)) throw new RangeError(`to must be a positive integer rate in Hz, got ${to}`);
  checkSpec(spec);
  if (from === to) return x.slice();
  const pl = plan(from, to, spec);
  const nOut = Math.ceil((x.length * pl.L) / pl.M);
  if (x.length === 0) return new Float32Array(0);
  if (pl.taps === 0) {
    const out = new Float32Array(nOut);
    stage1(x, pl, 0, nOut, out, 0);
    return out;
  }
  // Stage 1 from `margin` samples before time 0 to past the last group's last tap, into the kernel's memory.
  const { up, M2, L2, margin, taps, G, W, coef, steps } = pl;
  const groups = Math.ceil(nOut / 4);
  const j0 = margin - taps / 2 + 1;
  const span = j0 + Math.floor((4 * (groups - 1) * M2) / L2) + W;
  const k = kernel();
  const coefAt = 0;
  const stepsAt = coefAt + coef.length * 4;
  const outAt = stepsAt + Math.ceil(steps.length / 4) * 16;
  const midAt = outAt + groups * 16;
  const f32 = k.reserve(midAt + span * 4);
  f32.set(coef, coefAt / 4);
  new Int32Array(f32.buffer).set(steps, stepsAt / 4);
  stage1(x, pl, -margin / up, span, f32, midAt / 4);
  k.firGroups(midAt, coefAt, stepsAt, G, W, outAt, groups, j0);
  return f32.slice(outAt / 4, outAt / 4 + nOut);
}

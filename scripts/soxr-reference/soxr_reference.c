/*
 * Reference output of libsoxr at SOXR_HQ (librosa's default res_type 'soxr_hq', via python-soxr: float32 I/O,
 * soxr_quality_spec(SOXR_HQ, 0), whole signal in one call, delay-compensated, ceil(n·to/from) samples).
 * Generates the fixtures of test/audio/resample.test.ts; rebuild with scripts/soxr-reference/README.md.
 *
 *   soxr_reference resample IN.wav FROM TO OUT.f32     mono 16-bit WAV → raw little-endian float32 at TO Hz
 *   soxr_reference resample-f32 IN.f32 FROM TO OUT.f32  raw float32 → raw float32
 *   soxr_reference synth FROM TO SECONDS CHIRP_HZ TONE_HZ OUT.f32
 *                                                       synth(…) below (the test builds the same) → float32 at TO Hz
 *   soxr_reference response FROM TO                    gain (dB) of soxr at FROM→TO for sines over 0…FROM/2
 */
#include <math.h>
#include <soxr.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die(const char *msg) { fprintf(stderr, "soxr_reference: %s\n", msg); exit(1); }

/* Reads the first channel of a 16-bit PCM WAV as float (int16 / 32768, like libsndfile and the app's decoder). */
static float *read_wav16(const char *path, size_t *n, unsigned *rate) {
  FILE *f = fopen(path, "rb");
  if (!f) die("cannot open input");
  unsigned char h[12];
  if (fread(h, 1, 12, f) != 12 || memcmp(h, "RIFF", 4) || memcmp(h + 8, "WAVE", 4)) die("not a RIFF/WAVE file");
  unsigned channels = 0, bits = 0;
  for (;;) {
    unsigned char c[8];
    if (fread(c, 1, 8, f) != 8) die("no data chunk");
    uint32_t size = c[4] | c[5] << 8 | c[6] << 16 | (uint32_t)c[7] << 24;
    if (!memcmp(c, "fmt ", 4)) {
      unsigned char fmt[16];
      if (size < 16 || fread(fmt, 1, 16, f) != 16) die("short fmt chunk");
      channels = fmt[2] | fmt[3] << 8;
      *rate = fmt[4] | fmt[5] << 8 | fmt[6] << 16 | (uint32_t)fmt[7] << 24;
      bits = fmt[14] | fmt[15] << 8;
      fseek(f, (long)(size - 16 + (size & 1)), SEEK_CUR);
    } else if (!memcmp(c, "data", 4)) {
      if (bits != 16 || channels == 0) die("only 16-bit PCM WAV is read");
      size_t frames = size / (2 * channels);
      int16_t *pcm = malloc(size);
      float *x = malloc(frames * sizeof(float));
      if (fread(pcm, 1, size, f) != size) die("short data chunk");
      for (size_t i = 0; i < frames; i++) x[i] = pcm[i * channels] / 32768.0f;
      free(pcm);
      fclose(f);
      *n = frames;
      return x;
    } else {
      fseek(f, (long)(size + (size & 1)), SEEK_CUR);
    }
  }
}

static float *read_f32(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) die("cannot open input");
  fseek(f, 0, SEEK_END);
  *n = (size_t)ftell(f) / sizeof(float);
  fseek(f, 0, SEEK_SET);
  float *x = malloc(*n * sizeof(float));
  if (fread(x, sizeof(float), *n, f) != *n) die("short read");
  fclose(f);
  return x;
}

/*
 * A deterministic test signal at `rate` Hz: a linear chirp from 50 Hz to chirp_hz over the clip, a 1000.5 Hz tone and
 * a tone at tone_hz, computed in double and rounded to float (test/audio/resample.test.ts has the same formula;
 * libm and V8 may differ in the last bit of sin, ~1e-16, far below float32).
 */
static float *synth(double rate, double seconds, double chirp_hz, double tone_hz, size_t *n) {
  *n = (size_t)floor(rate * seconds);
  float *x = malloc(*n * sizeof(float));
  for (size_t i = 0; i < *n; i++) {
    double t = i / rate;
    x[i] = (float)(0.4 * sin(2 * M_PI * (50 * t + (chirp_hz - 50) / (2 * seconds) * t * t)) + 0.2 * sin(2 * M_PI * 1000.5 * t) +
                   0.1 * sin(2 * M_PI * tone_hz * t));
  }
  return x;
}

/* python-soxr's resample(): one soxr_oneshot at HQ with float32 I/O; librosa then fixes the length to ceil. */
static float *hq(const float *x, size_t n, double from, double to, size_t *olen) {
  *olen = (size_t)ceil(n * to / from);
  float *y = calloc(*olen, sizeof(float));
  soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
  soxr_quality_spec_t q = soxr_quality_spec(SOXR_HQ, 0);
  size_t done = 0;
  soxr_error_t err = soxr_oneshot(from, to, 1, x, n, NULL, y, *olen, &done, &io, &q, NULL);
  if (err) die(err);
  return y;
}

static void write_f32(const char *path, const float *y, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(y, sizeof(float), n, f) != n) die("cannot write output");
  fclose(f);
}

int main(int argc, char **argv) {
  if (argc == 6 && (!strcmp(argv[1], "resample") || !strcmp(argv[1], "resample-f32"))) {
    size_t n, olen;
    unsigned rate = 0;
    float *x = !strcmp(argv[1], "resample") ? read_wav16(argv[2], &n, &rate) : read_f32(argv[2], &n);
    double from = atof(argv[3]), to = atof(argv[4]);
    if (rate && rate != (unsigned)from) die("FROM differs from the WAV's rate");
    float *y = hq(x, n, from, to, &olen);
    write_f32(argv[5], y, olen);
    fprintf(stderr, "%zu samples at %g Hz -> %zu samples at %g Hz (soxr %s, HQ)\n", n, from, olen, to, soxr_version());
    return 0;
  }
  if (argc == 8 && !strcmp(argv[1], "synth")) {
    size_t n, olen;
    double from = atof(argv[2]), to = atof(argv[3]);
    float *x = synth(from, atof(argv[4]), atof(argv[5]), atof(argv[6]), &n);
    float *y = hq(x, n, from, to, &olen);
    write_f32(argv[7], y, olen);
    fprintf(stderr, "synth: %zu samples at %g Hz -> %zu samples at %g Hz (soxr %s, HQ)\n", n, from, olen, to, soxr_version());
    return 0;
  }
  if (argc == 4 && !strcmp(argv[1], "response")) {
    double from = atof(argv[2]), to = atof(argv[3]);
    size_t n = (size_t)from; /* 1 s */
    float *x = malloc(n * sizeof(float));
    double nyq = (from < to ? from : to) / 2;
    for (double frac = 0.02; frac < 1.5; frac += frac < 0.85 ? 0.05 : frac < 1.1 ? 0.01 : 0.05) {
      double hz = frac * nyq;
      if (hz >= from / 2) break;
      for (size_t i = 0; i < n; i++) x[i] = (float)sin(2 * M_PI * hz * i / from);
      size_t olen;
      float *y = hq(x, n, from, to, &olen);
      /* RMS over the middle half, against a unit sine's 1/sqrt(2). */
      double s = 0;
      size_t a = olen / 4, b = 3 * olen / 4;
      for (size_t i = a; i < b; i++) s += (double)y[i] * y[i];
      double rms = sqrt(s / (b - a));
      printf("%.3f\t%.1f Hz\t%.4f dB\n", frac, hz, 20 * log10(rms * sqrt(2) + 1e-30));
      free(y);
    }
    return 0;
  }
  fprintf(stderr, "usage: soxr_reference resample IN.wav FROM TO OUT.f32 | resample-f32 IN.f32 FROM TO OUT.f32 |\n"
                  "       synth FROM TO SECONDS CHIRP_HZ TONE_HZ OUT.f32 | response FROM TO\n");
  return 2;
}

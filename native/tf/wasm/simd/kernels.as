// Training kernels for the tfjs `wasm` backend, in AssemblyScript compiled to WebAssembly SIMD (build.mjs).
//
// The module imports tfjs-backend-wasm's own WebAssembly.Memory, so every pointer below is a tensor's
// `memoryOffset` in that heap and nothing is copied. It owns no memory: no data segments, no globals in memory,
// no allocator. Scratch space is passed in by the caller (a tensor it allocated). Arrays are float32, channels-last
// ([rows, C] with C the fastest axis); C may be any size (vector loop over C & ~3, scalar tail).
//
// Why not JS loops over HEAPF32: V8 does not vectorise them and bounds-checks every access; these run 3–10×
// faster on the paper's large early activations, where a training step is memory-bound.

// ---------------------------------------------------------------------------------------------------------------
// Per-channel sums over rows, accumulated in float32 within blocks of ~16 KB and in float64 across blocks: exact
// enough for 10⁶ rows, at SIMD speed.

/** Rows per float32 block for C channels (~4096 floats). */
function blockRows(C: i32): i32 {
  return max<i32>(1, 4096 / max<i32>(C, 1));
}

/** acc64[c] += acc32[c]; acc32[c] = 0, for n values. */
function flush(acc32: usize, acc64: usize, n: i32): void {
  for (let c = 0; c < n; c++) {
    const p = acc32 + (<usize>c << 2);
    const q = acc64 + (<usize>c << 3);
    store<f64>(q, load<f64>(q) + <f64>load<f32>(p));
    store<f32>(p, 0);
  }
}

function zero64(p: usize, n: i32): void {
  for (let c = 0; c < n; c++) store<f64>(p + (<usize>c << 3), 0);
}

// ---------------------------------------------------------------------------------------------------------------
// BatchNorm (training mode) + optional ReLU.

/**
 * Forward. Writes y = [relu](x·scale + off) and the batch mean / biased variance (float32). scale = γ/√(var+ε) and
 * off = β − mean·scale are computed in float32 from the stored mean/variance, exactly as bnBackward recomputes
 * them, so the backward pass can rebuild the ReLU mask bit-for-bit from x without reading y.
 * Sums are of x − x[0] (the first row): keeps the variance accurate when |mean| ≫ σ.
 * scratch: ≥ 12·C floats (float64 totals first, so they are 8-byte aligned when scratch is).
 */
export function bnForward(x: usize, y: usize, rows: i32, C: i32, gamma: usize, beta: usize, eps: f32, relu: i32, mean: usize, variance: usize, scratch: usize): void {
  const cb = <usize>C << 2;
  const ts = scratch; // f64[C] Σd
  const tss = ts + (<usize>C << 3); // f64[C] Σd²
  const shift = tss + (<usize>C << 3); // f32[C]
  const bs = shift + cb; // f32[C] block Σd
  const bss = bs + cb; // f32[C] block Σd²
  const scale = bss + cb; // f32[C]
  const off = scale + cb; // f32[C]
  const C4 = C & ~3;
  memory.copy(shift, x, cb);
  zero64(ts, C);
  zero64(tss, C);
  memory.fill(bs, 0, cb << 1);
  const rb = blockRows(C);
  for (let r0 = 0; r0 < rows; r0 += rb) {
    const r1 = min<i32>(rows, r0 + rb);
    for (let r = r0; r < r1; r++) {
      const row = x + <usize>r * cb;
      let c = 0;
      for (; c < C4; c += 4) {
        const o = <usize>c << 2;
        const d = f32x4.sub(v128.load(row + o), v128.load(shift + o));
        v128.store(bs + o, f32x4.add(v128.load(bs + o), d));
        v128.store(bss + o, f32x4.add(v128.load(bss + o), f32x4.mul(d, d)));
      }
      for (; c < C; c++) {
        const o = <usize>c << 2;
        const d = load<f32>(row + o) - load<f32>(shift + o);
        store<f32>(bs + o, load<f32>(bs + o) + d);
        store<f32>(bss + o, load<f32>(bss + o) + d * d);
      }
    }
    flush(bs, ts, C);
    flush(bss, tss, C);
  }
  const n = <f64>rows;
  for (let c = 0; c < C; c++) {
    const m = load<f64>(ts + (<usize>c << 3)) / n;
    const v = max<f64>(0, load<f64>(tss + (<usize>c << 3)) / n - m * m);
    store<f32>(mean + (<usize>c << 2), <f32>(m + <f64>load<f32>(shift + (<usize>c << 2))));
    store<f32>(variance + (<usize>c << 2), <f32>v);
  }
  coefficients(C, gamma, beta, eps, mean, variance, scale, off);
  affine(x, y, rows, C, relu, scale, off);
}

/** Inference: y = [relu]((x − mean)·γ/√(var+ε) + β) with given statistics, one pass. scratch: ≥ 2·C floats. */
export function bnAffine(x: usize, y: usize, rows: i32, C: i32, gamma: usize, beta: usize, mean: usize, variance: usize, eps: f32, relu: i32, scratch: usize): void {
  const scale = scratch;
  const off = scratch + (<usize>C << 2);
  coefficients(C, gamma, beta, eps, mean, variance, scale, off);
  affine(x, y, rows, C, relu, scale, off);
}

/** scale = γ/√(var+ε), off = β − mean·scale, in float32 (shared by forward and backward: see bnForward). */
function coefficients(C: i32, gamma: usize, beta: usize, eps: f32, mean: usize, variance: usize, scale: usize, off: usize): void {
  for (let c = 0; c < C; c++) {
    const o = <usize>c << 2;
    const s: f32 = load<f32>(gamma + o) / Mathf.sqrt(load<f32>(variance + o) + eps);
    store<f32>(scale + o, s);
    store<f32>(off + o, load<f32>(beta + o) - load<f32>(mean + o) * s);
  }
}

function affine(x: usize, y: usize, rows: i32, C: i32, relu: i32, scale: usize, off: usize): void {
  const cb = <usize>C << 2;
  const C4 = C & ~3;
  const zero = f32x4.splat(0);
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * cb;
    const yr = y + <usize>r * cb;
    let c = 0;
    if (relu) {
      for (; c < C4; c += 4) {
        const o = <usize>c << 2;
        const v = f32x4.add(f32x4.mul(v128.load(xr + o), v128.load(scale + o)), v128.load(off + o));
        v128.store(yr + o, f32x4.pmax(zero, v)); // pmax(0, v) = 0 < v ? v : 0, one maxps
      }
      for (; c < C; c++) {
        const o = <usize>c << 2;
        const v = load<f32>(xr + o) * load<f32>(scale + o) + load<f32>(off + o);
        store<f32>(yr + o, v > 0 ? v : 0);
      }
    } else {
      for (; c < C4; c += 4) {
        const o = <usize>c << 2;
        v128.store(yr + o, f32x4.add(f32x4.mul(v128.load(xr + o), v128.load(scale + o)), v128.load(off + o)));
      }
      for (; c < C; c++) {
        const o = <usize>c << 2;
        store<f32>(yr + o, load<f32>(xr + o) * load<f32>(scale + o) + load<f32>(off + o));
      }
    }
  }
}

/**
 * Backward. dz = dy·[x·scale+off > 0] (the forward's ReLU mask, recomputed), x̂ = (x−μ)/σ;
 * dβ = Σdz, dγ = Σdz·x̂, dx = γ/σ·(dz − dβ/n − x̂·dγ/n) = a·dz + b·x + k per channel. Two passes, reading dy and x.
 * scratch: ≥ 16·C floats.
 */
export function bnBackward(dy: usize, x: usize, rows: i32, C: i32, gamma: usize, beta: usize, mean: usize, variance: usize, eps: f32, relu: i32, dx: usize, dgamma: usize, dbeta: usize, scratch: usize): void {
  const cb = <usize>C << 2;
  const tz = scratch; // f64[C] Σdz
  const tzx = tz + (<usize>C << 3); // f64[C] Σdz·(x−μ)
  const bz = tzx + (<usize>C << 3); // f32[C]
  const bzx = bz + cb; // f32[C]
  const scale = bzx + cb;
  const off = scale + cb;
  const a = off + cb;
  const b = a + cb;
  const k = b + cb;
  const C4 = C & ~3;
  const zero = f32x4.splat(0);
  coefficients(C, gamma, beta, eps, mean, variance, scale, off);
  zero64(tz, C);
  zero64(tzx, C);
  memory.fill(bz, 0, cb << 1);
  const rb = blockRows(C);
  for (let r0 = 0; r0 < rows; r0 += rb) {
    const r1 = min<i32>(rows, r0 + rb);
    for (let r = r0; r < r1; r++) {
      const xr = x + <usize>r * cb;
      const gr = dy + <usize>r * cb;
      let c = 0;
      for (; c < C4; c += 4) {
        const o = <usize>c << 2;
        const xv = v128.load(xr + o);
        let g = v128.load(gr + o);
        if (relu) g = v128.and(g, f32x4.gt(f32x4.add(f32x4.mul(xv, v128.load(scale + o)), v128.load(off + o)), zero));
        v128.store(bz + o, f32x4.add(v128.load(bz + o), g));
        v128.store(bzx + o, f32x4.add(v128.load(bzx + o), f32x4.mul(g, f32x4.sub(xv, v128.load(mean + o)))));
      }
      for (; c < C; c++) {
        const o = <usize>c << 2;
        const xv = load<f32>(xr + o);
        let g = load<f32>(gr + o);
        if (relu && !(xv * load<f32>(scale + o) + load<f32>(off + o) > 0)) g = 0;
        store<f32>(bz + o, load<f32>(bz + o) + g);
        store<f32>(bzx + o, load<f32>(bzx + o) + g * (xv - load<f32>(mean + o)));
      }
    }
    flush(bz, tz, C);
    flush(bzx, tzx, C);
  }
  const n = <f64>rows;
  for (let c = 0; c < C; c++) {
    const o = <usize>c << 2;
    const inv = 1 / Math.sqrt(<f64>load<f32>(variance + o) + <f64>eps);
    const db = load<f64>(tz + (<usize>c << 3));
    const dg = load<f64>(tzx + (<usize>c << 3)) * inv;
    store<f32>(dbeta + o, <f32>db);
    store<f32>(dgamma + o, <f32>dg);
    const ac = <f64>load<f32>(gamma + o) * inv;
    const bc = (-ac * dg * inv) / n;
    store<f32>(a + o, <f32>ac);
    store<f32>(b + o, <f32>bc);
    store<f32>(k + o, <f32>((-ac * db) / n - bc * <f64>load<f32>(mean + o)));
  }
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * cb;
    const gr = dy + <usize>r * cb;
    const dr = dx + <usize>r * cb;
    let c = 0;
    for (; c < C4; c += 4) {
      const o = <usize>c << 2;
      const xv = v128.load(xr + o);
      let g = v128.load(gr + o);
      if (relu) g = v128.and(g, f32x4.gt(f32x4.add(f32x4.mul(xv, v128.load(scale + o)), v128.load(off + o)), zero));
      v128.store(dr + o, f32x4.add(f32x4.add(f32x4.mul(v128.load(a + o), g), f32x4.mul(v128.load(b + o), xv)), v128.load(k + o)));
    }
    for (; c < C; c++) {
      const o = <usize>c << 2;
      const xv = load<f32>(xr + o);
      let g = load<f32>(gr + o);
      if (relu && !(xv * load<f32>(scale + o) + load<f32>(off + o) > 0)) g = 0;
      store<f32>(dr + o, load<f32>(a + o) * g + load<f32>(b + o) * xv + load<f32>(k + o));
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Column sums (the bias gradient of a conv / dense layer: Σ over every axis but the last).

/** out[c] = Σ_r x[r, c]. scratch: ≥ 4·C floats. */
export function sumRows(x: usize, rows: i32, C: i32, out: usize, scratch: usize): void {
  const cb = <usize>C << 2;
  const t = scratch; // f64[C]
  const bsum = t + (<usize>C << 3); // f32[C]
  const C4 = C & ~3;
  zero64(t, C);
  memory.fill(bsum, 0, cb);
  const rb = blockRows(C);
  for (let r0 = 0; r0 < rows; r0 += rb) {
    const r1 = min<i32>(rows, r0 + rb);
    for (let r = r0; r < r1; r++) {
      const row = x + <usize>r * cb;
      let c = 0;
      for (; c < C4; c += 4) {
        const o = <usize>c << 2;
        v128.store(bsum + o, f32x4.add(v128.load(bsum + o), v128.load(row + o)));
      }
      for (; c < C; c++) {
        const o = <usize>c << 2;
        store<f32>(bsum + o, load<f32>(bsum + o) + load<f32>(row + o));
      }
    }
    flush(bsum, t, C);
  }
  for (let c = 0; c < C; c++) store<f32>(out + (<usize>c << 2), <f32>load<f64>(t + (<usize>c << 3)));
}

// ---------------------------------------------------------------------------------------------------------------
// MaxPool gradient, non-overlapping windows (stride = pool size, 'valid'), NHWC.

/**
 * dx gets each output's gradient at the first position of its window (row-major scan) whose input equals the
 * pooled maximum — tfjs cpu's choice. Per 4 channels: eq = (x == y); sel = eq & ~taken; dx = dy & sel;
 * taken |= eq. Rows/columns beyond the last whole window get 0.
 */
export function maxPoolGradTiled(dy: usize, x: usize, y: usize, dx: usize, N: i32, H: i32, W: i32, C: i32, Ho: i32, Wo: i32, ph: i32, pw: i32): void {
  if (Ho * ph != H || Wo * pw != W) memory.fill(dx, 0, <usize>N * <usize>H * <usize>W * (<usize>C << 2));
  const cb = <usize>C << 2;
  const rowb = <usize>W * cb;
  const C4 = C & ~3;
  for (let n = 0; n < N; n++) {
    for (let ho = 0; ho < Ho; ho++) {
      const inBase = <usize>(n * H + ho * ph) * rowb;
      const outBase = <usize>((n * Ho + ho) * Wo) * cb;
      for (let wo = 0; wo < Wo; wo++) {
        const win = inBase + <usize>(wo * pw) * cb;
        const oo = outBase + <usize>wo * cb;
        let c = 0;
        for (; c < C4; c += 4) {
          const co = <usize>c << 2;
          const yv = v128.load(y + oo + co);
          const g = v128.load(dy + oo + co);
          let taken = i32x4.splat(0);
          for (let kh = 0; kh < ph; kh++) {
            let p = win + <usize>kh * rowb + co;
            for (let kw = 0; kw < pw; kw++, p += cb) {
              const eq = f32x4.eq(v128.load(x + p), yv);
              v128.store(dx + p, v128.and(g, v128.andnot(eq, taken)));
              taken = v128.or(taken, eq);
            }
          }
        }
        for (; c < C; c++) {
          const co = <usize>c << 2;
          const yv = load<f32>(y + oo + co);
          const g = load<f32>(dy + oo + co);
          let taken = false;
          for (let kh = 0; kh < ph; kh++) {
            let p = win + <usize>kh * rowb + co;
            for (let kw = 0; kw < pw; kw++, p += cb) {
              const hit = !taken && load<f32>(x + p) == yv;
              store<f32>(dx + p, hit ? g : 0);
              if (hit) taken = true;
            }
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Transposed im2col for Conv2DBackpropFilter.

/**
 * cols[k, j] for image rows r0 … r0+nRows−1 (row r = n·Ho + ho; k = (kh·KW + kw)·Ci + ci; j = (r−r0)·Wo + wo;
 * M = nRows·Wo columns) = x[n, ho·sh + kh − pt, wo·sw + kw − pl, ci], 0 outside the image. A chunk of rows small
 * enough for cols to stay in L2 is what the matMul that follows reads fastest.
 */
export function im2colT(x: usize, cols: usize, H: i32, W: i32, Ci: i32, KH: i32, KW: i32, sh: i32, sw: i32, pt: i32, pl: i32, Ho: i32, Wo: i32, r0: i32, nRows: i32): void {
  const M = <usize>nRows * <usize>Wo;
  const Mb = M << 2;
  for (let r = r0; r < r0 + nRows; r++) {
    const n = r / Ho;
    const ho = r - n * Ho;
    const m0 = <usize>((r - r0) * Wo) << 2;
    for (let kh = 0; kh < KH; kh++) {
      const hi = ho * sh + kh - pt;
      const inRow = hi >= 0 && hi < H;
      const xRow = x + ((<usize>((n * H + hi) * W) * <usize>Ci) << 2);
      for (let kw = 0; kw < KW; kw++) {
        // wo range whose input column wi = wo·sw + kw − pl lies in [0, W)
        const first = kw - pl;
        let lo = 0;
        if (first < 0) lo = (-first + sw - 1) / sw;
        let hiW = Wo;
        if (first > W - 1) hiW = 0;
        else hiW = min<i32>(Wo, (W - 1 - first) / sw + 1);
        if (lo > hiW) lo = hiW;
        const step = <usize>(sw * Ci) << 2;
        for (let ci = 0; ci < Ci; ci++) {
          const k = (kh * KW + kw) * Ci + ci;
          const dst = cols + <usize>k * Mb + m0;
          if (!inRow) {
            memory.fill(dst, 0, <usize>Wo << 2);
            continue;
          }
          if (lo > 0) memory.fill(dst, 0, <usize>lo << 2);
          let src = xRow + ((<usize>(lo * sw + first) * <usize>Ci + <usize>ci) << 2);
          for (let wo = lo; wo < hiW; wo++, src += step) store<f32>(dst + (<usize>wo << 2), load<f32>(src));
          if (hiW < Wo) memory.fill(dst + (<usize>hiW << 2), 0, <usize>(Wo - hiW) << 2);
        }
      }
    }
  }
}

/** acc[i] += src[i], n floats. */
export function accumulate(acc: usize, src: usize, n: i32): void {
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(acc + o, f32x4.add(v128.load(acc + o), v128.load(src + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(acc + o, load<f32>(acc + o) + load<f32>(src + o));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Direct filter gradient (no im2col, no matMul): dW[kh,kw,ci,co] += Σ x[n, ho·sh+kh−pt, wo·sw+kw−pl, ci]·dy[n,ho,wo,co].

/**
 * Adds the filter gradient of all N images into dW [KH, KW, Ci, Co] (Co % 4 == 0; the caller zeroes dW).
 * Image row by image row: the row of dy and the KH rows of x it touches stay in L1 while every (kh, kw, ci, co)
 * tile of dW is updated from registers: 4 input channels × 8 output channels per tile (one vector load of x, four
 * lane splats, two of dy, 8 multiply-adds per output column), single channels where Ci is not a multiple of 4.
 */
export function convFilterGrad(x: usize, dy: usize, dW: usize, N: i32, H: i32, W: i32, Ci: i32, Ho: i32, Wo: i32, Co: i32, KH: i32, KW: i32, sh: i32, sw: i32, pt: i32, pl: i32): void {
  const Ci4 = Ci & ~3;
  const Co8 = Co & ~7;
  const xStep = <usize>(sw * Ci) << 2;
  const dyStep = <usize>Co << 2;
  for (let n = 0; n < N; n++) {
    for (let ho = 0; ho < Ho; ho++) {
      const dyRow = dy + (<usize>((n * Ho + ho) * Wo) * <usize>Co << 2);
      for (let kh = 0; kh < KH; kh++) {
        const hi = ho * sh + kh - pt;
        if (hi < 0 || hi >= H) continue;
        const xRow = x + (<usize>((n * H + hi) * W) * <usize>Ci << 2);
        for (let kw = 0; kw < KW; kw++) {
          const first = kw - pl;
          let lo = 0;
          if (first < 0) lo = (-first + sw - 1) / sw;
          let end = Wo;
          if (first > W - 1) end = 0;
          else end = min<i32>(Wo, (W - 1 - first) / sw + 1);
          if (lo >= end) continue;
          const xStart = xRow + (<usize>(lo * sw + first) * <usize>Ci << 2);
          const dyStart = dyRow + (<usize>lo * <usize>Co << 2);
          const count = end - lo;
          const dwBlock = dW + (<usize>((kh * KW + kw) * Ci) * <usize>Co << 2);
          let ci = 0;
          for (; ci < Ci4; ci += 4) {
            const dwc = dwBlock + (<usize>ci * <usize>Co << 2);
            let co = 0;
            for (; co < Co8; co += 8) tile4x8(xStart + (<usize>ci << 2), dyStart + (<usize>co << 2), dwc + (<usize>co << 2), Co, count, xStep, dyStep);
            if (co < Co) tile4x4(xStart + (<usize>ci << 2), dyStart + (<usize>co << 2), dwc + (<usize>co << 2), Co, count, xStep, dyStep);
          }
          for (; ci < Ci; ci++) {
            const dwc = dwBlock + (<usize>ci * <usize>Co << 2);
            let co = 0;
            for (; co < Co8; co += 8) tile1x8(xStart + (<usize>ci << 2), dyStart + (<usize>co << 2), dwc + (<usize>co << 2), count, xStep, dyStep);
            if (co < Co) tile1x4(xStart + (<usize>ci << 2), dyStart + (<usize>co << 2), dwc + (<usize>co << 2), count, xStep, dyStep);
          }
        }
      }
    }
  }
}

/** dW rows ci..ci+3 (stride Co floats), columns co..co+7 += Σ_wo x[wo, ci..ci+3] ⊗ dy[wo, co..co+7]. */
// @ts-ignore: decorator
@inline
function tile4x8(xp: usize, dp: usize, dw: usize, Co: i32, count: i32, xStep: usize, dyStep: usize): void {
  const rs = <usize>Co << 2;
  let a0 = v128.load(dw), b0 = v128.load(dw + 16);
  let a1 = v128.load(dw + rs), b1 = v128.load(dw + rs + 16);
  let a2 = v128.load(dw + 2 * rs), b2 = v128.load(dw + 2 * rs + 16);
  let a3 = v128.load(dw + 3 * rs), b3 = v128.load(dw + 3 * rs + 16);
  for (let i = 0; i < count; i++, xp += xStep, dp += dyStep) {
    const xv = v128.load(xp);
    const d0 = v128.load(dp);
    const d1 = v128.load(dp + 16);
    const x0 = i32x4.shuffle(xv, xv, 0, 0, 0, 0);
    const x1 = i32x4.shuffle(xv, xv, 1, 1, 1, 1);
    const x2 = i32x4.shuffle(xv, xv, 2, 2, 2, 2);
    const x3 = i32x4.shuffle(xv, xv, 3, 3, 3, 3);
    a0 = f32x4.add(a0, f32x4.mul(x0, d0));
    b0 = f32x4.add(b0, f32x4.mul(x0, d1));
    a1 = f32x4.add(a1, f32x4.mul(x1, d0));
    b1 = f32x4.add(b1, f32x4.mul(x1, d1));
    a2 = f32x4.add(a2, f32x4.mul(x2, d0));
    b2 = f32x4.add(b2, f32x4.mul(x2, d1));
    a3 = f32x4.add(a3, f32x4.mul(x3, d0));
    b3 = f32x4.add(b3, f32x4.mul(x3, d1));
  }
  v128.store(dw, a0);
  v128.store(dw + 16, b0);
  v128.store(dw + rs, a1);
  v128.store(dw + rs + 16, b1);
  v128.store(dw + 2 * rs, a2);
  v128.store(dw + 2 * rs + 16, b2);
  v128.store(dw + 3 * rs, a3);
  v128.store(dw + 3 * rs + 16, b3);
}

// @ts-ignore: decorator
@inline
function tile4x4(xp: usize, dp: usize, dw: usize, Co: i32, count: i32, xStep: usize, dyStep: usize): void {
  const rs = <usize>Co << 2;
  let a0 = v128.load(dw);
  let a1 = v128.load(dw + rs);
  let a2 = v128.load(dw + 2 * rs);
  let a3 = v128.load(dw + 3 * rs);
  for (let i = 0; i < count; i++, xp += xStep, dp += dyStep) {
    const xv = v128.load(xp);
    const d0 = v128.load(dp);
    a0 = f32x4.add(a0, f32x4.mul(i32x4.shuffle(xv, xv, 0, 0, 0, 0), d0));
    a1 = f32x4.add(a1, f32x4.mul(i32x4.shuffle(xv, xv, 1, 1, 1, 1), d0));
    a2 = f32x4.add(a2, f32x4.mul(i32x4.shuffle(xv, xv, 2, 2, 2, 2), d0));
    a3 = f32x4.add(a3, f32x4.mul(i32x4.shuffle(xv, xv, 3, 3, 3, 3), d0));
  }
  v128.store(dw, a0);
  v128.store(dw + rs, a1);
  v128.store(dw + 2 * rs, a2);
  v128.store(dw + 3 * rs, a3);
}

// @ts-ignore: decorator
@inline
function tile1x8(xp: usize, dp: usize, dw: usize, count: i32, xStep: usize, dyStep: usize): void {
  let a0 = v128.load(dw);
  let b0 = v128.load(dw + 16);
  for (let i = 0; i < count; i++, xp += xStep, dp += dyStep) {
    const xs = v128.load32_splat(xp);
    a0 = f32x4.add(a0, f32x4.mul(xs, v128.load(dp)));
    b0 = f32x4.add(b0, f32x4.mul(xs, v128.load(dp + 16)));
  }
  v128.store(dw, a0);
  v128.store(dw + 16, b0);
}

// @ts-ignore: decorator
@inline
function tile1x4(xp: usize, dp: usize, dw: usize, count: i32, xStep: usize, dyStep: usize): void {
  let a0 = v128.load(dw);
  for (let i = 0; i < count; i++, xp += xStep, dp += dyStep) a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(xp), v128.load(dp)));
  v128.store(dw, a0);
}

// ---------------------------------------------------------------------------------------------------------------
// Direct convolution (forward, and the stride-1 input gradient as a convolution with the flipped filter).

/** xp [N, H+pt+pb, W+pl+pr, C] = x zero-padded. */
export function padInput(x: usize, xp: usize, N: i32, H: i32, W: i32, C: i32, pt: i32, pb: i32, pl: i32, pr: i32): void {
  const Hp = H + pt + pb;
  const Wp = W + pl + pr;
  const rowIn = <usize>W * <usize>C << 2;
  const rowOut = <usize>Wp * <usize>C << 2;
  const left = <usize>pl * <usize>C << 2;
  const right = <usize>pr * <usize>C << 2;
  for (let n = 0; n < N; n++) {
    const img = xp + <usize>n * <usize>Hp * rowOut;
    if (pt > 0) memory.fill(img, 0, <usize>pt * rowOut);
    for (let h = 0; h < H; h++) {
      const dst = img + <usize>(h + pt) * rowOut;
      if (left > 0) memory.fill(dst, 0, left);
      memory.copy(dst + left, x + (<usize>(n * H + h)) * rowIn, rowIn);
      if (right > 0) memory.fill(dst + left + rowIn, 0, right);
    }
    if (pb > 0) memory.fill(img + <usize>(H + pt) * rowOut, 0, <usize>pb * rowOut);
  }
}

/**
 * out[n,ho,wo,co] = bias[co] + Σ_{kh,kw,ci} xp[n, ho·sh+kh, wo·sw+kw, ci] · w[kh,kw,ci,co] over an already padded
 * input xp [N, Hp, Wp, Ci]; Co % 4 == 0; bias = 0 for none. Tiles of 4 output pixels × 8 output channels in
 * registers; (kw, ci) is one contiguous run in both xp's row and w, so the inner loop is a single counter.
 */
export function conv2dDirect(xp: usize, w: usize, bias: usize, out: usize, N: i32, Hp: i32, Wp: i32, Ci: i32, Ho: i32, Wo: i32, Co: i32, KH: i32, KW: i32, sh: i32, sw: i32): void {
  const T = KW * Ci; // inner run length
  const pxStep = <usize>(sw * Ci) << 2; // bytes between neighbouring output pixels' inputs
  const xRowBytes = <usize>Wp * <usize>Ci << 2;
  const wRowBytes = <usize>T * <usize>Co << 2; // one kh of w
  const coBytes = <usize>Co << 2;
  const Wo4 = Wo & ~3;
  const Co8 = Co & ~7;
  for (let n = 0; n < N; n++) {
    for (let ho = 0; ho < Ho; ho++) {
      const xRow0 = xp + (<usize>(n * Hp + ho * sh)) * xRowBytes;
      const oRow = out + (<usize>((n * Ho + ho) * Wo)) * coBytes;
      let wo = 0;
      for (; wo < Wo4; wo += 4) {
        const xs = xRow0 + <usize>wo * pxStep;
        const o = oRow + <usize>wo * coBytes;
        let co = 0;
        for (; co < Co8; co += 8) conv4x8(xs, w + (<usize>co << 2), bias, co, o + (<usize>co << 2), KH, T, xRowBytes, wRowBytes, pxStep, coBytes);
        if (co < Co) conv4x4(xs, w + (<usize>co << 2), bias, co, o + (<usize>co << 2), KH, T, xRowBytes, wRowBytes, pxStep, coBytes);
      }
      for (; wo < Wo; wo++) {
        const xs = xRow0 + <usize>wo * pxStep;
        const o = oRow + <usize>wo * coBytes;
        for (let co = 0; co < Co; co += 4) conv1x4(xs, w + (<usize>co << 2), bias, co, o + (<usize>co << 2), KH, T, xRowBytes, wRowBytes, coBytes);
      }
    }
  }
}

// @ts-ignore: decorator
@inline
function biasVec(bias: usize, co: i32): v128 {
  return bias ? v128.load(bias + (<usize>co << 2)) : f32x4.splat(0);
}

// @ts-ignore: decorator
@inline
function conv4x8(xs: usize, w: usize, bias: usize, co: i32, o: usize, KH: i32, T: i32, xRowBytes: usize, wRowBytes: usize, pxStep: usize, coBytes: usize): void {
  let a0 = biasVec(bias, co), b0 = biasVec(bias, co + 4);
  let a1 = a0, b1 = b0, a2 = a0, b2 = b0, a3 = a0, b3 = b0;
  const p2 = pxStep << 1;
  const p3 = pxStep * 3;
  for (let kh = 0; kh < KH; kh++) {
    let xp = xs + <usize>kh * xRowBytes;
    let wp = w + <usize>kh * wRowBytes;
    for (let t = 0; t < T; t++, xp += 4, wp += coBytes) {
      const w0 = v128.load(wp);
      const w1 = v128.load(wp + 16);
      const x0 = v128.load32_splat(xp);
      const x1 = v128.load32_splat(xp + pxStep);
      const x2 = v128.load32_splat(xp + p2);
      const x3 = v128.load32_splat(xp + p3);
      a0 = f32x4.add(a0, f32x4.mul(x0, w0));
      b0 = f32x4.add(b0, f32x4.mul(x0, w1));
      a1 = f32x4.add(a1, f32x4.mul(x1, w0));
      b1 = f32x4.add(b1, f32x4.mul(x1, w1));
      a2 = f32x4.add(a2, f32x4.mul(x2, w0));
      b2 = f32x4.add(b2, f32x4.mul(x2, w1));
      a3 = f32x4.add(a3, f32x4.mul(x3, w0));
      b3 = f32x4.add(b3, f32x4.mul(x3, w1));
    }
  }
  v128.store(o, a0);
  v128.store(o + 16, b0);
  v128.store(o + coBytes, a1);
  v128.store(o + coBytes + 16, b1);
  v128.store(o + 2 * coBytes, a2);
  v128.store(o + 2 * coBytes + 16, b2);
  v128.store(o + 3 * coBytes, a3);
  v128.store(o + 3 * coBytes + 16, b3);
}

// @ts-ignore: decorator
@inline
function conv4x4(xs: usize, w: usize, bias: usize, co: i32, o: usize, KH: i32, T: i32, xRowBytes: usize, wRowBytes: usize, pxStep: usize, coBytes: usize): void {
  let a0 = biasVec(bias, co);
  let a1 = a0, a2 = a0, a3 = a0;
  const p2 = pxStep << 1;
  const p3 = pxStep * 3;
  for (let kh = 0; kh < KH; kh++) {
    let xp = xs + <usize>kh * xRowBytes;
    let wp = w + <usize>kh * wRowBytes;
    for (let t = 0; t < T; t++, xp += 4, wp += coBytes) {
      const w0 = v128.load(wp);
      a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(xp), w0));
      a1 = f32x4.add(a1, f32x4.mul(v128.load32_splat(xp + pxStep), w0));
      a2 = f32x4.add(a2, f32x4.mul(v128.load32_splat(xp + p2), w0));
      a3 = f32x4.add(a3, f32x4.mul(v128.load32_splat(xp + p3), w0));
    }
  }
  v128.store(o, a0);
  v128.store(o + coBytes, a1);
  v128.store(o + 2 * coBytes, a2);
  v128.store(o + 3 * coBytes, a3);
}

// @ts-ignore: decorator
@inline
function conv1x4(xs: usize, w: usize, bias: usize, co: i32, o: usize, KH: i32, T: i32, xRowBytes: usize, wRowBytes: usize, coBytes: usize): void {
  let a0 = biasVec(bias, co);
  for (let kh = 0; kh < KH; kh++) {
    let xp = xs + <usize>kh * xRowBytes;
    let wp = w + <usize>kh * wRowBytes;
    for (let t = 0; t < T; t++, xp += 4, wp += coBytes) a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(xp), v128.load(wp)));
  }
  v128.store(o, a0);
}

// ---------------------------------------------------------------------------------------------------------------
// Dropout without a stored mask.

/**
 * out[i] = x[i]·scale where hash(seed, i) keeps element i, else 0. keep ⇔ (h >>> 8) ≥ threshold (a 24-bit
 * threshold = rate·2²⁴), h = lowbias32((i·0x9E3779B9) ^ seed). The mask is a pure function of (seed, i): the
 * gradient is this same call on dy, so no mask tensor is ever stored. Matches native/tf/ops/dropout.ts' JS version.
 */
export function dropout(x: usize, out: usize, n: i32, seed: u32, threshold: u32, scale: f32): void {
  const n4 = n & ~3;
  const s = i32x4.splat(seed);
  const golden = i32x4.splat(0x9e3779b9);
  const m1 = i32x4.splat(0x7feb352d);
  const m2 = i32x4.splat(0x846ca68b);
  const thr = i32x4.splat(threshold);
  const sc = f32x4.splat(scale);
  const step = i32x4.splat(4);
  let idx = i32x4(0, 1, 2, 3);
  let i = 0;
  for (; i < n4; i += 4) {
    let h = v128.xor(i32x4.mul(idx, golden), s);
    h = v128.xor(h, i32x4.shr_u(h, 16));
    h = i32x4.mul(h, m1);
    h = v128.xor(h, i32x4.shr_u(h, 15));
    h = i32x4.mul(h, m2);
    h = v128.xor(h, i32x4.shr_u(h, 16));
    const keep = i32x4.ge_u(i32x4.shr_u(h, 8), thr);
    const o = <usize>i << 2;
    v128.store(out + o, v128.and(f32x4.mul(v128.load(x + o), sc), keep));
    idx = i32x4.add(idx, step);
  }
  for (; i < n; i++) {
    let h: u32 = (<u32>i * 0x9e3779b9) ^ seed;
    h ^= h >>> 16;
    h *= 0x7feb352d;
    h ^= h >>> 15;
    h *= 0x846ca68b;
    h ^= h >>> 16;
    const o = <usize>i << 2;
    store<f32>(out + o, h >>> 8 >= threshold ? load<f32>(x + o) * scale : 0);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// BatchNorm + ReLU + MaxPool (p×p windows, stride p, 'valid') in one layer: the full-size activation y is never
// written, read back by the pool, or routed back by a separate MaxPool gradient.

/**
 * Forward: batch statistics of x as bnForward (over every row, including rows past the last whole window), then
 * out[n,ho,wo,c] = max(0, max over the window of x·scale + off). scratch: ≥ 12·C floats.
 */
export function bnReluPoolForward(x: usize, out: usize, N: i32, H: i32, W: i32, C: i32, p: i32, gamma: usize, beta: usize, eps: f32, mean: usize, variance: usize, scratch: usize): void {
  const rows = N * H * W;
  statistics(x, rows, C, mean, variance, scratch);
  const scale = scratch;
  const off = scratch + (<usize>C << 2);
  coefficients(C, gamma, beta, eps, mean, variance, scale, off);
  const Ho = H / p;
  const Wo = W / p;
  const cb = <usize>C << 2;
  const rowb = <usize>W * cb;
  const C4 = C & ~3;
  const zero = f32x4.splat(0);
  for (let n = 0; n < N; n++) {
    for (let ho = 0; ho < Ho; ho++) {
      const inBase = x + <usize>(n * H + ho * p) * rowb;
      const outRow = out + <usize>((n * Ho + ho) * Wo) * cb;
      for (let wo = 0; wo < Wo; wo++) {
        const win = inBase + <usize>(wo * p) * cb;
        const o = outRow + <usize>wo * cb;
        let c = 0;
        for (; c < C4; c += 4) {
          const co = <usize>c << 2;
          const s = v128.load(scale + co);
          const b = v128.load(off + co);
          let m = f32x4.splat(-Infinity);
          for (let kh = 0; kh < p; kh++) {
            let q = win + <usize>kh * rowb + co;
            for (let kw = 0; kw < p; kw++, q += cb) m = f32x4.pmax(m, f32x4.add(f32x4.mul(v128.load(q), s), b));
          }
          v128.store(o + co, f32x4.pmax(zero, m));
        }
        for (; c < C; c++) {
          const co = <usize>c << 2;
          const s = load<f32>(scale + co);
          const b = load<f32>(off + co);
          let m: f32 = -Infinity;
          for (let kh = 0; kh < p; kh++) {
            let q = win + <usize>kh * rowb + co;
            for (let kw = 0; kw < p; kw++, q += cb) {
              const v = load<f32>(q) * s + b;
              if (v > m) m = v;
            }
          }
          store<f32>(o + co, m > 0 ? m : 0);
        }
      }
    }
  }
}

/** bnForward's statistics pass on its own: mean/variance (float32) of x [rows, C]. scratch: ≥ 12·C floats. */
function statistics(x: usize, rows: i32, C: i32, mean: usize, variance: usize, scratch: usize): void {
  const cb = <usize>C << 2;
  const ts = scratch;
  const tss = ts + (<usize>C << 3);
  const shift = tss + (<usize>C << 3);
  const bs = shift + cb;
  const bss = bs + cb;
  const C4 = C & ~3;
  memory.copy(shift, x, cb);
  zero64(ts, C);
  zero64(tss, C);
  memory.fill(bs, 0, cb << 1);
  const rb = blockRows(C);
  for (let r0 = 0; r0 < rows; r0 += rb) {
    const r1 = min<i32>(rows, r0 + rb);
    for (let r = r0; r < r1; r++) {
      const row = x + <usize>r * cb;
      let c = 0;
      for (; c < C4; c += 4) {
        const o = <usize>c << 2;
        const d = f32x4.sub(v128.load(row + o), v128.load(shift + o));
        v128.store(bs + o, f32x4.add(v128.load(bs + o), d));
        v128.store(bss + o, f32x4.add(v128.load(bss + o), f32x4.mul(d, d)));
      }
      for (; c < C; c++) {
        const o = <usize>c << 2;
        const d = load<f32>(row + o) - load<f32>(shift + o);
        store<f32>(bs + o, load<f32>(bs + o) + d);
        store<f32>(bss + o, load<f32>(bss + o) + d * d);
      }
    }
    flush(bs, ts, C);
    flush(bss, tss, C);
  }
  const n = <f64>rows;
  for (let c = 0; c < C; c++) {
    const m = load<f64>(ts + (<usize>c << 3)) / n;
    const v = max<f64>(0, load<f64>(tss + (<usize>c << 3)) / n - m * m);
    store<f32>(mean + (<usize>c << 2), <f32>(m + <f64>load<f32>(shift + (<usize>c << 2))));
    store<f32>(variance + (<usize>c << 2), <f32>v);
  }
}

/**
 * Backward of bnReluPoolForward, from dyPool [N, Ho, Wo, C]. Each window's gradient goes to the first position
 * whose x·scale + off equals the window's maximum, when that maximum is > 0 (the same choice as MaxPoolGrad after
 * BatchNorm+ReLU); every other element has dz = 0. Pass 1 sums dz and dz·(x−μ) per channel over the windows;
 * pass 2 writes dx = a·dz + b·x + k everywhere (rows/columns outside whole windows included). scratch: ≥ 16·C floats.
 */
export function bnReluPoolBackward(dyPool: usize, yPool: usize, x: usize, N: i32, H: i32, W: i32, C: i32, p: i32, gamma: usize, beta: usize, mean: usize, variance: usize, eps: f32, dx: usize, dgamma: usize, dbeta: usize, scratch: usize): void {
  const cb = <usize>C << 2;
  const tz = scratch; // f64[C]
  const tzx = tz + (<usize>C << 3); // f64[C]
  const bz = tzx + (<usize>C << 3);
  const bzx = bz + cb;
  const scale = bzx + cb;
  const off = scale + cb;
  const a = off + cb;
  const b = a + cb;
  const k = b + cb;
  coefficients(C, gamma, beta, eps, mean, variance, scale, off);
  zero64(tz, C);
  zero64(tzx, C);
  memory.fill(bz, 0, cb << 1);
  const Ho = H / p;
  const Wo = W / p;
  const rowb = <usize>W * cb;
  const C4 = C & ~3;
  const zero = f32x4.splat(0);
  // pass 1: sums (float32 per window row of the output, float64 across)
  for (let n = 0; n < N; n++) {
    for (let ho = 0; ho < Ho; ho++) {
      const inBase = x + <usize>(n * H + ho * p) * rowb;
      const gRow = dyPool + <usize>((n * Ho + ho) * Wo) * cb;
      for (let wo = 0; wo < Wo; wo++) {
        const win = inBase + <usize>(wo * p) * cb;
        const go = gRow + <usize>wo * cb;
        let c = 0;
        for (; c < C4; c += 4) {
          const co = <usize>c << 2;
          const s = v128.load(scale + co);
          const o = v128.load(off + co);
          const m = v128.load(yPool + (go - dyPool) + co); // the window's maximum of x·scale+off when > 0 (the forward's output)
          // x at the (first) maximum: Σ over positions of x·[v == m & not taken]
          let taken = i32x4.splat(0);
          let xm = f32x4.splat(0);
          for (let kh = 0; kh < p; kh++) {
            let q = win + <usize>kh * rowb + co;
            for (let kw = 0; kw < p; kw++, q += cb) {
              const xv = v128.load(q);
              const eq = f32x4.eq(f32x4.add(f32x4.mul(xv, s), o), m);
              xm = v128.or(xm, v128.and(xv, v128.andnot(eq, taken)));
              taken = v128.or(taken, eq);
            }
          }
          const g = v128.and(v128.load(go + co), f32x4.gt(m, zero));
          v128.store(bz + co, f32x4.add(v128.load(bz + co), g));
          v128.store(bzx + co, f32x4.add(v128.load(bzx + co), f32x4.mul(g, f32x4.sub(xm, v128.load(mean + co)))));
        }
        for (; c < C; c++) {
          const co = <usize>c << 2;
          const s = load<f32>(scale + co);
          const o = load<f32>(off + co);
          const m = load<f32>(yPool + (go - dyPool) + co);
          let xm: f32 = 0;
          for (let kh = 0; kh < p; kh++) {
            let q = win + <usize>kh * rowb + co;
            let found = false;
            for (let kw = 0; kw < p; kw++, q += cb) {
              const xv = load<f32>(q);
              if (xv * s + o == m) {
                xm = xv;
                found = true;
                break;
              }
            }
            if (found) break;
          }
          if (m > 0) {
            const g = load<f32>(go + co);
            store<f32>(bz + co, load<f32>(bz + co) + g);
            store<f32>(bzx + co, load<f32>(bzx + co) + g * (xm - load<f32>(mean + co)));
          }
        }
      }
      flush(bz, tz, C);
      flush(bzx, tzx, C);
    }
  }
  const cnt = <f64>(N * H * W);
  for (let c = 0; c < C; c++) {
    const o = <usize>c << 2;
    const inv = 1 / Math.sqrt(<f64>load<f32>(variance + o) + <f64>eps);
    const db = load<f64>(tz + (<usize>c << 3));
    const dg = load<f64>(tzx + (<usize>c << 3)) * inv;
    store<f32>(dbeta + o, <f32>db);
    store<f32>(dgamma + o, <f32>dg);
    const ac = <f64>load<f32>(gamma + o) * inv;
    const bc = (-ac * dg * inv) / cnt;
    store<f32>(a + o, <f32>ac);
    store<f32>(b + o, <f32>bc);
    store<f32>(k + o, <f32>((-ac * db) / cnt - bc * <f64>load<f32>(mean + o)));
  }
  // pass 2: per window, dx = b·x + k at every position, + a·g at the first maximum (window data stays in L1)
  for (let n = 0; n < N; n++) {
    for (let ho = 0; ho < Ho; ho++) {
      const inBase = <usize>(n * H + ho * p) * rowb;
      const gRow = dyPool + <usize>((n * Ho + ho) * Wo) * cb;
      for (let wo = 0; wo < Wo; wo++) {
        const win = inBase + <usize>(wo * p) * cb;
        const go = gRow + <usize>wo * cb;
        let c = 0;
        for (; c < C4; c += 4) {
          const co = <usize>c << 2;
          const s = v128.load(scale + co);
          const o = v128.load(off + co);
          const av = v128.load(a + co);
          const bv = v128.load(b + co);
          const kv = v128.load(k + co);
          const m = v128.load(yPool + (go - dyPool) + co);
          const ag = f32x4.mul(av, v128.and(v128.load(go + co), f32x4.gt(m, zero)));
          let taken = i32x4.splat(0);
          for (let kh = 0; kh < p; kh++) {
            let q = win + <usize>kh * rowb + co;
            for (let kw = 0; kw < p; kw++, q += cb) {
              const xv = v128.load(x + q);
              const eq = f32x4.eq(f32x4.add(f32x4.mul(xv, s), o), m);
              const here = v128.andnot(eq, taken);
              taken = v128.or(taken, eq);
              v128.store(dx + q, f32x4.add(f32x4.add(v128.and(ag, here), f32x4.mul(bv, xv)), kv));
            }
          }
        }
        for (; c < C; c++) {
          const co = <usize>c << 2;
          const s = load<f32>(scale + co);
          const o = load<f32>(off + co);
          const m = load<f32>(yPool + (go - dyPool) + co);
          let first = -1;
          for (let i = 0; i < p * p; i++) {
            if (load<f32>(x + win + <usize>(i / p) * rowb + <usize>(i % p) * cb + co) * s + o == m) {
              first = i;
              break;
            }
          }
          const ag: f32 = m > 0 ? load<f32>(a + co) * load<f32>(go + co) : 0;
          for (let i = 0; i < p * p; i++) {
            const q = win + <usize>(i / p) * rowb + <usize>(i % p) * cb + co;
            store<f32>(dx + q, (i == first ? ag : 0) + load<f32>(b + co) * load<f32>(x + q) + load<f32>(k + co));
          }
        }
      }
    }
  }
  // rows and columns outside every whole window: dz = 0
  for (let n = 0; n < N; n++) {
    for (let h = 0; h < H; h++) {
      const w0 = h < Ho * p ? Wo * p : 0;
      for (let w = w0; w < W; w++) {
        const e = <usize>((n * H + h) * W + w) * cb;
        for (let c = 0; c < C; c++) {
          const co = <usize>c << 2;
          store<f32>(dx + e + co, load<f32>(b + co) * load<f32>(x + e + co) + load<f32>(k + co));
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Winograd F(2×2, 3×3) convolution (stride 1, 3×3 filter, even output size): every 2×2 output tile costs
// 16·Ci·Co multiplies instead of direct convolution's 36·Ci·Co (2.25× fewer), plus input and output transforms
// (adds only). Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A with
//   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1],  G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],  Aᵀ = [1 1 1 0; 0 1 −1 −1].
// Tiles are numbered across all images (n, tile row, tile column) and done in blocks of TB: the block's input
// tiles are transformed into V [16][TB][Ci], 16 small matrix products M_ξ = V_ξ · U_ξ ([TB, Ci] × [Ci, Co]) fill
// M [16][TB][Co], and the output transform writes the block's 2×2 outputs. Every sum has a fixed order: results
// are deterministic (but not bit-equal to the direct kernel's: the float32 rounding differs).

/**
 * Bytes between a Winograd block's planes (TB tiles × C floats each), one cache line more than TB·C: with a
 * power-of-two stride (e.g. 8 × 32 floats = 1 KB) the 16 or 36 planes a tile's transform touches fall into a few
 * L1 sets and evict each other, which made F(4×4)'s transforms ~2× slower.
 */
// @ts-ignore: decorator
@inline
function planeBytes(TB: i32, C: i32): usize {
  return <usize>(TB * C + 16) << 2;
}

/** Whether the S × S input tile at image row h0, column w0 (padded position minus the padding) lies inside H × W. */
// @ts-ignore: decorator
@inline
function tileInside(h0: i32, w0: i32, S: i32, H: i32, W: i32): bool {
  return h0 >= 0 && w0 >= 0 && h0 + S <= H && w0 + S <= W;
}

/**
 * Copies the S × S tile at (h0, w0) of one image (img [H, W, C], px bytes per pixel) into T [S, S, C], with zeros
 * where it reaches into the padding; returns T. Border tiles go through here instead of a zero-padded copy of the
 * whole input (a pass over it and a large allocation per call).
 */
function gatherTile(img: usize, T: usize, h0: i32, w0: i32, S: i32, H: i32, W: i32, px: usize): usize {
  const tr = <usize>S * px;
  const wa = max<i32>(w0, 0);
  const wb = min<i32>(w0 + S, W);
  for (let i = 0; i < S; i++) {
    const h = h0 + i;
    const d = T + <usize>i * tr;
    if (h < 0 || h >= H || wb <= wa) {
      memory.fill(d, 0, tr);
      continue;
    }
    const left = <usize>(wa - w0) * px;
    const len = <usize>(wb - wa) * px;
    if (left) memory.fill(d, 0, left);
    memory.copy(d + left, img + (<usize>h * <usize>W + <usize>wa) * px, len);
    if (left + len < tr) memory.fill(d + left + len, 0, tr - left - len);
  }
  return T;
}

/** p rounded up to 16 bytes (tfjs' allocator gives 8-byte alignment; v128 loads across cache lines cost more). */
// @ts-ignore: decorator
@inline
function align16(p: usize): usize {
  return (p + 15) & ~(<usize>15);
}

/** U [16][Ci][Co] = G g Gᵀ for every (ci, co) of w [3, 3, Ci, Co] (Co % 4 == 0). */
export function winogradFilter(w: usize, U: usize, Ci: i32, Co: i32): void {
  const tap = <usize>Ci * <usize>Co << 2; // bytes between w's (kh, kw) planes; also between U's ξ planes
  const half = f32x4.splat(0.5);
  for (let ci = 0; ci < Ci; ci++) {
    for (let co = 0; co < Co; co += 4) {
      const off = (<usize>ci * <usize>Co + <usize>co) << 2;
      const g = w + off;
      const g00 = v128.load(g), g01 = v128.load(g + tap), g02 = v128.load(g + 2 * tap);
      const g10 = v128.load(g + 3 * tap), g11 = v128.load(g + 4 * tap), g12 = v128.load(g + 5 * tap);
      const g20 = v128.load(g + 6 * tap), g21 = v128.load(g + 7 * tap), g22 = v128.load(g + 8 * tap);
      // rows: G g (4 × 3)
      const r00 = g00, r01 = g01, r02 = g02;
      const r10 = f32x4.mul(f32x4.add(f32x4.add(g00, g10), g20), half);
      const r11 = f32x4.mul(f32x4.add(f32x4.add(g01, g11), g21), half);
      const r12 = f32x4.mul(f32x4.add(f32x4.add(g02, g12), g22), half);
      const r20 = f32x4.mul(f32x4.add(f32x4.sub(g00, g10), g20), half);
      const r21 = f32x4.mul(f32x4.add(f32x4.sub(g01, g11), g21), half);
      const r22 = f32x4.mul(f32x4.add(f32x4.sub(g02, g12), g22), half);
      const r30 = g20, r31 = g21, r32 = g22;
      const u = U + off;
      filterRow(u, tap, r00, r01, r02, half);
      filterRow(u + 4 * tap, tap, r10, r11, r12, half);
      filterRow(u + 8 * tap, tap, r20, r21, r22, half);
      filterRow(u + 12 * tap, tap, r30, r31, r32, half);
    }
  }
}

/** One row of (G g) Gᵀ: 3 values → 4, stored tap bytes apart. */
// @ts-ignore: decorator
@inline
function filterRow(u: usize, tap: usize, a: v128, b: v128, c: v128, half: v128): void {
  v128.store(u, a);
  v128.store(u + tap, f32x4.mul(f32x4.add(f32x4.add(a, b), c), half));
  v128.store(u + 2 * tap, f32x4.mul(f32x4.add(f32x4.sub(a, b), c), half));
  v128.store(u + 3 * tap, c);
}

/**
 * out [N, Ho, Wo, Co] = conv(x, w) + bias over x [N, H, W, Ci] zero-padded by pt rows above and pl columns on the
 * left (and as many below and on the right as Ho, Wo need), from the transformed filter U (winogradFilter). Needs
 * Ci % 4 == 0, Co % 8 == 0, Ho and Wo even; bias = 0 for none. scratch: ≥ 16·(TB·(Ci + Co) + 32 + Ci) + 4 floats
 * (planeBytes, and one border tile for gatherTile).
 */
export function conv2dWinograd(x: usize, U: usize, bias: usize, out: usize, N: i32, H: i32, W: i32, pt: i32, pl: i32, Ho: i32, Wo: i32, Ci: i32, Co: i32, TB: i32, scratch: usize): void {
  const tilesW = Wo >> 1;
  const tilesPerImage = (Ho >> 1) * tilesW;
  const total = N * tilesPerImage;
  const pv = planeBytes(TB, Ci), pm = planeBytes(TB, Co);
  const V = align16(scratch);
  const M = V + 16 * pv;
  const T = M + 16 * pm;
  for (let t0 = 0; t0 < total; t0 += TB) {
    const nt = min<i32>(TB, total - t0);
    winogradInput(x, V, T, t0, nt, pv, tilesW, tilesPerImage, H, W, pt, pl, Ci);
    for (let xi = 0; xi < 16; xi++) {
      winogradGemm(V + <usize>xi * pv, U + (<usize>(xi * Ci * Co) << 2), M + <usize>xi * pm, nt, Ci, Co);
    }
    winogradOutput(M, bias, out, t0, nt, pm, tilesW, tilesPerImage, Ho, Wo, Co);
  }
}

/** V[ξ][t][ci] = (Bᵀ d B)_ξ for the block's tiles t0..t0+nt−1, 4 channels at a time. */
// @ts-ignore: decorator
@inline
function winogradInput(x: usize, V: usize, T: usize, t0: i32, nt: i32, plane: usize, tilesW: i32, tilesPerImage: i32, H: i32, W: i32, pt: i32, pl: i32, Ci: i32): void {
  const px = <usize>Ci << 2; // bytes per pixel
  for (let t = 0; t < nt; t++) {
    const tile = t0 + t;
    const n = tile / tilesPerImage;
    const r = tile - n * tilesPerImage;
    const th = r / tilesW;
    const tw = r - th * tilesW;
    const h0 = 2 * th - pt, w0 = 2 * tw - pl;
    const inside = tileInside(h0, w0, 4, H, W);
    const row = inside ? <usize>W * px : 4 * px;
    const src0 = inside ? x + (<usize>(n * H + h0) * <usize>W + <usize>w0) * px : gatherTile(x + <usize>(n * H) * <usize>W * px, T, h0, w0, 4, H, W, px);
    const dst0 = V + (<usize>(t * Ci) << 2);
    for (let ci = 0; ci < Ci; ci += 4) {
      const s = src0 + (<usize>ci << 2);
      const d = dst0 + (<usize>ci << 2);
      // Bᵀ d, column by column (j), kept as 4 rows × 4 columns of vectors
      let a0 = v128.load(s), a1 = v128.load(s + px), a2 = v128.load(s + 2 * px), a3 = v128.load(s + 3 * px);
      let b0 = v128.load(s + row), b1 = v128.load(s + row + px), b2 = v128.load(s + row + 2 * px), b3 = v128.load(s + row + 3 * px);
      let c0 = v128.load(s + 2 * row), c1 = v128.load(s + 2 * row + px), c2 = v128.load(s + 2 * row + 2 * px), c3 = v128.load(s + 2 * row + 3 * px);
      let e0 = v128.load(s + 3 * row), e1 = v128.load(s + 3 * row + px), e2 = v128.load(s + 3 * row + 2 * px), e3 = v128.load(s + 3 * row + 3 * px);
      // rows of Bᵀ d: t0 = d0 − d2, t1 = d1 + d2, t2 = d2 − d1, t3 = d1 − d3 (a, b, c, e = input rows 0..3)
      const t00 = f32x4.sub(a0, c0), t01 = f32x4.sub(a1, c1), t02 = f32x4.sub(a2, c2), t03 = f32x4.sub(a3, c3);
      inputRow(d, plane, t00, t01, t02, t03);
      const t10 = f32x4.add(b0, c0), t11 = f32x4.add(b1, c1), t12 = f32x4.add(b2, c2), t13 = f32x4.add(b3, c3);
      inputRow(d + 4 * plane, plane, t10, t11, t12, t13);
      const t20 = f32x4.sub(c0, b0), t21 = f32x4.sub(c1, b1), t22 = f32x4.sub(c2, b2), t23 = f32x4.sub(c3, b3);
      inputRow(d + 8 * plane, plane, t20, t21, t22, t23);
      const t30 = f32x4.sub(b0, e0), t31 = f32x4.sub(b1, e1), t32 = f32x4.sub(b2, e2), t33 = f32x4.sub(b3, e3);
      inputRow(d + 12 * plane, plane, t30, t31, t32, t33);
    }
  }
}

/** One row of (Bᵀ d) B: 4 values → 4, stored plane bytes apart. */
// @ts-ignore: decorator
@inline
function inputRow(d: usize, plane: usize, x0: v128, x1: v128, x2: v128, x3: v128): void {
  v128.store(d, f32x4.sub(x0, x2));
  v128.store(d + plane, f32x4.add(x1, x2));
  v128.store(d + 2 * plane, f32x4.sub(x2, x1));
  v128.store(d + 3 * plane, f32x4.sub(x1, x3));
}

/** M [nt, Co] = V [nt, Ci] · U [Ci, Co]: 4 tiles × 8 output channels per register tile. */
// @ts-ignore: decorator
@inline
function winogradGemm(V: usize, U: usize, M: usize, nt: i32, Ci: i32, Co: i32): void {
  const vRow = <usize>Ci << 2;
  const uRow = <usize>Co << 2;
  const nt4 = nt & ~3;
  let t = 0;
  for (; t < nt4; t += 4) {
    const v = V + <usize>t * vRow;
    const m = M + <usize>t * uRow;
    for (let co = 0; co < Co; co += 8) {
      let a0 = f32x4.splat(0), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
      let vp = v;
      let up = U + (<usize>co << 2);
      for (let ci = 0; ci < Ci; ci++, vp += 4, up += uRow) {
        const w0 = v128.load(up);
        const w1 = v128.load(up + 16);
        const x0 = v128.load32_splat(vp);
        const x1 = v128.load32_splat(vp + vRow);
        const x2 = v128.load32_splat(vp + 2 * vRow);
        const x3 = v128.load32_splat(vp + 3 * vRow);
        a0 = f32x4.add(a0, f32x4.mul(x0, w0));
        b0 = f32x4.add(b0, f32x4.mul(x0, w1));
        a1 = f32x4.add(a1, f32x4.mul(x1, w0));
        b1 = f32x4.add(b1, f32x4.mul(x1, w1));
        a2 = f32x4.add(a2, f32x4.mul(x2, w0));
        b2 = f32x4.add(b2, f32x4.mul(x2, w1));
        a3 = f32x4.add(a3, f32x4.mul(x3, w0));
        b3 = f32x4.add(b3, f32x4.mul(x3, w1));
      }
      const o = m + (<usize>co << 2);
      v128.store(o, a0);
      v128.store(o + 16, b0);
      v128.store(o + uRow, a1);
      v128.store(o + uRow + 16, b1);
      v128.store(o + 2 * uRow, a2);
      v128.store(o + 2 * uRow + 16, b2);
      v128.store(o + 3 * uRow, a3);
      v128.store(o + 3 * uRow + 16, b3);
    }
  }
  for (; t < nt; t++) {
    const v = V + <usize>t * vRow;
    const m = M + <usize>t * uRow;
    for (let co = 0; co < Co; co += 8) {
      let a0 = f32x4.splat(0), b0 = a0;
      let vp = v;
      let up = U + (<usize>co << 2);
      for (let ci = 0; ci < Ci; ci++, vp += 4, up += uRow) {
        const x0 = v128.load32_splat(vp);
        a0 = f32x4.add(a0, f32x4.mul(x0, v128.load(up)));
        b0 = f32x4.add(b0, f32x4.mul(x0, v128.load(up + 16)));
      }
      const o = m + (<usize>co << 2);
      v128.store(o, a0);
      v128.store(o + 16, b0);
    }
  }
}

/** out's 2×2 tiles of the block = Aᵀ M A + bias, 4 channels at a time. */
// @ts-ignore: decorator
@inline
function winogradOutput(M: usize, bias: usize, out: usize, t0: i32, nt: i32, plane: usize, tilesW: i32, tilesPerImage: i32, Ho: i32, Wo: i32, Co: i32): void {
  const px = <usize>Co << 2;
  const row = <usize>Wo * px;
  for (let t = 0; t < nt; t++) {
    const tile = t0 + t;
    const n = tile / tilesPerImage;
    const r = tile - n * tilesPerImage;
    const th = r / tilesW;
    const tw = r - th * tilesW;
    const dst0 = out + (<usize>(n * Ho + 2 * th)) * row + (<usize>(2 * tw)) * px;
    const src0 = M + (<usize>(t * Co) << 2);
    for (let co = 0; co < Co; co += 4) {
      const m = src0 + (<usize>co << 2);
      const bv = biasVec(bias, co);
      // Aᵀ m: s0 = m0 + m1 + m2, s1 = m1 − m2 − m3 over rows (ξ = 4·i + j), per column j
      const s00 = colSum(m, 0, plane), s01 = colSum(m, 1, plane), s02 = colSum(m, 2, plane), s03 = colSum(m, 3, plane);
      const s10 = colDiff(m, 0, plane), s11 = colDiff(m, 1, plane), s12 = colDiff(m, 2, plane), s13 = colDiff(m, 3, plane);
      const d = dst0 + (<usize>co << 2);
      v128.store(d, f32x4.add(f32x4.add(f32x4.add(s00, s01), s02), bv));
      v128.store(d + px, f32x4.add(f32x4.sub(f32x4.sub(s01, s02), s03), bv));
      v128.store(d + row, f32x4.add(f32x4.add(f32x4.add(s10, s11), s12), bv));
      v128.store(d + row + px, f32x4.add(f32x4.sub(f32x4.sub(s11, s12), s13), bv));
    }
  }
}

// @ts-ignore: decorator
@inline
function colSum(m: usize, j: i32, plane: usize): v128 {
  const p = m + <usize>j * plane;
  return f32x4.add(f32x4.add(v128.load(p), v128.load(p + 4 * plane)), v128.load(p + 8 * plane));
}

// @ts-ignore: decorator
@inline
function colDiff(m: usize, j: i32, plane: usize): v128 {
  const p = m + <usize>j * plane;
  return f32x4.sub(f32x4.sub(v128.load(p + 4 * plane), v128.load(p + 8 * plane)), v128.load(p + 12 * plane));
}

// Winograd F(2×2, 3×3) filter gradient. With V = Bᵀ d B (an input tile) and dM = A dY Aᵀ (the tile's 2×2 output
// gradient, 4×4 after the transform), dU_ξ = Σ_tiles V_ξ ⊗ dM_ξ ([Ci] × [Co] outer products: 16·Ci·Co multiplies per
// tile against direct's 36·Ci·Co) and dW = Gᵀ dU G.

/**
 * dU [16][Ci][Co] += Σ over all tiles of V_ξ[ci]·dM_ξ[co], from the input x [N, H, W, Ci] (padded as in
 * conv2dWinograd) and the output gradient dy [N, Ho, Wo, Co]. Needs Ci % 4 == 0, Co % 8 == 0, Ho and Wo even; the
 * caller zeroes dU. scratch: as conv2dWinograd's. Tiles are summed block by block in a fixed order (deterministic).
 */
export function convFilterGradWinograd(x: usize, dy: usize, dU: usize, N: i32, H: i32, W: i32, pt: i32, pl: i32, Ho: i32, Wo: i32, Ci: i32, Co: i32, TB: i32, scratch: usize): void {
  const tilesW = Wo >> 1;
  const tilesPerImage = (Ho >> 1) * tilesW;
  const total = N * tilesPerImage;
  const pv = planeBytes(TB, Ci), pm = planeBytes(TB, Co);
  const V = align16(scratch);
  const dM = V + 16 * pv;
  const T = dM + 16 * pm;
  for (let t0 = 0; t0 < total; t0 += TB) {
    const nt = min<i32>(TB, total - t0);
    winogradInput(x, V, T, t0, nt, pv, tilesW, tilesPerImage, H, W, pt, pl, Ci);
    winogradOutputGrad(dy, dM, t0, nt, pm, tilesW, tilesPerImage, Ho, Wo, Co);
    for (let xi = 0; xi < 16; xi++) {
      winogradOuter(V + <usize>xi * pv, dM + <usize>xi * pm, dU + (<usize>(xi * Ci * Co) << 2), nt, Ci, Co);
    }
  }
}

/** dM[ξ][t][co] = (A dY Aᵀ)_ξ for the block's tiles, A = [1 0; 1 1; 1 −1; 0 −1], 4 channels at a time. */
// @ts-ignore: decorator
@inline
function winogradOutputGrad(dy: usize, dM: usize, t0: i32, nt: i32, plane: usize, tilesW: i32, tilesPerImage: i32, Ho: i32, Wo: i32, Co: i32): void {
  const px = <usize>Co << 2;
  const row = <usize>Wo * px;
  for (let t = 0; t < nt; t++) {
    const tile = t0 + t;
    const n = tile / tilesPerImage;
    const r = tile - n * tilesPerImage;
    const th = r / tilesW;
    const tw = r - th * tilesW;
    const src0 = dy + (<usize>(n * Ho + 2 * th)) * row + (<usize>(2 * tw)) * px;
    const dst0 = dM + (<usize>(t * Co) << 2);
    for (let co = 0; co < Co; co += 4) {
      const s = src0 + (<usize>co << 2);
      const d = dst0 + (<usize>co << 2);
      const y00 = v128.load(s), y01 = v128.load(s + px), y10 = v128.load(s + row), y11 = v128.load(s + row + px);
      // rows of A dY: (y0, y0 + y1, y0 − y1, −y1), each row (a, b) → (a, a + b, a − b, −b)
      gradRow(d, plane, y00, y01);
      gradRow(d + 4 * plane, plane, f32x4.add(y00, y10), f32x4.add(y01, y11));
      gradRow(d + 8 * plane, plane, f32x4.sub(y00, y10), f32x4.sub(y01, y11));
      gradRow(d + 12 * plane, plane, f32x4.neg(y10), f32x4.neg(y11));
    }
  }
}

// @ts-ignore: decorator
@inline
function gradRow(d: usize, plane: usize, a: v128, b: v128): void {
  v128.store(d, a);
  v128.store(d + plane, f32x4.add(a, b));
  v128.store(d + 2 * plane, f32x4.sub(a, b));
  v128.store(d + 3 * plane, f32x4.neg(b));
}

/** dU [Ci, Co] += Vᵀ dM over nt tiles (V [nt, Ci], dM [nt, Co]): 4 input × 8 output channels per register tile. */
// @ts-ignore: decorator
@inline
function winogradOuter(V: usize, dM: usize, dU: usize, nt: i32, Ci: i32, Co: i32): void {
  const vRow = <usize>Ci << 2;
  const mRow = <usize>Co << 2;
  for (let ci = 0; ci < Ci; ci += 4) {
    const du = dU + <usize>ci * mRow;
    for (let co = 0; co < Co; co += 8) {
      const o = du + (<usize>co << 2);
      let a0 = v128.load(o), b0 = v128.load(o + 16);
      let a1 = v128.load(o + mRow), b1 = v128.load(o + mRow + 16);
      let a2 = v128.load(o + 2 * mRow), b2 = v128.load(o + 2 * mRow + 16);
      let a3 = v128.load(o + 3 * mRow), b3 = v128.load(o + 3 * mRow + 16);
      let vp = V + (<usize>ci << 2);
      let mp = dM + (<usize>co << 2);
      for (let t = 0; t < nt; t++, vp += vRow, mp += mRow) {
        const d0 = v128.load(mp);
        const d1 = v128.load(mp + 16);
        const x0 = v128.load32_splat(vp);
        const x1 = v128.load32_splat(vp + 4);
        const x2 = v128.load32_splat(vp + 8);
        const x3 = v128.load32_splat(vp + 12);
        a0 = f32x4.add(a0, f32x4.mul(x0, d0));
        b0 = f32x4.add(b0, f32x4.mul(x0, d1));
        a1 = f32x4.add(a1, f32x4.mul(x1, d0));
        b1 = f32x4.add(b1, f32x4.mul(x1, d1));
        a2 = f32x4.add(a2, f32x4.mul(x2, d0));
        b2 = f32x4.add(b2, f32x4.mul(x2, d1));
        a3 = f32x4.add(a3, f32x4.mul(x3, d0));
        b3 = f32x4.add(b3, f32x4.mul(x3, d1));
      }
      v128.store(o, a0);
      v128.store(o + 16, b0);
      v128.store(o + mRow, a1);
      v128.store(o + mRow + 16, b1);
      v128.store(o + 2 * mRow, a2);
      v128.store(o + 2 * mRow + 16, b2);
      v128.store(o + 3 * mRow, a3);
      v128.store(o + 3 * mRow + 16, b3);
    }
  }
}

/** dW [3, 3, Ci, Co] = Gᵀ dU G for every (ci, co), Gᵀ = [1 ½ ½ 0; 0 ½ −½ 0; 0 ½ ½ 1] (Co % 4 == 0). */
export function winogradFilterGrad(dU: usize, dW: usize, Ci: i32, Co: i32): void {
  const tap = <usize>Ci * <usize>Co << 2;
  const half = f32x4.splat(0.5);
  for (let ci = 0; ci < Ci; ci++) {
    for (let co = 0; co < Co; co += 4) {
      const off = (<usize>ci * <usize>Co + <usize>co) << 2;
      const u = dU + off;
      // Gᵀ over rows: r0 = u0 + ½(u1 + u2), r1 = ½(u1 − u2), r2 = ½(u1 + u2) + u3, for each of the 4 columns j
      const r00 = gradRowSum0(u, tap, 0, half), r01 = gradRowSum0(u, tap, 1, half), r02 = gradRowSum0(u, tap, 2, half), r03 = gradRowSum0(u, tap, 3, half);
      const r10 = gradRowDiff(u, tap, 0, half), r11 = gradRowDiff(u, tap, 1, half), r12 = gradRowDiff(u, tap, 2, half), r13 = gradRowDiff(u, tap, 3, half);
      const r20 = gradRowSum3(u, tap, 0, half), r21 = gradRowSum3(u, tap, 1, half), r22 = gradRowSum3(u, tap, 2, half), r23 = gradRowSum3(u, tap, 3, half);
      const w = dW + off;
      filterGradCols(w, tap, r00, r01, r02, r03, half);
      filterGradCols(w + 3 * tap, tap, r10, r11, r12, r13, half);
      filterGradCols(w + 6 * tap, tap, r20, r21, r22, r23, half);
    }
  }
}

// @ts-ignore: decorator
@inline
function gradRowSum0(u: usize, tap: usize, j: i32, half: v128): v128 {
  const p = u + <usize>j * tap;
  return f32x4.add(v128.load(p), f32x4.mul(f32x4.add(v128.load(p + 4 * tap), v128.load(p + 8 * tap)), half));
}

// @ts-ignore: decorator
@inline
function gradRowDiff(u: usize, tap: usize, j: i32, half: v128): v128 {
  const p = u + <usize>j * tap;
  return f32x4.mul(f32x4.sub(v128.load(p + 4 * tap), v128.load(p + 8 * tap)), half);
}

// @ts-ignore: decorator
@inline
function gradRowSum3(u: usize, tap: usize, j: i32, half: v128): v128 {
  const p = u + <usize>j * tap;
  return f32x4.add(f32x4.mul(f32x4.add(v128.load(p + 4 * tap), v128.load(p + 8 * tap)), half), v128.load(p + 12 * tap));
}

/** One row of (Gᵀ dU) G: 4 values → 3 (kw = 0, 1, 2), stored tap bytes apart. */
// @ts-ignore: decorator
@inline
function filterGradCols(w: usize, tap: usize, a: v128, b: v128, c: v128, d: v128, half: v128): void {
  v128.store(w, f32x4.add(a, f32x4.mul(f32x4.add(b, c), half)));
  v128.store(w + tap, f32x4.mul(f32x4.sub(b, c), half));
  v128.store(w + 2 * tap, f32x4.add(f32x4.mul(f32x4.add(b, c), half), d));
}

// ---------------------------------------------------------------------------------------------------------------
// Winograd F(4×4, 3×3) (Lavin & Gray; points 0, ±1, ±2, ∞): every 4×4 output tile from a 6×6 input tile costs
// 36·Ci·Co multiplies, against F(2×2)'s 4 tiles × 16·Ci·Co = 64·Ci·Co (1.78× fewer) and direct's 144·Ci·Co, for
// dearer transforms (with multiplies by 2, 4, 5, 8 and the filter's 1/6, 1/12, 1/24, so float32 rounding grows
// to ~10⁻⁵ of the largest value). Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A with
//   Bᵀ = [4 0 −5 0 1 0; 0 −4 −4 1 1 0; 0 4 −4 −1 1 0; 0 −2 −1 2 1 0; 0 2 −1 −2 1 0; 0 4 0 −5 0 1],
//   G  = [¼ 0 0; −⅙ −⅙ −⅙; −⅙ ⅙ −⅙; 1/24 1/12 ⅙; 1/24 −1/12 ⅙; 0 0 1],
//   Aᵀ = [1 1 1 1 1 0; 0 1 −1 2 −2 0; 0 1 1 4 4 0; 0 1 −1 8 −8 1].
// Same block structure as F(2×2) above with 36 planes (ξ = 6·i + j) instead of 16; each 2-D transform is done as
// 1-D column transforms then 1-D row transforms, through the block's own V / M planes (in place), so only ~8
// vectors are live at a time (36 would spill). Fixed summation order: deterministic.

/** U [36][Ci][Co] = G g Gᵀ for every (ci, co) of w [3, 3, Ci, Co] (Co % 4 == 0). */
export function winogradFilter4(w: usize, U: usize, Ci: i32, Co: i32): void {
  const tap = <usize>Ci * <usize>Co << 2; // bytes between w's (kh, kw) planes and between U's ξ planes
  for (let ci = 0; ci < Ci; ci++) {
    for (let co = 0; co < Co; co += 4) {
      const off = (<usize>ci * <usize>Co + <usize>co) << 2;
      const g = w + off;
      const u = U + off;
      // columns: (G g)[i][kw] into U's planes 6·i + kw
      for (let kw = 0; kw < 3; kw++) {
        const p = g + <usize>kw * tap;
        filter6(u + <usize>kw * tap, 6 * tap, v128.load(p), v128.load(p + 3 * tap), v128.load(p + 6 * tap));
      }
      // rows: (G g) Gᵀ, planes 6·i + 0..2 → 6·i + 0..5
      for (let i = 0; i < 6; i++) {
        const p = u + <usize>(6 * i) * tap;
        filter6(p, tap, v128.load(p), v128.load(p + tap), v128.load(p + 2 * tap));
      }
    }
  }
}

/** G [a b c]ᵀ (3 values → 6), stored `step` bytes apart (reads its inputs before the first store). */
// @ts-ignore: decorator
@inline
function filter6(d: usize, step: usize, a: v128, b: v128, c: v128): void {
  const ac = f32x4.add(a, c);
  const ac4 = f32x4.mul(f32x4.add(a, f32x4.mul(c, f32x4.splat(4))), f32x4.splat(1.0 / 24));
  const b12 = f32x4.mul(b, f32x4.splat(1.0 / 12));
  const sixth = f32x4.splat(-1.0 / 6);
  v128.store(d, f32x4.mul(a, f32x4.splat(0.25)));
  v128.store(d + step, f32x4.mul(f32x4.add(ac, b), sixth));
  v128.store(d + 2 * step, f32x4.mul(f32x4.sub(ac, b), sixth));
  v128.store(d + 3 * step, f32x4.add(ac4, b12));
  v128.store(d + 4 * step, f32x4.sub(ac4, b12));
  v128.store(d + 5 * step, c);
}

/**
 * out [N, Ho, Wo, Co] = conv(x, w) + bias, x [N, H, W, Ci] padded as in conv2dWinograd, from U (winogradFilter4).
 * Needs Ci % 4 == 0, Co % 8 == 0, Ho and Wo divisible by 4; bias = 0 for none. scratch: ≥ 36·(TB·(Ci + Co) + 32 +
 * Ci) + 4 floats.
 */
export function conv2dWinograd4(x: usize, U: usize, bias: usize, out: usize, N: i32, H: i32, W: i32, pt: i32, pl: i32, Ho: i32, Wo: i32, Ci: i32, Co: i32, TB: i32, scratch: usize): void {
  const tilesW = Wo >> 2;
  const tilesPerImage = (Ho >> 2) * tilesW;
  const total = N * tilesPerImage;
  const pv = planeBytes(TB, Ci), pm = planeBytes(TB, Co);
  const V = align16(scratch);
  const M = V + 36 * pv;
  const T = M + 36 * pm;
  for (let t0 = 0; t0 < total; t0 += TB) {
    const nt = min<i32>(TB, total - t0);
    winogradInput4(x, V, T, t0, nt, pv, tilesW, tilesPerImage, H, W, pt, pl, Ci);
    for (let xi = 0; xi < 36; xi++) {
      winogradGemm(V + <usize>xi * pv, U + (<usize>(xi * Ci * Co) << 2), M + <usize>xi * pm, nt, Ci, Co);
    }
    winogradOutput4(M, bias, out, t0, nt, pm, tilesW, tilesPerImage, Ho, Wo, Co);
  }
}

/** V[ξ][t][ci] = (Bᵀ d B)_ξ for the block's 6×6 input tiles, 4 channels at a time: columns, then rows in place. */
// @ts-ignore: decorator
@inline
function winogradInput4(x: usize, V: usize, T: usize, t0: i32, nt: i32, plane: usize, tilesW: i32, tilesPerImage: i32, H: i32, W: i32, pt: i32, pl: i32, Ci: i32): void {
  const px = <usize>Ci << 2;
  for (let t = 0; t < nt; t++) {
    const tile = t0 + t;
    const n = tile / tilesPerImage;
    const r = tile - n * tilesPerImage;
    const th = r / tilesW;
    const tw = r - th * tilesW;
    const h0 = 4 * th - pt, w0 = 4 * tw - pl;
    const inside = tileInside(h0, w0, 6, H, W);
    const row = inside ? <usize>W * px : 6 * px;
    const src0 = inside ? x + (<usize>(n * H + h0) * <usize>W + <usize>w0) * px : gatherTile(x + <usize>(n * H) * <usize>W * px, T, h0, w0, 6, H, W, px);
    const dst0 = V + (<usize>(t * Ci) << 2);
    for (let ci = 0; ci < Ci; ci += 4) {
      const s = src0 + (<usize>ci << 2);
      const d = dst0 + (<usize>ci << 2);
      for (let j = 0; j < 6; j++) {
        const p = s + <usize>j * px;
        inputB6(d + <usize>j * plane, 6 * plane, v128.load(p), v128.load(p + row), v128.load(p + 2 * row), v128.load(p + 3 * row), v128.load(p + 4 * row), v128.load(p + 5 * row));
      }
      for (let i = 0; i < 6; i++) {
        const p = d + <usize>(6 * i) * plane;
        inputB6(p, plane, v128.load(p), v128.load(p + plane), v128.load(p + 2 * plane), v128.load(p + 3 * plane), v128.load(p + 4 * plane), v128.load(p + 5 * plane));
      }
    }
  }
}

/** Bᵀ [d0..d5]ᵀ (6 → 6), stored `step` bytes apart. */
// @ts-ignore: decorator
@inline
function inputB6(d: usize, step: usize, d0: v128, d1: v128, d2: v128, d3: v128, d4: v128, d5: v128): void {
  const four = f32x4.splat(4);
  const five = f32x4.splat(5);
  const u = f32x4.sub(d4, f32x4.mul(d2, four)); // d4 − 4 d2
  const v = f32x4.sub(d3, f32x4.mul(d1, four)); // d3 − 4 d1
  const p = f32x4.sub(d4, d2);
  const q = f32x4.mul(f32x4.sub(d3, d1), f32x4.splat(2));
  v128.store(d, f32x4.add(f32x4.sub(f32x4.mul(d0, four), f32x4.mul(d2, five)), d4));
  v128.store(d + step, f32x4.add(u, v));
  v128.store(d + 2 * step, f32x4.sub(u, v));
  v128.store(d + 3 * step, f32x4.add(p, q));
  v128.store(d + 4 * step, f32x4.sub(p, q));
  v128.store(d + 5 * step, f32x4.add(f32x4.sub(f32x4.mul(d1, four), f32x4.mul(d3, five)), d5));
}

/** out's 4×4 tiles of the block = Aᵀ M A + bias, 4 channels at a time (columns into M's rows 0..3, then rows). */
// @ts-ignore: decorator
@inline
function winogradOutput4(M: usize, bias: usize, out: usize, t0: i32, nt: i32, plane: usize, tilesW: i32, tilesPerImage: i32, Ho: i32, Wo: i32, Co: i32): void {
  const px = <usize>Co << 2;
  const row = <usize>Wo * px;
  const zero = f32x4.splat(0);
  for (let t = 0; t < nt; t++) {
    const tile = t0 + t;
    const n = tile / tilesPerImage;
    const r = tile - n * tilesPerImage;
    const th = r / tilesW;
    const tw = r - th * tilesW;
    const dst0 = out + (<usize>(n * Ho + 4 * th)) * row + (<usize>(4 * tw)) * px;
    const src0 = M + (<usize>(t * Co) << 2);
    for (let co = 0; co < Co; co += 4) {
      const m = src0 + (<usize>co << 2);
      for (let j = 0; j < 6; j++) {
        const p = m + <usize>j * plane;
        const s = 6 * plane;
        outputA4(p, s, v128.load(p), v128.load(p + s), v128.load(p + 2 * s), v128.load(p + 3 * s), v128.load(p + 4 * s), v128.load(p + 5 * s), zero);
      }
      const bv = biasVec(bias, co);
      const d = dst0 + (<usize>co << 2);
      for (let i = 0; i < 4; i++) {
        const p = m + <usize>(6 * i) * plane;
        outputA4(d + <usize>i * row, px, v128.load(p), v128.load(p + plane), v128.load(p + 2 * plane), v128.load(p + 3 * plane), v128.load(p + 4 * plane), v128.load(p + 5 * plane), bv);
      }
    }
  }
}

/** Aᵀ [m0..m5]ᵀ + b (6 → 4), stored `step` bytes apart. */
// @ts-ignore: decorator
@inline
function outputA4(d: usize, step: usize, m0: v128, m1: v128, m2: v128, m3: v128, m4: v128, m5: v128, b: v128): void {
  const a = f32x4.add(m1, m2);
  const s = f32x4.sub(m1, m2);
  const c = f32x4.add(m3, m4);
  const e = f32x4.sub(m3, m4);
  v128.store(d, f32x4.add(f32x4.add(f32x4.add(m0, a), c), b));
  v128.store(d + step, f32x4.add(f32x4.add(s, f32x4.mul(e, f32x4.splat(2))), b));
  v128.store(d + 2 * step, f32x4.add(f32x4.add(a, f32x4.mul(c, f32x4.splat(4))), b));
  v128.store(d + 3 * step, f32x4.add(f32x4.add(f32x4.add(s, f32x4.mul(e, f32x4.splat(8))), m5), b));
}

// Winograd F(4×4, 3×3) filter gradient: dM = A dY Aᵀ (6×6 from the 4×4 output gradient), dU_ξ = Σ_tiles V_ξ ⊗ dM_ξ
// (36·Ci·Co multiplies per 16 outputs), dW = Gᵀ dU G.

/**
 * dU [36][Ci][Co] += Σ over all tiles of V_ξ[ci]·dM_ξ[co], from x [N, H, W, Ci] (padded as in conv2dWinograd) and dy
 * [N, Ho, Wo, Co]. Needs Ci % 4 == 0, Co % 8 == 0, Ho and Wo divisible by 4; the caller zeroes dU. scratch: as
 * conv2dWinograd4's.
 */
export function convFilterGradWinograd4(x: usize, dy: usize, dU: usize, N: i32, H: i32, W: i32, pt: i32, pl: i32, Ho: i32, Wo: i32, Ci: i32, Co: i32, TB: i32, scratch: usize): void {
  const tilesW = Wo >> 2;
  const tilesPerImage = (Ho >> 2) * tilesW;
  const total = N * tilesPerImage;
  const pv = planeBytes(TB, Ci), pm = planeBytes(TB, Co);
  const V = align16(scratch);
  const dM = V + 36 * pv;
  const T = dM + 36 * pm;
  for (let t0 = 0; t0 < total; t0 += TB) {
    const nt = min<i32>(TB, total - t0);
    winogradInput4(x, V, T, t0, nt, pv, tilesW, tilesPerImage, H, W, pt, pl, Ci);
    winogradOutputGrad4(dy, dM, t0, nt, pm, tilesW, tilesPerImage, Ho, Wo, Co);
    for (let xi = 0; xi < 36; xi++) {
      winogradOuter(V + <usize>xi * pv, dM + <usize>xi * pm, dU + (<usize>(xi * Ci * Co) << 2), nt, Ci, Co);
    }
  }
}

/** dM[ξ][t][co] = (A dY Aᵀ)_ξ for the block's 4×4 output-gradient tiles, 4 channels at a time. */
// @ts-ignore: decorator
@inline
function winogradOutputGrad4(dy: usize, dM: usize, t0: i32, nt: i32, plane: usize, tilesW: i32, tilesPerImage: i32, Ho: i32, Wo: i32, Co: i32): void {
  const px = <usize>Co << 2;
  const row = <usize>Wo * px;
  for (let t = 0; t < nt; t++) {
    const tile = t0 + t;
    const n = tile / tilesPerImage;
    const r = tile - n * tilesPerImage;
    const th = r / tilesW;
    const tw = r - th * tilesW;
    const src0 = dy + (<usize>(n * Ho + 4 * th)) * row + (<usize>(4 * tw)) * px;
    const dst0 = dM + (<usize>(t * Co) << 2);
    for (let co = 0; co < Co; co += 4) {
      const s = src0 + (<usize>co << 2);
      const d = dst0 + (<usize>co << 2);
      for (let j = 0; j < 4; j++) {
        const p = s + <usize>j * px;
        gradA6(d + <usize>j * plane, 6 * plane, v128.load(p), v128.load(p + row), v128.load(p + 2 * row), v128.load(p + 3 * row));
      }
      for (let i = 0; i < 6; i++) {
        const p = d + <usize>(6 * i) * plane;
        gradA6(p, plane, v128.load(p), v128.load(p + plane), v128.load(p + 2 * plane), v128.load(p + 3 * plane));
      }
    }
  }
}

/** A [y0..y3]ᵀ (4 → 6), A = Aᵀᵀ, stored `step` bytes apart. */
// @ts-ignore: decorator
@inline
function gradA6(d: usize, step: usize, y0: v128, y1: v128, y2: v128, y3: v128): void {
  const p = f32x4.add(y0, y2);
  const q = f32x4.add(y1, y3);
  const r = f32x4.add(y0, f32x4.mul(y2, f32x4.splat(4)));
  const s = f32x4.add(f32x4.mul(y1, f32x4.splat(2)), f32x4.mul(y3, f32x4.splat(8)));
  v128.store(d, y0);
  v128.store(d + step, f32x4.add(p, q));
  v128.store(d + 2 * step, f32x4.sub(p, q));
  v128.store(d + 3 * step, f32x4.add(r, s));
  v128.store(d + 4 * step, f32x4.sub(r, s));
  v128.store(d + 5 * step, y3);
}

/** dW [3, 3, Ci, Co] = Gᵀ dU G for every (ci, co) (Co % 4 == 0); overwrites dU's planes 6·k + j (k < 3) on the way. */
export function winogradFilterGrad4(dU: usize, dW: usize, Ci: i32, Co: i32): void {
  const tap = <usize>Ci * <usize>Co << 2;
  for (let ci = 0; ci < Ci; ci++) {
    for (let co = 0; co < Co; co += 4) {
      const off = (<usize>ci * <usize>Co + <usize>co) << 2;
      const u = dU + off;
      for (let j = 0; j < 6; j++) {
        const p = u + <usize>j * tap;
        const s = 6 * tap;
        filterGrad3(p, s, v128.load(p), v128.load(p + s), v128.load(p + 2 * s), v128.load(p + 3 * s), v128.load(p + 4 * s), v128.load(p + 5 * s));
      }
      const w = dW + off;
      for (let k = 0; k < 3; k++) {
        const p = u + <usize>(6 * k) * tap;
        filterGrad3(w + <usize>(3 * k) * tap, tap, v128.load(p), v128.load(p + tap), v128.load(p + 2 * tap), v128.load(p + 3 * tap), v128.load(p + 4 * tap), v128.load(p + 5 * tap));
      }
    }
  }
}

/** Gᵀ [u0..u5]ᵀ (6 → 3), stored `step` bytes apart. */
// @ts-ignore: decorator
@inline
function filterGrad3(d: usize, step: usize, u0: v128, u1: v128, u2: v128, u3: v128, u4: v128, u5: v128): void {
  const a = f32x4.add(u1, u2);
  const b = f32x4.sub(u1, u2);
  const c = f32x4.add(u3, u4);
  const e = f32x4.sub(u3, u4);
  const sixth = f32x4.splat(1.0 / 6);
  v128.store(d, f32x4.add(f32x4.sub(f32x4.mul(u0, f32x4.splat(0.25)), f32x4.mul(a, sixth)), f32x4.mul(c, f32x4.splat(1.0 / 24))));
  v128.store(d + step, f32x4.sub(f32x4.mul(e, f32x4.splat(1.0 / 12)), f32x4.mul(b, sixth)));
  v128.store(d + 2 * step, f32x4.add(f32x4.mul(f32x4.sub(c, a), sixth), u5));
}

// ---------------------------------------------------------------------------------------------------------------
// Filter gradient of a 3×3 stride-1 convolution with one input channel (the first layer, 1 → 16).

/**
 * dW [3, 3, 1, Co] += Σ xp[n, ho+kh, wo+kw] · dy[n, ho, wo, co] over a padded input xp [N, Hp, Wp] (Co % 8 == 0; the
 * caller zeroes dW). For each image row and kh, one pass over the row with the three kw taps × 8 output channels in
 * registers (3 loads of x, 2 of dy, 12 multiply-adds per pixel, where convFilterGrad's single-channel tiles do 1 of
 * x and 2 of dy for 4). Each dW element sums the same products in the same order as convFilterGrad: bit-identical.
 */
export function convFilterGrad3x3c1(xp: usize, dy: usize, dW: usize, N: i32, Hp: i32, Wp: i32, Ho: i32, Wo: i32, Co: i32): void {
  const coBytes = <usize>Co << 2;
  const xRow = <usize>Wp << 2;
  for (let n = 0; n < N; n++) {
    for (let ho = 0; ho < Ho; ho++) {
      const dyRow = dy + (<usize>((n * Ho + ho) * Wo)) * coBytes;
      for (let kh = 0; kh < 3; kh++) {
        const xr = xp + (<usize>(n * Hp + ho + kh)) * xRow;
        const dwk = dW + <usize>(kh * 3) * coBytes;
        for (let co = 0; co < Co; co += 8) {
          const d = dwk + (<usize>co << 2);
          let a0 = v128.load(d), b0 = v128.load(d + 16);
          let a1 = v128.load(d + coBytes), b1 = v128.load(d + coBytes + 16);
          let a2 = v128.load(d + 2 * coBytes), b2 = v128.load(d + 2 * coBytes + 16);
          let xq = xr;
          let dp = dyRow + (<usize>co << 2);
          for (let wo = 0; wo < Wo; wo++, xq += 4, dp += coBytes) {
            const g0 = v128.load(dp);
            const g1 = v128.load(dp + 16);
            const p0 = v128.load32_splat(xq);
            const p1 = v128.load32_splat(xq, 4);
            const p2 = v128.load32_splat(xq, 8);
            a0 = f32x4.add(a0, f32x4.mul(p0, g0));
            b0 = f32x4.add(b0, f32x4.mul(p0, g1));
            a1 = f32x4.add(a1, f32x4.mul(p1, g0));
            b1 = f32x4.add(b1, f32x4.mul(p1, g1));
            a2 = f32x4.add(a2, f32x4.mul(p2, g0));
            b2 = f32x4.add(b2, f32x4.mul(p2, g1));
          }
          v128.store(d, a0);
          v128.store(d + 16, b0);
          v128.store(d + coBytes, a1);
          v128.store(d + coBytes + 16, b1);
          v128.store(d + 2 * coBytes, a2);
          v128.store(d + 2 * coBytes + 16, b2);
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The first conv block fused (issue 10): 3×3 'same' convolution of a single-channel image + BatchNorm (training) +
// ReLU + MaxPool p×p (stride p, 'valid'). On the paper's 128×128 chunks the block's 16-channel activation is 117 MB
// per 16 samples, and the separate kernels streamed it ~7 times (conv write, statistics, pool, two backward
// passes, dx write, filter gradient): ~38 % of a training step, all memory traffic. Here nothing full-size is
// ever stored:
//  - the batch statistics come from the input's 3×3 patch statistics (R = Σ patch·patchᵀ, S = Σ patch over all
//    H·W output positions, zero padding): mean_c = w_c·S/n + bias_c, var_c = w_cᵀ Cov w_c;
//  - one pass computes each window's conv outputs in registers, normalises, takes the max and writes the pooled
//    output and the position of the (first) maximum (one byte per output; 255 when the ReLU zeroed it);
//  - the backward pass needs dy, those bytes and the input: with A_c[t] = Σ over windows of g·patch(argmax)_t,
//    dW_c = bc·n·Cov w_c − (ac·Σg/n)·S + ac·A_c (the BatchNorm gradient folded into the filter gradient, with
//    ac = γ/σ, bc = −ac·dγ/(σ·n) as in bnReluPoolBackward), dγ = (w_c·A_c − μ_c·Σg)/σ, dβ = Σg, and the conv
//    bias's gradient is exactly 0 (BatchNorm subtracts the mean). The input's gradient is not computed (first
//    layer). Sums: float32 within an image row, float64 across rows and images, in a fixed order (deterministic).

/** Σ x[i][j]·x[i+dr][j+dc] (prod) or Σ x[i][j] over i ∈ [i0, i1], j ∈ [j0, j1] of one W-wide image, float64. */
function stripSum(img: usize, W: i32, dr: i32, dc: i32, i0: i32, i1: i32, j0: i32, j1: i32, prod: bool): f64 {
  let s: f64 = 0;
  for (let i = i0; i <= i1; i++) {
    for (let j = j0; j <= j1; j++) {
      const v = load<f32>(img + (<usize>(i * W + j) << 2));
      s += prod ? <f64>(v * load<f32>(img + (<usize>((i + dr) * W + j + dc) << 2))) : <f64>v;
    }
  }
  return s;
}

/** Σ x[i][j]·x[i+dr][j+dc] over every (i, j) where both are in the H×W image (dr ≥ 0; dc ≥ 0 when dr = 0). */
function lagTotal(img: usize, H: i32, W: i32, dr: i32, dc: i32): f64 {
  const j0 = max<i32>(0, -dc);
  const j1 = W - max<i32>(0, dc); // exclusive
  let total: f64 = 0;
  for (let i = 0; i + dr < H; i++) {
    const a = img + (<usize>(i * W) << 2);
    const b = img + (<usize>((i + dr) * W + dc) << 2);
    let acc = f32x4.splat(0);
    let j = j0;
    for (; j + 4 <= j1; j += 4) acc = f32x4.add(acc, f32x4.mul(v128.load(a + (<usize>j << 2)), v128.load(b + (<usize>j << 2))));
    let s = <f64>f32x4.extract_lane(acc, 0) + <f64>f32x4.extract_lane(acc, 1) + <f64>f32x4.extract_lane(acc, 2) + <f64>f32x4.extract_lane(acc, 3);
    for (; j < j1; j++) s += <f64>(load<f32>(a + (<usize>j << 2)) * load<f32>(b + (<usize>j << 2)));
    total += s;
  }
  return total;
}

/**
 * Adds one H×W image's 3×3 'same' patch statistics to R (f64[9][9]) and S (f64[9]). Patch tap t = 3a + b reads
 * x[h + a − 1][w + b − 1] at output (h, w). Each R entry is the sum of one lag product x[i][j]·x[i+dr][j+dc] over
 * a rectangle: the lag's total over the whole image minus at most two rows and two columns at the borders (where
 * the tap falls on the padding). lag: scratch f64[13].
 */
function patchStats(img: usize, H: i32, W: i32, R: usize, S: usize, lag: usize): void {
  for (let l = 0; l < 13; l++) {
    const dr = l < 3 ? 0 : (l - 3) / 5 + 1;
    const dc = l < 3 ? l : (l - 3) % 5 - 2;
    store<f64>(lag + (<usize>l << 3), lagTotal(img, H, W, dr, dc));
  }
  let total: f64 = 0;
  for (let i = 0; i < H; i++) total += rowSum(img + (<usize>(i * W) << 2), W);
  for (let ta = 0; ta < 9; ta++) {
    const a = ta / 3;
    const b = ta % 3;
    // S: rows [max(a−1, 0), min(a+H−2, H−1)] × columns likewise
    const i0 = max<i32>(a - 1, 0);
    const i1 = min<i32>(a + H - 2, H - 1);
    const j0 = max<i32>(b - 1, 0);
    const j1 = min<i32>(b + W - 2, W - 1);
    const s = total - stripSum(img, W, 0, 0, 0, i0 - 1, 0, W - 1, false) - stripSum(img, W, 0, 0, i1 + 1, H - 1, 0, W - 1, false) - stripSum(img, W, 0, 0, i0, i1, 0, j0 - 1, false) - stripSum(img, W, 0, 0, i0, i1, j1 + 1, W - 1, false);
    store<f64>(S + (<usize>ta << 3), load<f64>(S + (<usize>ta << 3)) + s);
    for (let tb = ta; tb < 9; tb++) {
      let a1 = a;
      let b1 = b;
      let dr = tb / 3 - a;
      let dc = tb % 3 - b;
      if (dr < 0 || (dr == 0 && dc < 0)) {
        a1 = tb / 3;
        b1 = tb % 3;
        dr = -dr;
        dc = -dc;
      }
      const l = dr == 0 ? dc : 3 + (dr - 1) * 5 + dc + 2;
      const fi1 = H - 1 - dr;
      const fj0 = max<i32>(0, -dc);
      const fj1 = W - 1 - max<i32>(0, dc);
      const ri0 = max<i32>(a1 - 1, 0);
      const ri1 = min<i32>(a1 + H - 2, fi1);
      const rj0 = max<i32>(b1 - 1, fj0);
      const rj1 = min<i32>(b1 + W - 2, fj1);
      const e =
        load<f64>(lag + (<usize>l << 3)) -
        stripSum(img, W, dr, dc, 0, ri0 - 1, fj0, fj1, true) -
        stripSum(img, W, dr, dc, ri1 + 1, fi1, fj0, fj1, true) -
        stripSum(img, W, dr, dc, ri0, ri1, fj0, rj0 - 1, true) -
        stripSum(img, W, dr, dc, ri0, ri1, rj1 + 1, fj1, true);
      const p = R + (<usize>(ta * 9 + tb) << 3);
      store<f64>(p, load<f64>(p) + e);
      if (tb != ta) {
        const q = R + (<usize>(tb * 9 + ta) << 3);
        store<f64>(q, load<f64>(q) + e);
      }
    }
  }
}

function rowSum(row: usize, W: i32): f64 {
  let acc = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= W; j += 4) acc = f32x4.add(acc, v128.load(row + (<usize>j << 2)));
  let s = <f64>f32x4.extract_lane(acc, 0) + <f64>f32x4.extract_lane(acc, 1) + <f64>f32x4.extract_lane(acc, 2) + <f64>f32x4.extract_lane(acc, 3);
  for (; j < W; j++) s += <f64>load<f32>(row + (<usize>j << 2));
  return s;
}

/** Copies image n (H×W, one channel) into P ((H+2)×(W+2)) with a zero border. */
function padImage(img: usize, P: usize, H: i32, W: i32): void {
  const Wp = W + 2;
  memory.fill(P, 0, <usize>(Wp << 2));
  memory.fill(P + (<usize>((H + 1) * Wp) << 2), 0, <usize>(Wp << 2));
  for (let i = 0; i < H; i++) {
    const row = P + (<usize>((i + 1) * Wp) << 2);
    store<f32>(row, 0);
    memory.copy(row + 4, img + (<usize>(i * W) << 2), <usize>(W << 2));
    store<f32>(row + (<usize>(W + 1) << 2), 0);
  }
}

/** f64 words of the statistics output: R[81], S[9], n. */
const STATS: i32 = 91;

/**
 * Forward. x [N, H, W] (one channel), w [3, 3, 1, C], bias [C], C % 4 = 0, p·p < 255. Writes out [N, H/p, W/p, C]
 * (pooled ReLU(BatchNorm(conv))), idx (N·(H/p)·(W/p)·C bytes: window position of the first maximum, 255 where the
 * output is 0), stats (f64[STATS]: R, S, n; the backward pass reads them) and the batch mean / biased variance.
 * scratch: ≥ (H+2)·(W+2) + 2·C + 32 floats, 8-byte aligned.
 */
export function convBnReluPoolForward(x: usize, w: usize, bias: usize, out: usize, idx: usize, stats: usize, N: i32, H: i32, W: i32, C: i32, p: i32, gamma: usize, beta: usize, eps: f32, mean: usize, variance: usize, scratch: usize): void {
  const lag = scratch; // f64[13]
  const scale = lag + 128; // f32[C]
  const off = scale + (<usize>C << 2); // f32[C]
  const P = off + (<usize>C << 2); // f32[(H+2)(W+2)]
  const R = stats;
  const S = stats + 81 * 8;
  for (let k = 0; k < STATS; k++) store<f64>(stats + (<usize>k << 3), 0);
  const plane = <usize>(H * W) << 2;
  for (let n = 0; n < N; n++) patchStats(x + <usize>n * plane, H, W, R, S, lag);
  const cnt = <f64>N * <f64>H * <f64>W;
  store<f64>(stats + 90 * 8, cnt);
  for (let c = 0; c < C; c++) {
    let ws: f64 = 0;
    let q: f64 = 0;
    for (let t = 0; t < 9; t++) {
      const wt = <f64>load<f32>(w + (<usize>(t * C + c) << 2));
      const mt = load<f64>(S + (<usize>t << 3)) / cnt;
      ws += wt * mt;
      let row: f64 = 0;
      for (let u = 0; u < 9; u++) {
        const mu = load<f64>(S + (<usize>u << 3)) / cnt;
        row += (load<f64>(R + (<usize>(t * 9 + u) << 3)) / cnt - mt * mu) * <f64>load<f32>(w + (<usize>(u * C + c) << 2));
      }
      q += wt * row;
    }
    store<f32>(mean + (<usize>c << 2), <f32>(ws + <f64>load<f32>(bias + (<usize>c << 2))));
    store<f32>(variance + (<usize>c << 2), <f32>max<f64>(0, q));
  }
  coefficients(C, gamma, beta, eps, mean, variance, scale, off);
  const Ho = H / p;
  const Wo = W / p;
  const Wp = W + 2;
  const rowP = <usize>Wp << 2;
  const zero = f32x4.splat(0);
  const none = i32x4.splat(255);
  for (let n = 0; n < N; n++) {
    padImage(x + <usize>n * plane, P, H, W);
    if (p == 2) {
      windows2(P, w, bias, scale, off, out, idx, n, Ho, Wo, C, rowP);
      continue;
    }
    for (let cb = 0; cb < C; cb += 4) {
      const cbb = <usize>cb << 2;
      const cs = <usize>C << 2;
      const w0 = v128.load(w + cbb);
      const w1 = v128.load(w + cbb + cs);
      const w2 = v128.load(w + cbb + 2 * cs);
      const w3 = v128.load(w + cbb + 3 * cs);
      const w4 = v128.load(w + cbb + 4 * cs);
      const w5 = v128.load(w + cbb + 5 * cs);
      const w6 = v128.load(w + cbb + 6 * cs);
      const w7 = v128.load(w + cbb + 7 * cs);
      const w8 = v128.load(w + cbb + 8 * cs);
      const bv = v128.load(bias + cbb);
      const s = v128.load(scale + cbb);
      const o = v128.load(off + cbb);
      for (let ho = 0; ho < Ho; ho++) {
        const orow = <usize>((n * Ho + ho) * Wo);
        for (let wo = 0; wo < Wo; wo++) {
          let m = f32x4.splat(-Infinity);
          let at = i32x4.splat(0);
          for (let kh = 0; kh < p; kh++) {
            let q = P + <usize>(ho * p + kh) * rowP + (<usize>(wo * p) << 2);
            for (let kw = 0; kw < p; kw++, q += 4) {
              let z = f32x4.add(bv, f32x4.mul(w0, v128.load32_splat(q)));
              z = f32x4.add(z, f32x4.mul(w1, v128.load32_splat(q, 4)));
              z = f32x4.add(z, f32x4.mul(w2, v128.load32_splat(q, 8)));
              z = f32x4.add(z, f32x4.mul(w3, v128.load32_splat(q + rowP)));
              z = f32x4.add(z, f32x4.mul(w4, v128.load32_splat(q + rowP, 4)));
              z = f32x4.add(z, f32x4.mul(w5, v128.load32_splat(q + rowP, 8)));
              z = f32x4.add(z, f32x4.mul(w6, v128.load32_splat(q + 2 * rowP)));
              z = f32x4.add(z, f32x4.mul(w7, v128.load32_splat(q + 2 * rowP, 4)));
              z = f32x4.add(z, f32x4.mul(w8, v128.load32_splat(q + 2 * rowP, 8)));
              const u = f32x4.add(f32x4.mul(z, s), o);
              const gt = f32x4.gt(u, m);
              m = v128.bitselect(u, m, gt);
              at = v128.bitselect(i32x4.splat(kh * p + kw), at, gt);
            }
          }
          const e = (orow + <usize>wo) * <usize>C + <usize>cb;
          v128.store(out + (e << 2), f32x4.pmax(zero, m));
          const bytes = v128.bitselect(at, none, f32x4.gt(m, zero));
          const packed = i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_u(bytes, bytes), zero);
          store<i32>(idx + e, i32x4.extract_lane(packed, 0));
        }
      }
    }
  }
}

/**
 * Backward: dW [3, 3, 1, C], dgamma, dbeta from dy [N, H/p, W/p, C], the forward's idx and stats, x, w, gamma and
 * the batch variance. scratch: ≥ (H+2)·(W+2) + 20·C + 8 floats, 8-byte aligned.
 */
export function convBnReluPoolBackward(dy: usize, idx: usize, stats: usize, x: usize, w: usize, N: i32, H: i32, W: i32, C: i32, p: i32, gamma: usize, variance: usize, eps: f32, dW: usize, dgamma: usize, dbeta: usize, scratch: usize): void {
  const A64 = scratch; // f64[9][C]
  const G64 = A64 + (<usize>(9 * C) << 3); // f64[C]
  const P = G64 + (<usize>C << 3); // f32[(H+2)(W+2)]
  for (let k = 0; k < 10 * C; k++) store<f64>(A64 + (<usize>k << 3), 0);
  const R = stats;
  const S = stats + 81 * 8;
  const cnt = load<f64>(stats + 90 * 8);
  const Ho = H / p;
  const Wo = W / p;
  const Wp = W + 2;
  const rowP = <usize>Wp << 2;
  const plane = <usize>(H * W) << 2;
  const none = i32x4.splat(255);
  for (let n = 0; n < N; n++) {
    padImage(x + <usize>n * plane, P, H, W);
    if (p == 2) {
      patchSums2(dy, idx, P, n, Ho, Wo, C, rowP, A64, G64);
      continue;
    }
    for (let cb = 0; cb < C; cb += 4) {
      const cbb = <usize>cb << 2;
      for (let ho = 0; ho < Ho; ho++) {
        let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0);
        let a3 = f32x4.splat(0), a4 = f32x4.splat(0), a5 = f32x4.splat(0);
        let a6 = f32x4.splat(0), a7 = f32x4.splat(0), a8 = f32x4.splat(0);
        let gs = f32x4.splat(0);
        const orow = <usize>((n * Ho + ho) * Wo);
        for (let wo = 0; wo < Wo; wo++) {
          const e = (orow + <usize>wo) * <usize>C + <usize>cb;
          const g = v128.load(dy + (e << 2));
          const at = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(idx + e)));
          gs = f32x4.add(gs, v128.and(g, v128.not(i32x4.eq(at, none))));
          for (let kh = 0; kh < p; kh++) {
            let q = P + <usize>(ho * p + kh) * rowP + (<usize>(wo * p) << 2);
            for (let kw = 0; kw < p; kw++, q += 4) {
              const G = v128.and(g, i32x4.eq(at, i32x4.splat(kh * p + kw)));
              if (!v128.any_true(G)) continue;
              a0 = f32x4.add(a0, f32x4.mul(G, v128.load32_splat(q)));
              a1 = f32x4.add(a1, f32x4.mul(G, v128.load32_splat(q, 4)));
              a2 = f32x4.add(a2, f32x4.mul(G, v128.load32_splat(q, 8)));
              a3 = f32x4.add(a3, f32x4.mul(G, v128.load32_splat(q + rowP)));
              a4 = f32x4.add(a4, f32x4.mul(G, v128.load32_splat(q + rowP, 4)));
              a5 = f32x4.add(a5, f32x4.mul(G, v128.load32_splat(q + rowP, 8)));
              a6 = f32x4.add(a6, f32x4.mul(G, v128.load32_splat(q + 2 * rowP)));
              a7 = f32x4.add(a7, f32x4.mul(G, v128.load32_splat(q + 2 * rowP, 4)));
              a8 = f32x4.add(a8, f32x4.mul(G, v128.load32_splat(q + 2 * rowP, 8)));
            }
          }
        }
        addF64(A64 + (cbb << 1), a0);
        addF64(A64 + (<usize>(C + cb) << 3), a1);
        addF64(A64 + (<usize>(2 * C + cb) << 3), a2);
        addF64(A64 + (<usize>(3 * C + cb) << 3), a3);
        addF64(A64 + (<usize>(4 * C + cb) << 3), a4);
        addF64(A64 + (<usize>(5 * C + cb) << 3), a5);
        addF64(A64 + (<usize>(6 * C + cb) << 3), a6);
        addF64(A64 + (<usize>(7 * C + cb) << 3), a7);
        addF64(A64 + (<usize>(8 * C + cb) << 3), a8);
        addF64(G64 + (cbb << 1), gs);
      }
    }
  }
  for (let c = 0; c < C; c++) {
    const inv = 1 / Math.sqrt(<f64>load<f32>(variance + (<usize>c << 2)) + <f64>eps);
    const db = load<f64>(G64 + (<usize>c << 3));
    let wa: f64 = 0;
    let ws: f64 = 0;
    for (let t = 0; t < 9; t++) {
      const wt = <f64>load<f32>(w + (<usize>(t * C + c) << 2));
      wa += wt * load<f64>(A64 + (<usize>(t * C + c) << 3));
      ws += wt * load<f64>(S + (<usize>t << 3));
    }
    const dg = (wa - (ws / cnt) * db) * inv;
    store<f32>(dbeta + (<usize>c << 2), <f32>db);
    store<f32>(dgamma + (<usize>c << 2), <f32>dg);
    const ac = <f64>load<f32>(gamma + (<usize>c << 2)) * inv;
    const bc = (-ac * dg * inv) / cnt;
    for (let t = 0; t < 9; t++) {
      const mt = load<f64>(S + (<usize>t << 3)) / cnt;
      let covw: f64 = 0;
      for (let u = 0; u < 9; u++) {
        const mu = load<f64>(S + (<usize>u << 3)) / cnt;
        covw += (load<f64>(R + (<usize>(t * 9 + u) << 3)) / cnt - mt * mu) * <f64>load<f32>(w + (<usize>(u * C + c) << 2));
      }
      const v = bc * cnt * covw - ((ac * db) / cnt) * load<f64>(S + (<usize>t << 3)) + ac * load<f64>(A64 + (<usize>(t * C + c) << 3));
      store<f32>(dW + (<usize>(t * C + c) << 2), <f32>v);
    }
  }
}

/**
 * convBnReluPoolForward's pass for one image when the pool is 2×2: the four conv outputs of a window from its 4×4
 * neighbourhood, each input value loaded once (16 loads instead of 36), summed in the same order as the general
 * loop (bias, then taps row by row), so the results are the same bits.
 */
function windows2(P: usize, w: usize, bias: usize, scale: usize, off: usize, out: usize, idx: usize, n: i32, Ho: i32, Wo: i32, C: i32, rowP: usize): void {
  const zero = f32x4.splat(0);
  const none = i32x4.splat(255);
  const cs = <usize>C << 2;
  for (let cb = 0; cb < C; cb += 4) {
    const cbb = <usize>cb << 2;
    const w0 = v128.load(w + cbb);
    const w1 = v128.load(w + cbb + cs);
    const w2 = v128.load(w + cbb + 2 * cs);
    const w3 = v128.load(w + cbb + 3 * cs);
    const w4 = v128.load(w + cbb + 4 * cs);
    const w5 = v128.load(w + cbb + 5 * cs);
    const w6 = v128.load(w + cbb + 6 * cs);
    const w7 = v128.load(w + cbb + 7 * cs);
    const w8 = v128.load(w + cbb + 8 * cs);
    const bv = v128.load(bias + cbb);
    const s = v128.load(scale + cbb);
    const o = v128.load(off + cbb);
    for (let ho = 0; ho < Ho; ho++) {
      const orow = <usize>((n * Ho + ho) * Wo);
      const r0 = P + <usize>(ho * 2) * rowP;
      for (let wo = 0; wo < Wo; wo++) {
        const q = r0 + (<usize>(wo * 2) << 2);
        // neighbourhood row 0: patch row 0 of the top positions
        let v0 = v128.load32_splat(q), v1 = v128.load32_splat(q, 4), v2 = v128.load32_splat(q, 8), v3 = v128.load32_splat(q, 12);
        let z00 = f32x4.add(f32x4.add(f32x4.add(bv, f32x4.mul(w0, v0)), f32x4.mul(w1, v1)), f32x4.mul(w2, v2));
        let z01 = f32x4.add(f32x4.add(f32x4.add(bv, f32x4.mul(w0, v1)), f32x4.mul(w1, v2)), f32x4.mul(w2, v3));
        // row 1: patch row 1 of the top positions, row 0 of the bottom ones
        const q1 = q + rowP;
        v0 = v128.load32_splat(q1); v1 = v128.load32_splat(q1, 4); v2 = v128.load32_splat(q1, 8); v3 = v128.load32_splat(q1, 12);
        z00 = f32x4.add(f32x4.add(f32x4.add(z00, f32x4.mul(w3, v0)), f32x4.mul(w4, v1)), f32x4.mul(w5, v2));
        z01 = f32x4.add(f32x4.add(f32x4.add(z01, f32x4.mul(w3, v1)), f32x4.mul(w4, v2)), f32x4.mul(w5, v3));
        let z10 = f32x4.add(f32x4.add(f32x4.add(bv, f32x4.mul(w0, v0)), f32x4.mul(w1, v1)), f32x4.mul(w2, v2));
        let z11 = f32x4.add(f32x4.add(f32x4.add(bv, f32x4.mul(w0, v1)), f32x4.mul(w1, v2)), f32x4.mul(w2, v3));
        // row 2
        const q2 = q1 + rowP;
        v0 = v128.load32_splat(q2); v1 = v128.load32_splat(q2, 4); v2 = v128.load32_splat(q2, 8); v3 = v128.load32_splat(q2, 12);
        z00 = f32x4.add(f32x4.add(f32x4.add(z00, f32x4.mul(w6, v0)), f32x4.mul(w7, v1)), f32x4.mul(w8, v2));
        z01 = f32x4.add(f32x4.add(f32x4.add(z01, f32x4.mul(w6, v1)), f32x4.mul(w7, v2)), f32x4.mul(w8, v3));
        z10 = f32x4.add(f32x4.add(f32x4.add(z10, f32x4.mul(w3, v0)), f32x4.mul(w4, v1)), f32x4.mul(w5, v2));
        z11 = f32x4.add(f32x4.add(f32x4.add(z11, f32x4.mul(w3, v1)), f32x4.mul(w4, v2)), f32x4.mul(w5, v3));
        // row 3: patch row 2 of the bottom positions
        const q3 = q2 + rowP;
        v0 = v128.load32_splat(q3); v1 = v128.load32_splat(q3, 4); v2 = v128.load32_splat(q3, 8); v3 = v128.load32_splat(q3, 12);
        z10 = f32x4.add(f32x4.add(f32x4.add(z10, f32x4.mul(w6, v0)), f32x4.mul(w7, v1)), f32x4.mul(w8, v2));
        z11 = f32x4.add(f32x4.add(f32x4.add(z11, f32x4.mul(w6, v1)), f32x4.mul(w7, v2)), f32x4.mul(w8, v3));
        // normalise; the first maximum in scan order (0, 1 | 2, 3) wins ties
        let m = f32x4.add(f32x4.mul(z00, s), o);
        let at = i32x4.splat(0);
        let u = f32x4.add(f32x4.mul(z01, s), o);
        let gt = f32x4.gt(u, m);
        m = v128.bitselect(u, m, gt);
        at = v128.bitselect(i32x4.splat(1), at, gt);
        u = f32x4.add(f32x4.mul(z10, s), o);
        gt = f32x4.gt(u, m);
        m = v128.bitselect(u, m, gt);
        at = v128.bitselect(i32x4.splat(2), at, gt);
        u = f32x4.add(f32x4.mul(z11, s), o);
        gt = f32x4.gt(u, m);
        m = v128.bitselect(u, m, gt);
        at = v128.bitselect(i32x4.splat(3), at, gt);
        const e = (orow + <usize>wo) * <usize>C + <usize>cb;
        v128.store(out + (e << 2), f32x4.pmax(zero, m));
        const bytes = v128.bitselect(at, none, f32x4.gt(m, zero));
        const packed = i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_u(bytes, bytes), zero);
        store<i32>(idx + e, i32x4.extract_lane(packed, 0));
      }
    }
  }
}

/**
 * convBnReluPoolBackward's sums for one image when the pool is 2×2: instead of masking the gradient once per window
 * position (4 × 9 multiply-adds per channel block), each lane picks its argmax's patch — row by the position's
 * bit 1, column by bit 0, from the window's 4×4 neighbourhood — and adds g·patch once (9 multiply-adds).
 */
function patchSums2(dy: usize, idx: usize, P: usize, n: i32, Ho: i32, Wo: i32, C: i32, rowP: usize, A64: usize, G64: usize): void {
  const none = i32x4.splat(255);
  const zero = i32x4.splat(0);
  const two = i32x4.splat(2);
  const one = i32x4.splat(1);
  for (let cb = 0; cb < C; cb += 4) {
    const cbb = <usize>cb << 2;
    for (let ho = 0; ho < Ho; ho++) {
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0);
      let a3 = f32x4.splat(0), a4 = f32x4.splat(0), a5 = f32x4.splat(0);
      let a6 = f32x4.splat(0), a7 = f32x4.splat(0), a8 = f32x4.splat(0);
      let gs = f32x4.splat(0);
      const orow = <usize>((n * Ho + ho) * Wo);
      const r0 = P + <usize>(ho * 2) * rowP;
      for (let wo = 0; wo < Wo; wo++) {
        const e = (orow + <usize>wo) * <usize>C + <usize>cb;
        const at = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(idx + e)));
        const g = v128.and(v128.load(dy + (e << 2)), v128.not(i32x4.eq(at, none)));
        gs = f32x4.add(gs, g);
        const down = i32x4.ne(v128.and(at, two), zero);
        const right = i32x4.ne(v128.and(at, one), zero);
        const q = r0 + (<usize>(wo * 2) << 2);
        // patch row 0: neighbourhood row 0 or 1
        let u0 = v128.bitselect(v128.load32_splat(q + rowP), v128.load32_splat(q), down);
        let u1 = v128.bitselect(v128.load32_splat(q + rowP, 4), v128.load32_splat(q, 4), down);
        let u2 = v128.bitselect(v128.load32_splat(q + rowP, 8), v128.load32_splat(q, 8), down);
        let u3 = v128.bitselect(v128.load32_splat(q + rowP, 12), v128.load32_splat(q, 12), down);
        a0 = f32x4.add(a0, f32x4.mul(g, v128.bitselect(u1, u0, right)));
        a1 = f32x4.add(a1, f32x4.mul(g, v128.bitselect(u2, u1, right)));
        a2 = f32x4.add(a2, f32x4.mul(g, v128.bitselect(u3, u2, right)));
        // patch row 1: neighbourhood row 1 or 2
        const q1 = q + rowP;
        u0 = v128.bitselect(v128.load32_splat(q1 + rowP), v128.load32_splat(q1), down);
        u1 = v128.bitselect(v128.load32_splat(q1 + rowP, 4), v128.load32_splat(q1, 4), down);
        u2 = v128.bitselect(v128.load32_splat(q1 + rowP, 8), v128.load32_splat(q1, 8), down);
        u3 = v128.bitselect(v128.load32_splat(q1 + rowP, 12), v128.load32_splat(q1, 12), down);
        a3 = f32x4.add(a3, f32x4.mul(g, v128.bitselect(u1, u0, right)));
        a4 = f32x4.add(a4, f32x4.mul(g, v128.bitselect(u2, u1, right)));
        a5 = f32x4.add(a5, f32x4.mul(g, v128.bitselect(u3, u2, right)));
        // patch row 2: neighbourhood row 2 or 3
        const q2 = q1 + rowP;
        u0 = v128.bitselect(v128.load32_splat(q2 + rowP), v128.load32_splat(q2), down);
        u1 = v128.bitselect(v128.load32_splat(q2 + rowP, 4), v128.load32_splat(q2, 4), down);
        u2 = v128.bitselect(v128.load32_splat(q2 + rowP, 8), v128.load32_splat(q2, 8), down);
        u3 = v128.bitselect(v128.load32_splat(q2 + rowP, 12), v128.load32_splat(q2, 12), down);
        a6 = f32x4.add(a6, f32x4.mul(g, v128.bitselect(u1, u0, right)));
        a7 = f32x4.add(a7, f32x4.mul(g, v128.bitselect(u2, u1, right)));
        a8 = f32x4.add(a8, f32x4.mul(g, v128.bitselect(u3, u2, right)));
      }
      addF64(A64 + (cbb << 1), a0);
      addF64(A64 + (<usize>(C + cb) << 3), a1);
      addF64(A64 + (<usize>(2 * C + cb) << 3), a2);
      addF64(A64 + (<usize>(3 * C + cb) << 3), a3);
      addF64(A64 + (<usize>(4 * C + cb) << 3), a4);
      addF64(A64 + (<usize>(5 * C + cb) << 3), a5);
      addF64(A64 + (<usize>(6 * C + cb) << 3), a6);
      addF64(A64 + (<usize>(7 * C + cb) << 3), a7);
      addF64(A64 + (<usize>(8 * C + cb) << 3), a8);
      addF64(G64 + (cbb << 1), gs);
    }
  }
}

/** acc[0..3] (f64) += v's four lanes. */
function addF64(acc: usize, v: v128): void {
  store<f64>(acc, load<f64>(acc) + <f64>f32x4.extract_lane(v, 0));
  store<f64>(acc, load<f64>(acc, 8) + <f64>f32x4.extract_lane(v, 1), 8);
  store<f64>(acc, load<f64>(acc, 16) + <f64>f32x4.extract_lane(v, 2), 16);
  store<f64>(acc, load<f64>(acc, 24) + <f64>f32x4.extract_lane(v, 3), 24);
}

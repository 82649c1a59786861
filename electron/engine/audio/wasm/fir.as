// Stage 2 of the polyphase resampler (../polyphase.ts), in AssemblyScript compiled to WebAssembly SIMD (build.mjs).
//
// Four consecutive outputs are computed at once, one per f32x4 lane: for a group starting at stage-1 sample j,
// lane l is Σ_t coef[t][l] · mid[j + t], where coef[·][l] is output l's phase row shifted by its offset from j
// (zeros elsewhere). Each input sample is loaded once per group and broadcast, so there is no horizontal sum.
// Measured for 144 000 outputs of 16 taps: 0.33 ms, against 0.45 ms for per-output SIMD dot products and ≈ 3 ms
// for the same loop in JS.
// The module owns its memory (exported) and no allocator: the caller lays the buffers out and grows the memory.

/**
 * out[4g + l] = Σ_{t<W} coef[g mod G][t][l] · mid[j_g + t] for g < groups, with j_0 = j0 and
 * j_{g+1} = j_g + steps[g mod G]. Byte pointers; coef is G blocks of W × 4 float32 (16-byte aligned), steps G int32,
 * mid float32 (any alignment), out 4·groups float32 (16-byte aligned).
 */
export function firGroups(mid: usize, coef: usize, steps: usize, G: i32, W: i32, out: usize, groups: i32, j0: i32): void {
  let j = j0;
  let gi = 0;
  const blockBytes = <usize>W << 4;
  for (let g = 0; g < groups; g++) {
    let cp = coef + <usize>gi * blockBytes;
    let xp = mid + (<usize>j << 2);
    // Two accumulators: the adds of consecutive taps do not wait on each other.
    let a = f32x4.splat(0);
    let b = f32x4.splat(0);
    let t = 0;
    for (; t + 1 < W; t += 2) {
      a = f32x4.add(a, f32x4.mul(v128.load(cp), v128.load32_splat(xp)));
      b = f32x4.add(b, f32x4.mul(v128.load(cp, 16), v128.load32_splat(xp, 4)));
      cp += 32;
      xp += 8;
    }
    if (t < W) a = f32x4.add(a, f32x4.mul(v128.load(cp), v128.load32_splat(xp)));
    v128.store(out + (<usize>g << 4), f32x4.add(a, b));
    j += load<i32>(steps + (<usize>gi << 2));
    if (++gi == G) gi = 0;
  }
}

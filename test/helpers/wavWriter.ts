/**
 * Test-side WAV writer for every encoding the decoder claims to read, written from the spec
 * (independent of the app's decoder, so a bug cannot cancel itself out).
 */
export interface WavSpec {
  sampleRate: number;
  channels: Float64Array[] | Float32Array[];
  encoding: 'pcm8' | 'pcm16' | 'pcm24' | 'pcm32' | 'float32' | 'float64';
  extensible?: boolean;
  /** Extra chunk before 'data' (LIST, bext…) like real recorders write. */
  extraChunk?: boolean;
}

const BITS = { pcm8: 8, pcm16: 16, pcm24: 24, pcm32: 32, float32: 32, float64: 64 } as const;

/** The integer (or float) value the file will hold for sample v, as the test expects to read it back. */
export function quantize(v: number, encoding: WavSpec['encoding']): number {
  const c = Math.max(-1, Math.min(1, v));
  switch (encoding) {
    case 'pcm8':
      return (Math.max(0, Math.min(255, Math.round(c * 128 + 128))) - 128) / 128;
    case 'pcm16':
      return Math.max(-32768, Math.min(32767, Math.round(c * 32768))) / 32768;
    case 'pcm24':
      return Math.max(-8388608, Math.min(8388607, Math.round(c * 8388608))) / 8388608;
    case 'pcm32':
      return Math.max(-2147483648, Math.min(2147483647, Math.round(c * 2147483648))) / 2147483648;
    case 'float32':
      return Math.fround(v);
    case 'float64':
      return v;
  }
}

export function writeWav(spec: WavSpec): Uint8Array {
  const bits = BITS[spec.encoding];
  const isFloat = spec.encoding.startsWith('float');
  const nch = spec.channels.length;
  const n = spec.channels[0]!.length;
  const bps = bits / 8;
  const blockAlign = bps * nch;
  const fmtSize = spec.extensible ? 40 : 16;
  const extra = spec.extraChunk ? 8 + 10 : 0; // 'LIST' chunk of 10 bytes
  const dataBytes = n * blockAlign;
  const total = 12 + 8 + fmtSize + extra + 8 + dataBytes + (dataBytes & 1);
  const buf = new Uint8Array(total);
  const v = new DataView(buf.buffer);
  const str = (o: number, s: string) => { for (let i = 0; i < s.length; i++) buf[o + i] = s.charCodeAt(i); };
  str(0, 'RIFF'); v.setUint32(4, total - 8, true); str(8, 'WAVE');
  let p = 12;
  str(p, 'fmt '); v.setUint32(p + 4, fmtSize, true);
  const tag = spec.extensible ? 0xfffe : isFloat ? 3 : 1;
  v.setUint16(p + 8, tag, true); v.setUint16(p + 10, nch, true); v.setUint32(p + 12, spec.sampleRate, true);
  v.setUint32(p + 16, spec.sampleRate * blockAlign, true); v.setUint16(p + 20, blockAlign, true); v.setUint16(p + 22, bits, true);
  if (spec.extensible) {
    v.setUint16(p + 24, 22, true); v.setUint16(p + 26, bits, true); v.setUint32(p + 28, nch === 2 ? 3 : 4, true);
    v.setUint16(p + 32, isFloat ? 3 : 1, true); // SubFormat GUID starts with the format tag
    const guidTail = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];
    guidTail.forEach((b, i) => (buf[p + 34 + i] = b));
  }
  p += 8 + fmtSize;
  if (spec.extraChunk) { str(p, 'LIST'); v.setUint32(p + 4, 10, true); str(p + 8, 'INFOabcdef'); p += 18; }
  str(p, 'data'); v.setUint32(p + 4, dataBytes, true); p += 8;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < nch; c++) {
      const s = Math.max(-1, Math.min(1, spec.channels[c]![i]!));
      switch (spec.encoding) {
        case 'pcm8': v.setUint8(p, Math.max(0, Math.min(255, Math.round(s * 128 + 128)))); break;
        case 'pcm16': v.setInt16(p, Math.max(-32768, Math.min(32767, Math.round(s * 32768))), true); break;
        case 'pcm24': {
          const x = Math.max(-8388608, Math.min(8388607, Math.round(s * 8388608)));
          v.setUint8(p, x & 0xff); v.setUint8(p + 1, (x >> 8) & 0xff); v.setUint8(p + 2, (x >> 16) & 0xff);
          break;
        }
        case 'pcm32': v.setInt32(p, Math.max(-2147483648, Math.min(2147483647, Math.round(s * 2147483648))), true); break;
        case 'float32': v.setFloat32(p, spec.channels[c]![i]!, true); break;
        case 'float64': v.setFloat64(p, spec.channels[c]![i]!, true); break;
      }
      p += bps;
    }
  }
  return buf;
}

/** A sine of `freq` Hz, `seconds` long, amplitude `amp`. */
export function sine(freq: number, sampleRate: number, seconds: number, amp = 0.5, phase = 0): Float64Array {
  const n = Math.round(sampleRate * seconds);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = amp * Math.sin((2 * Math.PI * freq * i) / sampleRate + phase);
  return out;
}

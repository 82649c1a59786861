// Draws the app icon (resources/icon.png, 512×512, plus renderer/public/icon.png) without any image library:
// a rounded square with an indigo→teal gradient and a white "voice" waveform of rounded bars.
// Run: node resources/makeIcon.mjs
import { deflateSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SIZE = 512;
const SS = 4; // supersampling per axis

function crc32(buf) {
  let c, crc = 0xffffffff;
  for (let n = 0; n < buf.length; n++) {
    c = (crc ^ buf[n]) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

function png(width, height, rgba) {
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0;
    rgba.copy(raw, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; ihdr[9] = 6; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

// Signed distance to a rounded rectangle centred at (cx, cy).
function roundRect(x, y, cx, cy, hw, hh, r) {
  const qx = Math.abs(x - cx) - hw + r;
  const qy = Math.abs(y - cy) - hh + r;
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
}

const bars = [0.18, 0.34, 0.56, 0.8, 0.62, 0.92, 0.7, 0.44, 0.3, 0.16]; // heights relative to the wave area
const barW = 22, gap = 14;
const total = bars.length * barW + (bars.length - 1) * gap;
const x0 = (SIZE - total) / 2;

function sample(x, y) {
  // background tile
  if (roundRect(x, y, 256, 256, 232, 232, 96) > 0) return null;
  const t = (x + y) / (2 * SIZE);
  const bg = [79 + (23 - 79) * t, 91 + (163 - 91) * t, 213 + (152 - 213) * t];
  for (let i = 0; i < bars.length; i++) {
    const cx = x0 + i * (barW + gap) + barW / 2;
    const hh = (bars[i] * 300) / 2;
    if (roundRect(x, y, cx, 262, barW / 2, hh, barW / 2) <= 0) return [255, 255, 255];
  }
  return bg;
}

const rgba = Buffer.alloc(SIZE * SIZE * 4);
for (let y = 0; y < SIZE; y++) {
  for (let x = 0; x < SIZE; x++) {
    let r = 0, g = 0, b = 0, a = 0;
    for (let sy = 0; sy < SS; sy++) {
      for (let sx = 0; sx < SS; sx++) {
        const c = sample(x + (sx + 0.5) / SS, y + (sy + 0.5) / SS);
        if (c) { r += c[0]; g += c[1]; b += c[2]; a++; }
      }
    }
    const o = (y * SIZE + x) * 4;
    if (a) { rgba[o] = Math.round(r / a); rgba[o + 1] = Math.round(g / a); rgba[o + 2] = Math.round(b / a); }
    rgba[o + 3] = Math.round((255 * a) / (SS * SS));
  }
}

const out = png(SIZE, SIZE, rgba);
for (const rel of ['./icon.png', '../renderer/public/icon.png']) writeFileSync(fileURLToPath(new URL(rel, import.meta.url)), out);
console.log(`icon: ${out.length} bytes`);

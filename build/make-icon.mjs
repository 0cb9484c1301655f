#!/usr/bin/env node
// Draws build/icon.png (512×512), the app icon electron-builder turns into each platform's format:
// a blue rounded square with two white bars, the lower one switching over to the right (an arrow).
// No image library needed: shapes are tested per sample (4×4 supersampling) and written with zlib.
// Run: node build/make-icon.mjs
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const N = 512;
const SS = 4;
const BG = [31, 111, 235];
const FG = [255, 255, 255];

function inRoundedRect(x, y, x0, y0, x1, y1, r) {
  if (x < x0 || x > x1 || y < y0 || y > y1) return false;
  const cx = Math.min(Math.max(x, x0 + r), x1 - r);
  const cy = Math.min(Math.max(y, y0 + r), y1 - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}

function inTriangle(x, y, [ax, ay], [bx, by], [cx, cy]) {
  const s = (px, py, qx, qy, rx, ry) => (px - rx) * (qy - ry) - (qx - rx) * (py - ry);
  const d1 = s(x, y, ax, ay, bx, by);
  const d2 = s(x, y, bx, by, cx, cy);
  const d3 = s(x, y, cx, cy, ax, ay);
  return !((d1 < 0 || d2 < 0 || d3 < 0) && (d1 > 0 || d2 > 0 || d3 > 0));
}

/** 0 outside, 1 background, 2 foreground. */
function shade(x, y) {
  if (!inRoundedRect(x, y, 16, 16, 496, 496, 104)) return 0;
  // Upper bar: the source.
  if (inRoundedRect(x, y, 112, 150, 400, 206, 28)) return 2;
  // Lower bar with an arrow head: the stream cutting over to the sink.
  if (inRoundedRect(x, y, 112, 306, 330, 362, 28)) return 2;
  if (inTriangle(x, y, [300, 256], [300, 412], [412, 334])) return 2;
  return 1;
}

const raw = Buffer.alloc(N * (N * 4 + 1));
for (let py = 0; py < N; py++) {
  raw[py * (N * 4 + 1)] = 0; // filter: none
  for (let px = 0; px < N; px++) {
    let bg = 0;
    let fg = 0;
    for (let sy = 0; sy < SS; sy++) {
      for (let sx = 0; sx < SS; sx++) {
        const v = shade(px + (sx + 0.5) / SS, py + (sy + 0.5) / SS);
        if (v === 1) bg++;
        else if (v === 2) fg++;
      }
    }
    const covered = bg + fg;
    const o = py * (N * 4 + 1) + 1 + px * 4;
    if (covered === 0) continue;
    for (let c = 0; c < 3; c++) raw[o + c] = Math.round((BG[c] * bg + FG[c] * fg) / covered);
    raw[o + 3] = Math.round((255 * covered) / (SS * SS));
  }
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(N, 0);
ihdr.writeUInt32BE(N, 4);
ihdr[8] = 8; // bit depth
ihdr[9] = 6; // RGBA
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', ihdr),
  chunk('IDAT', deflateSync(raw, { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
const out = new URL('./icon.png', import.meta.url);
writeFileSync(out, png);
console.log(`wrote ${out.pathname} (${png.length} bytes)`);

// Draws the app's icons (public/icons/*.png) with no image library: two linked peers on the
// accent colour, anti-aliased by supersampling, written as RGBA PNGs. Run it after changing the
// design: `node tools/make-icons.mjs`; the PNGs are committed.
import { writeFileSync } from "node:fs";
import { deflateSync } from "node:zlib";

const ACCENT = [0x58, 0x65, 0xf2];
const WHITE = [0xff, 0xff, 0xff];
const SAMPLES = 4; // per axis

// Signed distances in units of the icon's side (0..1); negative is inside.
const circle = (x, y, cx, cy, r) => Math.hypot(x - cx, y - cy) - r;
function roundedSquare(x, y, inset, radius) {
  const half = 0.5 - inset - radius;
  const dx = Math.max(Math.abs(x - 0.5) - half, 0);
  const dy = Math.max(Math.abs(y - 0.5) - half, 0);
  return Math.hypot(dx, dy) - radius;
}
function bar(x, y, x0, x1, cy, h) {
  return Math.max(Math.max(x0 - x, x - x1), Math.abs(y - cy) - h);
}

/** The glyph, scaled by `s` about the centre: maskable icons keep it inside the safe circle. */
function glyph(x, y, s) {
  const u = 0.5 + (x - 0.5) / s;
  const v = 0.5 + (y - 0.5) / s;
  return Math.min(circle(u, v, 0.32, 0.5, 0.13), circle(u, v, 0.68, 0.5, 0.13), bar(u, v, 0.32, 0.68, 0.5, 0.045));
}

function pixel(x, y, maskable) {
  const background = maskable ? -1 : roundedSquare(x, y, 0.02, 0.2);
  if (background > 0) return null;
  return glyph(x, y, maskable ? 0.72 : 1) <= 0 ? WHITE : ACCENT;
}

function render(size, maskable) {
  const rgba = Buffer.alloc(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const sum = [0, 0, 0, 0];
      for (let sy = 0; sy < SAMPLES; sy++) {
        for (let sx = 0; sx < SAMPLES; sx++) {
          const colour = pixel((px + (sx + 0.5) / SAMPLES) / size, (py + (sy + 0.5) / SAMPLES) / size, maskable);
          if (!colour) continue;
          sum[0] += colour[0]; sum[1] += colour[1]; sum[2] += colour[2]; sum[3] += 1;
        }
      }
      const at = (py * size + px) * 4;
      if (sum[3] === 0) continue;
      rgba[at] = Math.round(sum[0] / sum[3]);
      rgba[at + 1] = Math.round(sum[1] / sum[3]);
      rgba[at + 2] = Math.round(sum[2] / sum[3]);
      rgba[at + 3] = Math.round((255 * sum[3]) / (SAMPLES * SAMPLES));
    }
  }
  return png(size, rgba);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}
function png(size, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8 bits, RGBA, deflate, no filter method, no interlace
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) rgba.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header), chunk("IDAT", deflateSync(rows, { level: 9 })), chunk("IEND", Buffer.alloc(0)),
  ]);
}

const out = new URL("../public/icons/", import.meta.url);
for (const [name, size, maskable] of [
  ["icon-192.png", 192, false], ["icon-512.png", 512, false],
  ["maskable-192.png", 192, true], ["maskable-512.png", 512, true],
]) {
  writeFileSync(new URL(name, out), render(size, maskable));
}

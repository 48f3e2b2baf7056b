/**
 * Colour mapping of image frames (SPEC §5.2): each value v is normalised through a window [lo, hi],
 * x = clip((v − lo) / (hi − lo), 0, 1), then matplotlib's index rule index = min(255, floor(x × 256))
 * picks one of the table's 256 entries. The window is the frame's own min–max (the original's default),
 * the whole well's stored min–max, the full byte range (v / 255) or fixed values. The normalised value
 * depends only on the byte value, so each request builds one value -> colour table and the per-pixel
 * work is a lookup.
 */
import type { ImageFrame } from '../well/types';
import { TABLE_SIZE, type ColorTable } from './colormap';
import { pixelRange } from './pixel-range';

/** A fixed window of values mapped onto the whole table (lo < hi, or lo = hi: everything at entry 0). */
export interface ValueWindow {
  lo: number;
  hi: number;
}

/** The whole byte range: x = v / 255 (`normalize=none`, the original's `false`). */
export const FULL_RANGE: ValueWindow = { lo: 0, hi: 255 };

export interface ColorMapping {
  table: ColorTable;
  /** 'frame': the frame's own min–max, as the original (a flat frame maps to entry 0); else a fixed window. */
  window: 'frame' | ValueWindow;
}

export function frameValueRange(pixels: Uint8Array): ValueWindow {
  return pixelRange(pixels);
}

/** Colour-table index of every byte value for this frame. */
export function colorIndexOfValue(pixels: Uint8Array, window: ColorMapping['window']): Uint8Array {
  const { lo, hi } = window === 'frame' ? frameValueRange(pixels) : window;
  const index = new Uint8Array(256);
  for (let v = 0; v < 256; v++) {
    const x = hi <= lo ? 0 : Math.min(1, Math.max(0, (v - lo) / (hi - lo)));
    index[v] = Math.min(TABLE_SIZE - 1, Math.floor(x * TABLE_SIZE));
  }
  return index;
}

/** RGB of every byte value for this frame: 256 × 3 bytes. */
export function valueColors(pixels: Uint8Array, mapping: ColorMapping): Uint8Array {
  const index = colorIndexOfValue(pixels, mapping.window);
  const colors = new Uint8Array(256 * 3);
  for (let v = 0; v < 256; v++) colors.set(mapping.table.subarray(index[v]! * 3, index[v]! * 3 + 3), v * 3);
  return colors;
}

/** Whether this machine stores a Uint32's low byte first (x86, Arm as Node runs on them): the word writes below need it. */
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** The colours of valueColors as one word per value: red in the low byte, then green, then blue. */
export function packedColors(colors: Uint8Array): Uint32Array {
  return Uint32Array.from({ length: 256 }, (_, v) => colors[v * 3]! | (colors[v * 3 + 1]! << 8) | (colors[v * 3 + 2]! << 16));
}

/**
 * Rows [from, to) of the frame as RGB bytes written into `out`: row r's width × 3 bytes start at
 * firstOffset + r × rowStride (e.g. a PNG's scanlines, each after its filter byte). `colors` is
 * valueColors' table for the frame, `packed` the same as packedColors. A row is made in a word-aligned
 * scratch row four pixels (12 bytes, 3 words) at a time, then copied: a third of the writes of byte by
 * byte, at any alignment of `out`.
 */
export function renderRgbRowsInto(frame: ImageFrame, colors: Uint8Array, packed: Uint32Array, from: number, to: number, out: Uint8Array, firstOffset: number, rowStride: number): void {
  const { pixels, width } = frame;
  if (from < 0 || to * width > pixels.length || firstOffset + (to - 1) * rowStride + width * 3 > out.length) throw new Error(`RGB rows ${from}–${to} of ${width} pixels do not fit`);
  const words = new Uint32Array(Math.ceil((width * 3) / 4));
  const row = new Uint8Array(words.buffer, 0, width * 3);
  const wordPixels = LITTLE_ENDIAN ? width - (width % 4) : 0;
  for (let r = from; r < to; r++) {
    const first = r * width;
    let w = 0;
    let x = 0;
    for (; x < wordPixels; x += 4, w += 3) {
      const c0 = packed[pixels[first + x]!]!;
      const c1 = packed[pixels[first + x + 1]!]!;
      const c2 = packed[pixels[first + x + 2]!]!;
      const c3 = packed[pixels[first + x + 3]!]!;
      words[w] = c0 | (c1 << 24);
      words[w + 1] = (c1 >>> 8) | (c2 << 16);
      words[w + 2] = (c2 >>> 16) | (c3 << 8);
    }
    for (let o = x * 3; x < width; x++, o += 3) {
      const c = pixels[first + x]! * 3;
      row[o] = colors[c]!;
      row[o + 1] = colors[c + 1]!;
      row[o + 2] = colors[c + 2]!;
    }
    out.set(row, firstOffset + r * rowStride);
  }
}

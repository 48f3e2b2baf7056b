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

/**
 * Rows [from, to) of the frame as RGB bytes written into `out`: row r's width × 3 bytes start at
 * firstOffset + r × rowStride (e.g. a PNG's scanlines, each after its filter byte). `colors` is
 * valueColors' table for the frame.
 */
export function renderRgbRowsInto(frame: ImageFrame, colors: Uint8Array, from: number, to: number, out: Uint8Array, firstOffset: number, rowStride: number): void {
  const { pixels, width } = frame;
  if (from < 0 || to * width > pixels.length || firstOffset + (to - 1) * rowStride + width * 3 > out.length) throw new Error(`RGB rows ${from}–${to} of ${width} pixels do not fit`);
  for (let r = from, i = from * width; r < to; r++) {
    const end = i + width;
    for (let o = firstOffset + r * rowStride; i < end; i++, o += 3) {
      const c = pixels[i]! * 3;
      out[o] = colors[c]!;
      out[o + 1] = colors[c + 1]!;
      out[o + 2] = colors[c + 2]!;
    }
  }
}

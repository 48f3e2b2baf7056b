/**
 * Colour mapping of image frames as the original service did (SPEC §5.2): the frame's values normalised
 * (per-frame min-max, or v / 255), then matplotlib's index rule index = min(255, floor(norm * 256)) into a
 * 256-entry table. The normalised value depends only on the byte value, so each request builds one
 * value -> colour table and the per-pixel work is a lookup.
 */
import type { ImageFrame } from '../well/types';
import { TABLE_SIZE, type ColorTable } from './colormap';

export interface ColorMapping {
  table: ColorTable;
  /** true: per-frame min-max as the original (all zeros when the frame is flat); false: v / 255. */
  normalize: boolean;
}

function valueRange(pixels: Uint8Array): { lo: number; hi: number } {
  let lo = 255;
  let hi = 0;
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return { lo, hi };
}

/** Colour-table index of every byte value for this frame. */
export function colorIndexOfValue(pixels: Uint8Array, normalize: boolean): Uint8Array {
  const { lo, hi } = normalize ? valueRange(pixels) : { lo: 0, hi: 255 };
  const index = new Uint8Array(256);
  for (let v = 0; v < 256; v++) {
    let norm: number;
    if (!normalize) norm = v / 255;
    else norm = lo === hi ? 0 : (v - lo) / (hi - lo);
    // Values outside [lo, hi] never occur in the frame; clamp them anyway.
    index[v] = Math.max(0, Math.min(TABLE_SIZE - 1, Math.floor(norm * TABLE_SIZE)));
  }
  return index;
}

/** RGB of every byte value for this frame: 256 × 3 bytes. */
export function valueColors(pixels: Uint8Array, mapping: ColorMapping): Uint8Array {
  const index = colorIndexOfValue(pixels, mapping.normalize);
  const colors = new Uint8Array(256 * 3);
  for (let v = 0; v < 256; v++) colors.set(mapping.table.subarray(index[v]! * 3, index[v]! * 3 + 3), v * 3);
  return colors;
}

/** The frame as RGB bytes (rows × width × 3), e.g. for a colour PNG. */
export function renderRgb(frame: ImageFrame, mapping: ColorMapping): Uint8Array {
  const colors = valueColors(frame.pixels, mapping);
  const { pixels } = frame;
  const out = new Uint8Array(pixels.length * 3);
  for (let i = 0, o = 0; i < pixels.length; i++, o += 3) {
    const c = pixels[i]! * 3;
    out[o] = colors[c]!;
    out[o + 1] = colors[c + 1]!;
    out[o + 2] = colors[c + 2]!;
  }
  return out;
}

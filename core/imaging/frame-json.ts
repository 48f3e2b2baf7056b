/**
 * The original service's JSON frame, {well_id, min_depth, max_depth, depths, data}, written straight from
 * the frame's bytes: `data` is rows × width of 0–255, or rows × width × [r, g, b, 255] with a colour map.
 * Each byte value's text is precomputed, so a 500-row colour frame (300k numbers) costs a few
 * milliseconds, where building nested arrays for JSON.stringify costs tens.
 */
import type { ImageFrame } from '../well/types';
import { valueColors, type ColorMapping } from './render';

export interface FrameJsonHeader {
  well_id: string;
  min_depth: number;
  max_depth: number;
  /** Depth of each row, in feet. */
  depths: number[];
}

/** The JSON text of each byte value: `224`, or `[r,g,b,255]` through the mapping. */
function valueTexts(frame: ImageFrame, mapping: ColorMapping | undefined): Buffer[] {
  const colors = mapping && valueColors(frame.pixels, mapping);
  return Array.from({ length: 256 }, (_, v) =>
    Buffer.from(colors ? `[${colors[v * 3]},${colors[v * 3 + 1]},${colors[v * 3 + 2]},255]` : String(v), 'latin1'),
  );
}

export function frameJson(header: FrameJsonHeader, frame: ImageFrame, mapping?: ColorMapping): Buffer {
  const { width, pixels } = frame;
  const rows = width === 0 ? 0 : pixels.length / width;
  const texts = valueTexts(frame, mapping);
  const head = Buffer.from(`${JSON.stringify(header).slice(0, -1)},"data":[`, 'utf8');

  let size = head.length + 2 + Math.max(0, rows - 1) + rows * (2 + Math.max(0, width - 1));
  for (let i = 0; i < pixels.length; i++) size += texts[pixels[i]!]!.length;

  const out = Buffer.allocUnsafe(size);
  let at = head.copy(out, 0);
  const COMMA = 0x2c;
  let i = 0;
  for (let row = 0; row < rows; row++) {
    if (row > 0) out[at++] = COMMA;
    out[at++] = 0x5b; // [
    for (let col = 0; col < width; col++, i++) {
      if (col > 0) out[at++] = COMMA;
      const text = texts[pixels[i]!]!;
      for (let k = 0; k < text.length; k++) out[at++] = text[k]!;
    }
    out[at++] = 0x5d; // ]
  }
  out[at++] = 0x5d; // ]
  out[at++] = 0x7d; // }
  if (at !== size) throw new Error(`frame JSON size mismatch: wrote ${at} of ${size} bytes`);
  return out;
}

/**
 * The original service's JSON frame, {well_id, min_depth, max_depth, depths, data}, written straight from
 * the frame's bytes: `data` is rows × width of 0–255, or rows × width × [r, g, b, 255] with a colour map.
 * Each byte value's text is precomputed, so a 500-row colour frame (300k numbers) costs a few
 * milliseconds, where building nested arrays for JSON.stringify costs tens. The text is produced in
 * chunks of whole rows (frameJsonChunks), so a whole well (14.5 MB in colour) is never in memory at once:
 * a stream pulls the next chunk only when the previous one has been taken.
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

/** Default size a chunk of rows aims at (one row more when a row alone is larger). */
export const FRAME_JSON_CHUNK_BYTES = 64 * 1024;

const COMMA = 0x2c;
const OPEN = 0x5b; // [
const CLOSE = 0x5d; // ]

/** The JSON text of each byte value: `224`, or `[r,g,b,255]` through the mapping. */
function valueTexts(frame: ImageFrame, mapping: ColorMapping | undefined): Buffer[] {
  const colors = mapping && valueColors(frame.pixels, mapping);
  return Array.from({ length: 256 }, (_, v) =>
    Buffer.from(colors ? `[${colors[v * 3]},${colors[v * 3 + 1]},${colors[v * 3 + 2]},255]` : String(v), 'latin1'),
  );
}

/** Bytes of rows [from, to) as `[..],[..]`, the separating comma before `from` included when from > 0. */
function rowsSize(frame: ImageFrame, textSizes: Uint8Array, from: number, to: number): number {
  const { width, pixels } = frame;
  let size = (to - from) * (2 + Math.max(0, width - 1)) + (from > 0 ? to - from : Math.max(0, to - from - 1));
  for (let i = from * width, end = to * width; i < end; i++) size += textSizes[pixels[i]!]!;
  return size;
}

function writeRows(frame: ImageFrame, texts: Buffer[], from: number, to: number, out: Buffer, at: number): number {
  const { width, pixels } = frame;
  let i = from * width;
  for (let row = from; row < to; row++) {
    if (row > 0) out[at++] = COMMA;
    out[at++] = OPEN;
    for (let col = 0; col < width; col++, i++) {
      if (col > 0) out[at++] = COMMA;
      const text = texts[pixels[i]!]!;
      for (let k = 0; k < text.length; k++) out[at++] = text[k]!;
    }
    out[at++] = CLOSE;
  }
  return at;
}

export interface FrameJsonBody {
  /** Total bytes of the text. */
  size: number;
  /** The text in chunks of about the asked size: the header, groups of whole rows, the closing brackets. */
  chunks: Generator<Buffer>;
}

export function frameJsonBody(header: FrameJsonHeader, frame: ImageFrame, mapping?: ColorMapping, chunkBytes = FRAME_JSON_CHUNK_BYTES): FrameJsonBody {
  const { width, pixels } = frame;
  const rows = width === 0 ? 0 : pixels.length / width;
  const texts = valueTexts(frame, mapping);
  const textSizes = Uint8Array.from(texts, (t) => t.length);
  const rowBytesAtMost = 2 + Math.max(0, width - 1) + width * Math.max(...textSizes) + 1;
  const rowsPerChunk = Math.max(1, Math.floor(chunkBytes / rowBytesAtMost));
  const head = Buffer.from(`${JSON.stringify(header).slice(0, -1)},"data":[`, 'utf8');
  const tail = Buffer.from(']}', 'latin1');

  function* chunks(): Generator<Buffer> {
    yield head;
    for (let from = 0; from < rows; from += rowsPerChunk) {
      const to = Math.min(rows, from + rowsPerChunk);
      const size = rowsSize(frame, textSizes, from, to);
      const out = Buffer.allocUnsafe(size);
      const end = writeRows(frame, texts, from, to, out, 0);
      if (end !== size) throw new Error(`frame JSON size mismatch: wrote ${end} of ${size} bytes`);
      yield out;
    }
    yield tail;
  }
  return { size: head.length + rowsSize(frame, textSizes, 0, rows) + tail.length, chunks: chunks() };
}

/** The whole frame's JSON text in one buffer. */
export function frameJson(header: FrameJsonHeader, frame: ImageFrame, mapping?: ColorMapping): Buffer {
  const { size, chunks } = frameJsonBody(header, frame, mapping);
  const text = Buffer.concat([...chunks]);
  if (text.length !== size) throw new Error(`frame JSON size mismatch: wrote ${text.length} of ${size} bytes`);
  return text;
}

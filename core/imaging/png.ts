/**
 * PNG encoding of frames (pngjs): 8-bit grey, or 8-bit RGB for colour-mapped frames. pngjs's defaults
 * (every filter tried on every row, deflate level 9) took ~4× longer on a whole well for a file ~7%
 * smaller; the Sub filter (image logs change slowly along a row) with fast run-length deflate is used.
 */
import { PNG } from 'pngjs';

const COLOR_TYPE = { grey: 0, rgb: 2 } as const;
const CHANNELS = { grey: 1, rgb: 3 } as const;

const SUB_FILTER = 1;
const Z_RLE = 3;

export type PngPixels = keyof typeof COLOR_TYPE;

/** `pixels` holds height rows of width × (1 grey | 3 RGB) bytes. */
export function encodePng(width: number, height: number, pixels: Uint8Array, kind: PngPixels): Buffer {
  const expected = width * height * CHANNELS[kind];
  if (pixels.length !== expected) throw new Error(`PNG ${width}×${height} ${kind} needs ${expected} bytes, got ${pixels.length}`);
  const data = Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength);
  const colorType = COLOR_TYPE[kind];
  // The packer reads only width, height and data; a PNG instance would allocate an unused RGBA buffer.
  return PNG.sync.write({ width, height, data } as PNG, { colorType, inputColorType: colorType, inputHasAlpha: false, filterType: SUB_FILTER, deflateLevel: 1, deflateStrategy: Z_RLE });
}

/** PNG encoding of frames (pngjs): 8-bit grey, or 8-bit RGB for colour-mapped frames. */
import { PNG } from 'pngjs';

const COLOR_TYPE = { grey: 0, rgb: 2 } as const;
const CHANNELS = { grey: 1, rgb: 3 } as const;

export type PngPixels = keyof typeof COLOR_TYPE;

/** `pixels` holds height rows of width × (1 grey | 3 RGB) bytes. */
export function encodePng(width: number, height: number, pixels: Uint8Array, kind: PngPixels): Buffer {
  const expected = width * height * CHANNELS[kind];
  if (pixels.length !== expected) throw new Error(`PNG ${width}×${height} ${kind} needs ${expected} bytes, got ${pixels.length}`);
  const data = Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength);
  const colorType = COLOR_TYPE[kind];
  // The packer reads only width, height and data; a PNG instance would allocate an unused RGBA buffer.
  return PNG.sync.write({ width, height, data } as PNG, { colorType, inputColorType: colorType, inputHasAlpha: false });
}

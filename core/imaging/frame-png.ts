/**
 * A frame as a PNG: grey as stored, or RGB through a colour mapping rendered straight into the
 * scanlines, part by part as the encoder deflates them (core/imaging/png.ts).
 */
import type { ImageFrame } from '../well/types';
import { encodePng, encodePngParts, pngImage, pngRowOffset, rowsFrom, type RowWriter } from './png';
import { packedColors, renderRgbRowsInto, valueColors, type ColorMapping } from './render';

function rowWriter(frame: ImageFrame, mapping: ColorMapping | undefined): RowWriter {
  if (!mapping) return rowsFrom(frame.pixels);
  const colors = valueColors(frame.pixels, mapping);
  const packed = packedColors(colors);
  return (image, from, to) => renderRgbRowsInto(frame, colors, packed, from, to, image.scanlines, pngRowOffset(image, 0), image.stride);
}

const imageOf = (frame: ImageFrame, mapping: ColorMapping | undefined) => pngImage(frame.width, frame.depthsTenths.length, mapping ? 'rgb' : 'grey');

/** The frame's PNG file as consecutive buffers (see encodePngParts). */
export function framePngParts(frame: ImageFrame, mapping: ColorMapping | undefined): Promise<Buffer[]> {
  return encodePngParts(imageOf(frame, mapping), rowWriter(frame, mapping));
}

export function framePng(frame: ImageFrame, mapping: ColorMapping | undefined): Promise<Buffer> {
  return encodePng(imageOf(frame, mapping), rowWriter(frame, mapping));
}

/** A frame as a PNG image: grey as stored, or RGB through a colour mapping, rendered straight into the scanlines. */
import type { ImageFrame } from '../well/types';
import { pngImage, pngImageOf, pngRowOffset, type PngImage } from './png';
import { renderRgbInto, type ColorMapping } from './render';

export function framePngImage(frame: ImageFrame, mapping: ColorMapping | undefined): PngImage {
  const rows = frame.depthsTenths.length;
  if (!mapping) return pngImageOf(frame.width, rows, frame.pixels, 'grey');
  const image = pngImage(frame.width, rows, 'rgb');
  renderRgbInto(frame, mapping, image.scanlines, pngRowOffset(image, 0), image.stride);
  return image;
}

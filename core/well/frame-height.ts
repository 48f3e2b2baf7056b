/**
 * `height=N` (SPEC §5.2): a frame of more rows than N answered with N rows, each the average Pillow's
 * `Image.resize((width, N), Image.BOX)` computes on the stored rows (only its vertical pass runs, the
 * width being unchanged), value for value. Each answered row's depth is the mean of the depths of the
 * stored rows it averages, rounded to a tenth of a foot (half up).
 */
import { BOX, buildKernel, PRECISION_BITS } from './resize';
import type { ImageFrame } from './types';

export const MAX_HEIGHT = 10_000;

/** The frame with at most `height` rows: itself when it has no more, else Pillow's BOX average. */
export function frameOfHeight<F extends ImageFrame>(frame: F, height: number): F {
  const rows = frame.depthsTenths.length;
  if (!Number.isInteger(height) || height < 1) throw new Error(`height must be a positive integer, got ${height}`);
  if (rows <= height) return frame;
  const { width, pixels, depthsTenths } = frame;
  const { ksize, start, count, weights } = buildKernel(rows, height, BOX);
  const out = new Uint8Array(height * width);
  const depths = new Array<number>(height);
  const sums = new Int32Array(width);
  for (let yy = 0; yy < height; yy++) {
    sums.fill(1 << (PRECISION_BITS - 1));
    let depthSum = 0;
    let covered = 0;
    for (let y = 0; y < count[yy]!; y++) {
      const weight = weights[yy * ksize + y]!;
      if (weight === 0) continue;
      const row = start[yy]! + y;
      depthSum += depthsTenths[row]!;
      covered++;
      const from = row * width;
      for (let x = 0; x < width; x++) sums[x]! += pixels[from + x]! * weight;
    }
    const to = yy * width;
    for (let x = 0; x < width; x++) {
      const value = sums[x]! >> PRECISION_BITS;
      out[to + x] = value < 0 ? 0 : value > 255 ? 255 : value;
    }
    depths[yy] = Math.round(depthSum / covered);
  }
  return { ...frame, depthsTenths: depths, pixels: out };
}

/**
 * Pillow 9.4's resampling of 8-bit 'L' images, bit-exact: the horizontal bicubic resize of rows whose
 * height does not change (the ingest, SPEC §4.4), and the weights of any one-axis pass with another
 * filter (the BOX filter of `height=N`, core/well/frame-height.ts).
 *
 * Pillow's algorithm, as implemented here:
 * - scale = inWidth / outWidth; when downscaling the kernel is stretched by that factor
 *   (filterscale = max(scale, 1)), so its support is the filter's (bicubic 2, box 0.5) × filterscale
 *   input pixels each side;
 * - output pixel xx is centred at (xx + 0.5) × scale; its window is [trunc(center − support + 0.5),
 *   trunc(center + support + 0.5)) clipped to the row; each weight is the bicubic kernel (a = −0.5) at
 *   (x − center + 0.5) × (1 / filterscale), and the weights are normalised to sum to 1;
 * - weights become fixed point with 22 fractional bits, rounded half away from zero; the sum of
 *   pixel × weight starts at 2^21 (one half, for rounding), is shifted right by 22 and clipped to 0..255.
 */

export const PRECISION_BITS = 22;
const A = -0.5;

/** A resampling filter as Pillow defines it: its support at scale 1 and its weight function. */
export interface ResampleFilter {
  support: number;
  weight(x: number): number;
}

/** Precomputed window and fixed-point weights of every output pixel, for one (inWidth, outWidth). */
export interface ResizeKernel {
  inWidth: number;
  outWidth: number;
  /** Weights per output pixel (stride of `weights`). */
  ksize: number;
  /** First input pixel of output pixel xx's window. */
  start: Int32Array;
  /** Number of input pixels in output pixel xx's window. */
  count: Int32Array;
  /** outWidth × ksize weights, 22 fractional bits. */
  weights: Int32Array;
}

export const BICUBIC: ResampleFilter = {
  support: 2,
  weight(x: number): number {
    if (x < 0) x = -x;
    if (x < 1) return ((A + 2) * x - (A + 3)) * x * x + 1;
    if (x < 2) return (((x - 5) * x + 8) * x - 4) * A;
    return 0;
  },
};

export const BOX: ResampleFilter = {
  support: 0.5,
  weight: (x: number): number => (x > -0.5 && x <= 0.5 ? 1 : 0),
};

function toFixedPoint(weight: number): number {
  const scaled = weight * (1 << PRECISION_BITS);
  return Math.trunc(weight < 0 ? scaled - 0.5 : scaled + 0.5);
}

/** The window and weights of every output pixel of an inWidth → outWidth pass with `filter`. */
export function buildKernel(inWidth: number, outWidth: number, filter: ResampleFilter): ResizeKernel {
  const scale = inWidth / outWidth;
  const filterScale = Math.max(scale, 1);
  const support = filter.support * filterScale;
  // Pillow multiplies by the reciprocal; dividing instead can differ in the last bit.
  const inverseScale = 1 / filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outWidth);
  const count = new Int32Array(outWidth);
  const weights = new Int32Array(outWidth * ksize);
  const row = new Float64Array(ksize);
  for (let xx = 0; xx < outWidth; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inWidth, Math.trunc(center + support + 0.5)) - xmin;
    let total = 0;
    for (let x = 0; x < xmax; x++) {
      row[x] = filter.weight((x + xmin - center + 0.5) * inverseScale);
      total += row[x];
    }
    for (let x = 0; x < xmax; x++) {
      weights[xx * ksize + x] = toFixedPoint(total !== 0 ? row[x] / total : row[x]);
    }
    start[xx] = xmin;
    count[xx] = xmax;
  }
  return { inWidth, outWidth, ksize, start, count, weights };
}

const kernels = new Map<string, ResizeKernel>();

/** The bicubic kernel for inWidth → outWidth, computed once per pair. */
export function resizeKernel(inWidth: number, outWidth: number): ResizeKernel {
  if (!Number.isInteger(inWidth) || inWidth < 1) throw new Error(`resize: input width must be a positive integer, got ${inWidth}`);
  if (!Number.isInteger(outWidth) || outWidth < 1) throw new Error(`resize: output width must be a positive integer, got ${outWidth}`);
  const id = `${inWidth}:${outWidth}`;
  let kernel = kernels.get(id);
  if (!kernel) {
    kernel = buildKernel(inWidth, outWidth, BICUBIC);
    kernels.set(id, kernel);
  }
  return kernel;
}

/** Resizes one row: src[srcOffset .. srcOffset+inWidth) → dst[dstOffset .. dstOffset+outWidth). */
export function resizeRowInto(kernel: ResizeKernel, src: Uint8Array, srcOffset: number, dst: Uint8Array, dstOffset: number): void {
  const { outWidth, ksize, start, count, weights } = kernel;
  for (let xx = 0; xx < outWidth; xx++) {
    const first = srcOffset + start[xx];
    const n = count[xx];
    const k = xx * ksize;
    let sum = 1 << (PRECISION_BITS - 1);
    for (let x = 0; x < n; x++) sum += src[first + x] * weights[k + x];
    const value = sum >> PRECISION_BITS;
    dst[dstOffset + xx] = value < 0 ? 0 : value > 255 ? 255 : value;
  }
}

/**
 * Resizes every row of a rows × inWidth image to outWidth. Same width → a copy, as Pillow returns
 * the image unchanged when the size does not change.
 */
export function resizeRows(pixels: Uint8Array, inWidth: number, outWidth: number): Uint8Array {
  if (pixels.length % inWidth !== 0) throw new Error(`resize: ${pixels.length} pixels is not a whole number of ${inWidth}-pixel rows`);
  const rows = pixels.length / inWidth;
  if (inWidth === outWidth) return pixels.slice();
  const kernel = resizeKernel(inWidth, outWidth);
  const out = new Uint8Array(rows * outWidth);
  for (let r = 0; r < rows; r++) resizeRowInto(kernel, pixels, r * inWidth, out, r * outWidth);
  return out;
}

/** Smallest and largest byte of a run of 8-bit pixels (255 and 0 for none). */
export function pixelRange(pixels: Uint8Array): { lo: number; hi: number } {
  let lo = 255;
  let hi = 0;
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return { lo, hi };
}

import test from 'ava';
import { readFile } from 'node:fs/promises';
import { resizeKernel, resizeRows } from '../core/well/resize';
import { requireShared } from './helpers/shared';

/** A numeric CSV with one header line, as a matrix; the first column separately. */
async function readMatrix(file: string): Promise<{ first: number[]; cells: number[][] }> {
  const lines = (await readFile(file, 'utf8')).split(/\r?\n/).slice(1);
  const first: number[] = [];
  const cells: number[][] = [];
  for (const line of lines) {
    const values = line.split(',');
    if (values.some((v) => v === '')) continue; // the input's trailing empty row, as the original's dropna
    first.push(Number(values[0]));
    cells.push(values.slice(1).map(Number));
  }
  return { first, cells };
}

test('every pixel of the resized sample equals Pillow 9.4 bicubic (golden CSV)', async (t) => {
  const input = requireShared(t, 'data', 'well', 'well_imager_200.csv');
  const golden = requireShared(t, 'golden', 'well_imager_150_pillow_bicubic.csv');
  if (!input || !golden) return;
  const source = await readMatrix(input);
  const expected = await readMatrix(golden);
  t.is(source.cells.length, 5460);
  t.is(expected.cells.length, 5460);
  const pixels = Uint8Array.from(source.cells.flat());
  const resized = resizeRows(pixels, 200, 150);
  t.is(resized.length, 5460 * 150);

  let differing = 0;
  let firstDifference = '';
  expected.cells.forEach((row, r) => {
    t.is(row.length, 150);
    row.forEach((value, c) => {
      if (resized[r * 150 + c] !== value) {
        if (differing === 0) firstDifference = `row ${r} (depth ${expected.first[r]}), column ${c}: got ${resized[r * 150 + c]}, expected ${value}`;
        differing++;
      }
    });
  });
  t.is(differing, 0, firstDifference);
});

test('hand-computed 4 → 2 downscale: bicubic a=-0.5 stretched ×2, normalised, 22-bit fixed point', (t) => {
  // Output 0 is centred at input 1: taps at (x − 1 + 0.5) / 2 = −0.25, 0.25, 0.75, 1.25 give
  // 0.8671875, 0.8671875, 0.2265625, −0.0703125 (sum 1.890625); 255 × (0.2265625 − 0.0703125) / 1.890625
  // = 21.07 → 21. Output 1 mirrors it: 255 × (1 − 0.0826) = 233.93 → 234. In fixed point the weights
  // are w / 1.890625 × 2^22 rounded half away from zero: 1923833.65 → 1923834, 502622.9 → 502623,
  // −155987.3 → −155987.
  t.deepEqual([...resizeRows(Uint8Array.from([0, 0, 255, 255]), 4, 2)], [21, 234]);
  const kernel = resizeKernel(4, 2);
  t.is(kernel.ksize, 9);
  t.deepEqual([...kernel.start], [0, 0]);
  t.deepEqual([...kernel.count], [4, 4]);
  t.deepEqual([...kernel.weights.subarray(0, 4)], [1923834, 1923834, 502623, -155987]);
});

test('a constant row stays constant and values clip to 0..255 at sharp edges', (t) => {
  t.deepEqual([...resizeRows(new Uint8Array(200).fill(224), 200, 150)], new Array(150).fill(224));
  // The negative lobes overshoot next to a step: results are clipped, not wrapped.
  const step = Uint8Array.from([0, 0, 0, 255, 255, 255]);
  const up = resizeRows(step, 6, 12);
  t.true(up.every((v) => v >= 0 && v <= 255));
  t.is(up[0], 0);
  t.is(up[11], 255);
});

test('same width returns an unchanged copy; rows are resized independently', (t) => {
  const pixels = Uint8Array.from([1, 2, 3, 4, 5, 6]);
  const same = resizeRows(pixels, 3, 3);
  t.deepEqual([...same], [1, 2, 3, 4, 5, 6]);
  t.not(same, pixels);
  const two = resizeRows(Uint8Array.from([0, 0, 255, 255, 255, 255, 0, 0]), 4, 2);
  t.deepEqual([...two], [21, 234, 234, 21]);
  t.throws(() => resizeRows(Uint8Array.from([1, 2, 3]), 2, 1), { message: /whole number of 2-pixel rows/ });
  t.throws(() => resizeKernel(0, 3), { message: /input width must be a positive integer/ });
});

import test from 'ava';
import { crc32, inflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { framePng } from '../core/imaging/frame-png';
import { namedColormap } from '../core/imaging/colormap';
import { encodePng, pngImage, pngRowOffset, rowsFrom } from '../core/imaging/png';

interface Chunk {
  type: string;
  data: Buffer;
  crc: number;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The file's chunks, read by their lengths (independently of the writer's own layout). */
function chunksOf(file: Buffer): Chunk[] {
  const chunks: Chunk[] = [];
  for (let at = 8; at < file.length; ) {
    const length = file.readUInt32BE(at);
    chunks.push({ type: file.toString('latin1', at + 4, at + 8), data: file.subarray(at + 8, at + 8 + length), crc: file.readUInt32BE(at + 8 + length) });
    at += 12 + length;
  }
  return chunks;
}

/** Bytes that vary along rows and between rows, as an image log does, with runs and jumps. */
function samplePixels(width: number, height: number, channels: number): Uint8Array {
  const pixels = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width * channels; x++) pixels[y * width * channels + x] = (x * 7 + y * 13 + ((x * y) >> 5)) & 255;
  }
  return pixels;
}

/** Where two byte arrays first differ (-1: equal); ava's deepEqual is slow on megabytes. */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** pngjs's RGBA back to the encoded channels. */
function channelsOf(decoded: PNG, channels: number): Uint8Array {
  const out = new Uint8Array(decoded.width * decoded.height * channels);
  for (let p = 0; p < decoded.width * decoded.height; p++) {
    for (let c = 0; c < channels; c++) out[p * channels + c] = decoded.data[p * 4 + c]!;
    if (decoded.data[p * 4 + 3] !== 255) throw new Error(`pixel ${p} is not opaque`);
  }
  return out;
}

for (const [kind, channels, width, height] of [
  ['grey', 1, 150, 1],
  ['rgb', 3, 150, 1],
  ['grey', 1, 150, 500],
  ['rgb', 3, 150, 5460],
  ['rgb', 3, 1, 3],
] as const) {
  test(`${kind} ${width}×${height}: pngjs decodes the same pixels, type and size`, async (t) => {
    const pixels = samplePixels(width, height, channels);
    const file = await encodePng(pngImage(width, height, kind), rowsFrom(pixels));
    const decoded = PNG.sync.read(file);
    t.is(decoded.width, width);
    t.is(decoded.height, height);
    t.is(decoded.colorType, kind === 'grey' ? 0 : 2);
    t.is(decoded.depth, 8);
    const rgb = channelsOf(decoded, 3);
    const expected = kind === 'grey' ? Uint8Array.from({ length: width * height * 3 }, (_, i) => pixels[Math.floor(i / 3)]!) : pixels;
    t.is(firstDifference(rgb, expected), -1);
  });
}

test('the file is signature, IHDR, 4 IDATs (4 parts), IEND with every CRC right; the IDATs inflate (Adler-32 checked) to the unfiltered scanlines', async (t) => {
  const width = 150;
  const height = 5460;
  const image = pngImage(width, height, 'rgb');
  const file = await encodePng(image, rowsFrom(samplePixels(width, height, 3)), 4);
  t.deepEqual(file.subarray(0, 8), SIGNATURE);
  const chunks = chunksOf(file);
  const types = chunks.map((c) => c.type);
  t.is(types[0], 'IHDR');
  t.is(types.at(-1), 'IEND');
  t.true(types.slice(1, -1).every((type) => type === 'IDAT'));
  t.is(types.length - 2, 4, 'a large image is deflated in parts, one IDAT each');
  for (const chunk of chunks) t.is(chunk.crc, crc32(Buffer.concat([Buffer.from(chunk.type, 'latin1'), chunk.data])), `${chunk.type} CRC`);
  t.is(chunks.at(-1)!.data.length, 0);
  const ihdr = chunks[0]!.data;
  t.deepEqual([ihdr.readUInt32BE(0), ihdr.readUInt32BE(4), ...ihdr.subarray(8)], [width, height, 8, 2, 0, 0, 0]);
  // inflateSync checks the zlib header and the Adler-32 of the whole stream.
  const inflated = inflateSync(Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data)));
  t.is(firstDifference(inflated, image.scanlines), -1);
  t.true(Array.from({ length: height }, (_, y) => inflated[y * image.stride]).every((filter) => filter === 0), 'every row has filter None');
});

test('a wrong CRC in any chunk fails pngjs, so the decoding tests can fail', async (t) => {
  const file = await encodePng(pngImage(4, 2, 'grey'), rowsFrom(samplePixels(4, 2, 1)));
  t.notThrows(() => PNG.sync.read(file));
  let at = 8;
  for (const chunk of chunksOf(file)) {
    at += 12 + chunk.data.length;
    const corrupted = Buffer.from(file);
    corrupted[at - 1] ^= 0x01;
    t.throws(() => PNG.sync.read(corrupted), undefined, `${chunk.type}'s CRC`);
  }
  const iend = Buffer.from(file);
  iend[iend.length - 1] ^= 0x01;
  t.throws(() => PNG.sync.read(iend), { message: /crc/i });
});

test('repeating colour-mapped rows deflate to a small fraction of their bytes', async (t) => {
  const image = pngImage(150, 2000, 'rgb');
  for (let y = 0; y < image.height; y++) image.scanlines.fill(y % 50, pngRowOffset(image, y), pngRowOffset(image, y) + 450);
  const file = await encodePng(image);
  t.true(file.length < image.scanlines.length / 20, `${file.length} bytes for ${image.scanlines.length}`);
});

test('a frame is rendered into the scanlines: grey as stored, colour through the map (entry by value)', async (t) => {
  // 9 pixels a row: two groups of four written as words, and one byte by byte.
  const pixels = Uint8Array.from({ length: 27 }, (_, i) => [0, 255, 128, 1, 2, 3, 200, 77, 254][i % 9]! ^ (i >> 3));
  const frame = { well: 'w', depthsTenths: [10, 11, 12], width: 9, pixels };
  const grey = PNG.sync.read(await framePng(frame, undefined));
  t.deepEqual([...grey.data].filter((_, i) => i % 4 === 0), [...pixels]);
  const table = namedColormap('viridis')!;
  const colour = PNG.sync.read(await framePng(frame, { table, window: { lo: 0, hi: 255 } }));
  t.is(colour.colorType, 2);
  const expected = [...pixels].flatMap((v) => {
    const entry = Math.min(255, Math.floor((v / 255) * 256));
    return [...table.subarray(entry * 3, entry * 3 + 3), 255];
  });
  t.deepEqual([...colour.data], expected);
});

test('sizes that are not an image are refused, naming the size', async (t) => {
  t.throws(() => pngImage(0, 5, 'grey'), { message: /0×5/ });
  await t.throwsAsync(encodePng(pngImage(3, 2, 'rgb'), rowsFrom(new Uint8Array(5))), { message: /3×2 rgb needs 18 bytes, got 5/ });
});

test('1 to 4 parallel parts (rows not divisible by the parts) decode to the same pixels', async (t) => {
  const [width, height] = [150, 2401]; // 1,083 KB of scanlines: room for 4 parts of at least 256 KiB
  const pixels = samplePixels(width, height, 3);
  const idats: number[] = [];
  for (const parts of [1, 2, 3, 4]) {
    const file = await encodePng(pngImage(width, height, 'rgb'), rowsFrom(pixels), parts);
    idats.push(chunksOf(file).filter((c) => c.type === 'IDAT').length);
    t.is(firstDifference(channelsOf(PNG.sync.read(file), 3), pixels), -1, `${parts} parts`);
  }
  t.deepEqual(idats, [1, 2, 3, 4]);
  // 542 KB: two parts of at least 256 KiB, however many are allowed; a viewer's 50 ft tile (225 KB): one.
  for (const [rows, expected] of [[1201, 2], [500, 1]] as const) {
    const part = pixels.subarray(0, width * rows * 3);
    const file = await encodePng(pngImage(width, rows, 'rgb'), rowsFrom(part), 4);
    t.is(chunksOf(file).filter((c) => c.type === 'IDAT').length, expected, `${rows} rows`);
    t.is(firstDifference(channelsOf(PNG.sync.read(file), 3), part), -1, `${rows} rows`);
  }
});

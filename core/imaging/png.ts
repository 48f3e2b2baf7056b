/**
 * PNG files of frames (PNG 1.2: signature, IHDR, IDAT, IEND), 8-bit grey (colour type 0) or 8-bit RGB
 * (colour type 2), written over node:zlib. Rows are not filtered (filter type 0, None): colour-mapped
 * rows repeat a few 3-byte patterns that deflate's LZ77 finds as they are, so None at level 1 gives a
 * file ~40% smaller than Sub with run-length deflate, in less time, and costs no filtering pass.
 *
 * The caller writes the rows into the scanlines (after each row's filter byte) in place, so an image is
 * not copied on its way in, and may write them part by part as the encoder asks (a RowWriter). A large
 * image is deflated on libuv's thread pool in parallel parts (a whole well's 2.4 MB of RGB in as many
 * parts as there are cores, up to 4), each part started as soon as its rows are written, while this
 * thread writes the next: each part but the last ends on a sync flush, which byte-aligns it, so the
 * parts concatenate into one deflate stream; each part is one IDAT chunk. The zlib stream's Adler-32 of
 * all the scanlines is zlib's too: a single part is deflated with its zlib header and trailer, and for
 * several the image is also "deflated" at level 0 on the pool, whose trailer is that checksum (zlib's
 * Adler-32 is vectorised: ~0.6 ms for a whole well's 2.4 MB, a third of a JavaScript loop's time, and off
 * this thread).
 */
import { constants, crc32, deflate, deflateRaw, deflateSync } from 'node:zlib';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';

const deflateAsync = promisify(deflate);
const deflateRawAsync = promisify(deflateRaw);

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const COLOR_TYPE = { grey: 0, rgb: 2 } as const;
const CHANNELS = { grey: 1, rgb: 3 } as const;
const BIT_DEPTH = 8;
/** zlib header: deflate with a 32 KiB window (0x78), fastest compression level, no dictionary (0x01). */
const ZLIB_HEADER = Buffer.from([0x78, 0x01]);
/** The zlib trailer: the Adler-32 of the uncompressed bytes, big-endian. */
const ADLER_BYTES = 4;
const DEFLATE_LEVEL = 1;
/** Parts deflated at once: at most libuv's default thread pool size, and no more than cores (more would only queue). */
const POOL_PARTS = Math.min(4, availableParallelism());
/**
 * Below this, a part costs more than it saves. A viewer's 50 ft tile (225 KB of RGB) is one part,
 * deflated on this thread in ~3 ms: in two parts on the pool it took ~0.5 ms less at the median, but three
 * threads at once (two deflating, this one computing the checksum as it did then) on a 2-core machine made
 * the slowest tiles wait for a core (server-side p99 12-13 ms in two parts, 8-9 ms in one, 1,000 tiles,
 * three runs each).
 */
const MIN_PART_BYTES = 256 * 1024;

export type PngPixels = keyof typeof COLOR_TYPE;

/** An image ready for encoding: `height` scanlines of `stride` bytes, each a filter byte (0) and the row. */
export interface PngImage {
  width: number;
  height: number;
  kind: PngPixels;
  stride: number;
  scanlines: Buffer;
}

/** A zero-filled image (every filter byte already None); row y's pixels start at `pngRowOffset(image, y)`. */
export function pngImage(width: number, height: number, kind: PngPixels): PngImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new Error(`PNG size ${width}×${height}: width and height must be whole numbers ≥ 1`);
  const stride = 1 + width * CHANNELS[kind];
  return { width, height, kind, stride, scanlines: Buffer.alloc(stride * height) };
}

export function pngRowOffset(image: PngImage, y: number): number {
  return y * image.stride + 1;
}

/** A RowWriter copying rows from `pixels`: the image's rows of width × (1 grey | 3 RGB) bytes, one after the other. */
export function rowsFrom(pixels: Uint8Array): RowWriter {
  return (image, from, to) => {
    const rowBytes = image.stride - 1;
    if (pixels.length !== rowBytes * image.height) throw new Error(`PNG ${image.width}×${image.height} ${image.kind} needs ${rowBytes * image.height} bytes, got ${pixels.length}`);
    for (let y = from; y < to; y++) image.scanlines.set(pixels.subarray(y * rowBytes, (y + 1) * rowBytes), pngRowOffset(image, y));
  };
}

/** One chunk as buffers to write in order: length and type, the data (in pieces, not copied), CRC-32 of type and data. */
function chunk(type: string, data: Buffer[]): Buffer[] {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.reduce((sum, piece) => sum + piece.length, 0), 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(data.reduce((sum, piece) => crc32(piece, sum), crc32(head.subarray(4))), 0);
  return [head, ...data, crc];
}

function header(image: PngImage): Buffer[] {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(image.width, 0);
  ihdr.writeUInt32BE(image.height, 4);
  ihdr[8] = BIT_DEPTH;
  ihdr[9] = COLOR_TYPE[image.kind];
  // compression 0 (deflate), filter method 0, interlace 0 (none): left zero.
  return [SIGNATURE, ...chunk('IHDR', [ihdr])];
}

/** The most bytes deflate makes of n (zlib's deflateBound for stored blocks, with room to spare). */
const deflateBound = (n: number): number => n + (n >> 10) * 5 + 64;

/** Whole scanlines per part: at most maxParts parts, none smaller than MIN_PART_BYTES. */
function rowsPerPart(image: PngImage, maxParts: number): number {
  const parts = Math.max(1, Math.min(maxParts, Math.floor(image.scanlines.length / MIN_PART_BYTES)));
  return Math.ceil(image.height / parts);
}

/** Writes rows [from, to) of the image into its scanlines (each after its filter byte, pngRowOffset). */
export type RowWriter = (image: PngImage, from: number, to: number) => void;

const rowsWritten: RowWriter = () => undefined;

/**
 * The PNG file as consecutive buffers (signature and IHDR, one IDAT per deflated part, IEND): write them
 * in order. `writeRows` is called for each part's rows just before that part is deflated; `maxParts`
 * bounds the parts deflated in parallel.
 */
export async function encodePngParts(image: PngImage, writeRows: RowWriter = rowsWritten, maxParts = POOL_PARTS): Promise<Buffer[]> {
  const { scanlines, stride, height } = image;
  const rows = rowsPerPart(image, maxParts);
  // One output buffer for a whole part: with zlib's default of 16 KiB, every 16 KiB deflated would be a
  // trip from the pool to this thread and back.
  const options = (bytes: number, last: boolean) => ({ level: DEFLATE_LEVEL, finishFlush: last ? constants.Z_FINISH : constants.Z_SYNC_FLUSH, chunkSize: deflateBound(bytes) });
  if (rows >= height) {
    // A single part gains nothing from the pool and would wait for a pool thread to wake: deflated here,
    // as a whole zlib stream (header, data, Adler-32).
    writeRows(image, 0, height);
    return [...header(image), ...chunk('IDAT', [deflateSync(scanlines, options(scanlines.length, true))]), ...chunk('IEND', [])];
  }
  const deflated: Promise<Buffer>[] = [];
  for (let first = 0; first < height; first += rows) {
    const end = Math.min(height, first + rows);
    writeRows(image, first, end);
    const part = scanlines.subarray(first * stride, end * stride);
    deflated.push(deflateRawAsync(part, options(part.length, end === height)));
  }
  // On another pool thread, once every row is written: its trailer is the checksum of all the scanlines.
  const stored = deflateAsync(scanlines, { level: 0, chunkSize: deflateBound(scanlines.length) + 64 });
  const [parts, whole] = await Promise.all([Promise.all(deflated), stored]);
  const trailer = Buffer.from(whole.subarray(whole.length - ADLER_BYTES)); // a copy: the stored image is let go
  const idats = parts.map((data, i) => chunk('IDAT', [...(i === 0 ? [ZLIB_HEADER] : []), data, ...(i === parts.length - 1 ? [trailer] : [])]));
  return [...header(image), ...idats.flat(), ...chunk('IEND', [])];
}

/** The PNG file as one buffer. */
export async function encodePng(image: PngImage, writeRows: RowWriter = rowsWritten, maxParts = POOL_PARTS): Promise<Buffer> {
  return Buffer.concat(await encodePngParts(image, writeRows, maxParts));
}

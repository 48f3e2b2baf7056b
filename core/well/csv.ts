/**
 * Streaming parse and validation of a well-imager CSV (SPEC §4.3): header `depth,col1,...,colN`, one row
 * per depth step, decimal values (`224.0`). `WellCsvReader` hands the kept rows out in batches as it
 * reads (its consumer's pace is the input's: back-pressure through the async iteration), so memory does
 * not grow with the file; a rejected file throws from the iteration at its bad line, after the batches
 * before it. Repeated depths are found across the whole file (a map of every depth kept). `parseWellCsv`
 * collects every batch (the upload tool's dry run, tests).
 *
 * Rules, matching the original pandas code (`read_csv().dropna()`, depth `round(1) * 10` as int64, pixels
 * `astype(uint8)`):
 * - a row with any empty cell is dropped and counted (the real file ends with one); blank lines are skipped;
 * - depth → integer tenths with numpy's rounding (half to even), e.g. 9000.1 → 90001;
 * - a pixel is a decimal in 0..255; a fractional one is truncated as the uint8 cast did (12.5 → 12);
 * - a wrong column count, a non-numeric cell, a pixel outside 0..255 or a repeated depth rejects the file
 *   with an Error naming the source, the 1-based file line and the column.
 * Only empty cells count as missing: pandas' other NA spellings (`nan`, `NULL`, ...) are non-numeric here.
 * Cells are trimmed (leading spaces and tabs, trailing whitespace), so ` 224.0 ` reads as 224.
 */
import { Readable, pipeline } from 'node:stream';
import { parse, type Info } from 'csv-parse';
import { describeKind, fileKind, firstLine, KIND_HEAD_BYTES } from '../files/kind';

export interface ParsedWell {
  /** Depth of each kept row in tenths of a foot, in file order. */
  depthsTenths: number[];
  /** Pixels per row in the file (N of col1..colN). */
  width: number;
  /** rows × width pixels, row-major, in file order. */
  pixels: Uint8Array;
  /** Data rows in the file (kept + dropped), header excluded. */
  rowsRead: number;
  /** Rows dropped because a cell was empty. */
  rowsDropped: number;
}

export interface ParseWellOptions {
  /** Names the input in error messages, e.g. s3://bucket/key or a file path. */
  source: string;
  /** Rows per batch handed out (default 1000). */
  batchRows?: number;
  /** Rows of the first batch, at most batchRows (default batchRows): a small one lets its consumer start sooner. */
  firstBatchRows?: number;
}

/** Kept rows in file order: pixels are depthsTenths.length × width bytes, the batch's own. */
export interface WellCsvBatch {
  depthsTenths: number[];
  pixels: Uint8Array;
}

const DEFAULT_BATCH_ROWS = 1000;

/** A rejected file: the message names the source and, where there is one, the line and column. */
export class WellCsvError extends Error {
  override name = 'WellCsvError';
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** numpy's rint: round half to even. */
function roundHalfEven(value: number): number {
  const r = Math.round(value);
  return r - value === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Depth in feet → integer tenths exactly as `(np.round(depth, 1) * 10).astype(np.int64)`. */
export function depthToTenths(depth: number): number {
  const rounded = roundHalfEven(depth * 10) / 10;
  return Math.trunc(rounded * 10);
}

function columnName(header: string[], index: number): string {
  return `column ${index + 1} (${header[index] ?? '?'})`;
}

/** The CSV's bytes: a stream, any async iterable of chunks (the parse thread's input), or the whole text. */
type Input = NodeJS.ReadableStream | AsyncIterable<Buffer> | Buffer | string;

function toStream(input: Input): NodeJS.ReadableStream | AsyncIterable<Buffer> {
  return typeof input === 'string' || Buffer.isBuffer(input) ? Readable.from([Buffer.from(input)]) : input;
}

/**
 * The input's bytes unchanged, once its first bytes show text: a workbook, an old .xls, a zip or other
 * binary file uploaded where a CSV is expected is named as such (SPEC §4.5), not parsed as CSV.
 */
async function* textOnly(input: NodeJS.ReadableStream | AsyncIterable<Buffer>, source: string): AsyncGenerator<Buffer> {
  let head: Buffer | undefined = Buffer.alloc(0);
  const check = (bytes: Buffer): void => {
    const kind = fileKind(bytes);
    if (kind === 'empty') throw new WellCsvError(`${source}: empty file (expected a header depth,col1,...,colN)`);
    if (kind !== 'text') throw new WellCsvError(`${source} is ${describeKind(kind)}, not a well-imager CSV (text with a header depth,col1,...,colN)`);
  };
  for await (const chunk of input) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    if (head === undefined) {
      yield bytes;
      continue;
    }
    head = Buffer.concat([head, bytes]);
    if (head.length < KIND_HEAD_BYTES) continue;
    check(head);
    yield head;
    head = undefined;
  }
  if (head !== undefined) {
    check(head);
    yield head;
  }
}

/** The input's first bytes go to csv-parse in slices of this size (see `firstBytesSliced`). */
const FIRST_SLICE_BYTES = 4096;
/** How much of the input is sliced: enough for the first batch of a well CSV (about 1.2 KB a row). */
const SLICED_BYTES = 64 * 1024;

/**
 * The input with its first SLICED_BYTES cut into FIRST_SLICE_BYTES slices (views, no copies). csv-parse
 * parses each chunk it is given whole before its records reach the reader, and a 64 KB chunk takes it tens
 * of milliseconds while its code is still cold; slices let the first batch out after its own rows.
 */
async function* firstBytesSliced(input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let sliced = 0;
  for await (const chunk of input) {
    let offset = 0;
    while (sliced < SLICED_BYTES && chunk.length - offset > FIRST_SLICE_BYTES) {
      yield chunk.subarray(offset, offset + FIRST_SLICE_BYTES);
      offset += FIRST_SLICE_BYTES;
      sliced += FIRST_SLICE_BYTES;
    }
    sliced += chunk.length - offset;
    yield offset === 0 ? chunk : chunk.subarray(offset);
  }
}

/**
 * The common cell, `224.0`, converted without a regular expression or Number(): 1-3 integer digits, then
 * optionally `.` and at most 12 fraction digits (few enough that no double rounds up to the next integer,
 * so the integer part is what the uint8 truncation keeps), value at most 255. Returns the pixel, or -1 for
 * anything else (empty, signs, exponents, spaces, out of range), which the exact path then judges.
 */
function commonPixel(text: string): number {
  const length = text.length;
  if (length === 0 || length > 16) return -1;
  let value = 0;
  let i = 0;
  for (; i < length && i < 3; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) break;
    value = value * 10 + digit;
  }
  if (i === 0 || value > 255) return -1;
  if (i === length) return value;
  if (text.charCodeAt(i) !== 46 || length - i - 1 > 12) return -1;
  let fraction = false;
  for (i++; i < length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    if (digit !== 0) fraction = true;
  }
  return value === 255 && fraction ? -1 : value;
}

/**
 * csv-parse's per-byte work is most of the parse (about 330 ms of CPU for the 6.5 MB sample here), and its
 * `trim` adds about 60 ms more, so cells are trimmed here instead, only on the exact path (the common
 * cells have no spaces to trim). The same values come out as with csv-parse's trim (leading spaces and tabs,
 * trailing whitespace), except around quotes: ` "224.0"` is now csv-parse's "Invalid Opening Quote"
 * error, as it was an error for pandas.
 */
const PARSER_OPTIONS = {
  bom: true,
  skip_empty_lines: true,
  relax_column_count: true,
  info: true,
  // The records of each chunk reach the reader before csv-parse takes the next chunk (with the default of
  // 16 buffered records, the reader saw nothing until about 16 KB had been parsed).
  readableHighWaterMark: 1,
} as const;

/** A cell as csv-parse's `trim` gave it: leading spaces and tabs, and trailing whitespace, removed. */
function trimCell(text: string): string {
  const end = text.trimEnd();
  let start = 0;
  while (start < end.length && (end.charCodeAt(start) === 32 || end.charCodeAt(start) === 9)) start++;
  return start === 0 ? end : end.slice(start);
}

/** A line of nothing but whitespace, which csv-parse's `trim` + `skip_empty_lines` skipped. */
const isBlank = (record: string[]): boolean => record.length === 1 && trimCell(record[0]!) === '';

/** Reads a well CSV batch by batch; the counters are final once the iteration has ended. */
export class WellCsvReader implements AsyncIterable<WellCsvBatch> {
  /** Pixels per row in the file (N of col1..colN); known once the first batch is out. */
  width = 0;
  /** Data rows read so far (kept + dropped), header excluded. */
  rowsRead = 0;
  /** Rows dropped because a cell was empty. */
  rowsDropped = 0;
  /** Rows handed out so far. */
  rowsKept = 0;
  private started = false;

  constructor(
    private readonly input: Input,
    private readonly options: ParseWellOptions,
  ) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<WellCsvBatch> {
    if (this.started) throw new Error('a WellCsvReader can be read once');
    this.started = true;
    const { source } = this.options;
    const batchRows = Math.max(1, this.options.batchRows ?? DEFAULT_BATCH_ROWS);
    const firstBatchRows = Math.min(batchRows, Math.max(1, this.options.firstBatchRows ?? batchRows));
    const fail = (line: number, what: string): never => {
      throw new WellCsvError(`${source}: line ${line}: ${what}`);
    };

    const stream = toStream(this.input);
    const parser = parse(PARSER_OPTIONS);
    pipeline(Readable.from(firstBytesSliced(textOnly(stream, source))), parser, () => {
      // Errors reach the iteration below through the parser.
    });

    let header: string[] | undefined;
    let width = 0;
    let rowBytes = 0;
    const lineOfDepth = new Map<number, number>();
    let depthsTenths: number[] = [];
    let data = new Uint8Array(0);
    let completed = false;
    const batch = (): WellCsvBatch => {
      const out = { depthsTenths, pixels: data.subarray(0, depthsTenths.length * rowBytes) };
      this.rowsKept += depthsTenths.length;
      depthsTenths = [];
      data = new Uint8Array(batchRows * rowBytes);
      return out;
    };

    /** Depth text → tenths, rejecting what the original could not store. */
    const depthOf = (text: string, line: number, head: string[]): number => {
      if (!DECIMAL.test(text)) fail(line, `${columnName(head, 0)}: "${text}" is not a number`);
      const depth = Number(text);
      if (!Number.isFinite(depth)) fail(line, `${columnName(head, 0)}: "${text}" is not a finite number`);
      const tenths = depthToTenths(depth);
      if (!Number.isSafeInteger(tenths)) fail(line, `${columnName(head, 0)}: depth ${text} is out of range (tenths of a foot must be a safe integer)`);
      const firstLine = lineOfDepth.get(tenths);
      if (firstLine !== undefined) fail(line, `duplicate depth ${text} (${tenths / 10} ft already on line ${firstLine})`);
      return tenths;
    };

    try {
      for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: Info }>) {
        const line = info.lines;
        if (isBlank(record)) continue;
        if (!header) {
          header = record.map(trimCell);
          if (header[0] !== 'depth') {
            fail(line, `header must start with "depth", got "${header[0]}" (this CSV's header is "${firstLine(Buffer.from(header.join(',')))}"; a well-imager CSV's is depth,col1,...,colN)`);
          }
          width = header.length - 1;
          if (width < 1) fail(line, 'header has no pixel columns (expected depth,col1,...,colN)');
          for (let c = 1; c <= width; c++) {
            if (header[c] !== `col${c}`) fail(line, `header ${columnName(header, c)}: expected "col${c}"`);
          }
          this.width = width;
          rowBytes = width;
          data = new Uint8Array(batchRows * rowBytes);
          continue;
        }
        this.rowsRead++;
        if (record.length !== header.length) fail(line, `expected ${header.length} columns (depth + ${width} pixels), got ${record.length}`);

        // One pass over the common cells; the first other cell sends the row through the exact checks below,
        // in the original order (an empty cell anywhere drops the row before any value is judged).
        const offset = depthsTenths.length * width;
        const depthText = trimCell(record[0]!);
        let c = depthText === '' ? 0 : 1;
        if (c === 1) {
          for (; c <= width; c++) {
            const value = commonPixel(record[c]!);
            if (value < 0) break;
            data[offset + c - 1] = value;
          }
        }
        if (c <= width) {
          const cells = record.map(trimCell);
          if (cells.includes('')) {
            this.rowsDropped++;
            continue;
          }
          const tenths = depthOf(depthText, line, header);
          for (c = 1; c <= width; c++) {
            const text = cells[c]!;
            if (!DECIMAL.test(text)) fail(line, `${columnName(header, c)}: "${text}" is not a number`);
            const value = Number(text);
            if (!(value >= 0 && value <= 255)) fail(line, `${columnName(header, c)}: pixel value ${text} is outside 0-255`);
            // Uint8Array stores truncate toward zero, as numpy's astype(uint8) of 0..255 floats.
            data[offset + c - 1] = value;
          }
          lineOfDepth.set(tenths, line);
          depthsTenths.push(tenths);
        } else {
          const tenths = depthOf(depthText, line, header);
          lineOfDepth.set(tenths, line);
          depthsTenths.push(tenths);
        }
        if (depthsTenths.length === (this.rowsKept === 0 ? firstBatchRows : batchRows)) yield batch();
      }
      if (!header) throw new WellCsvError(`${source}: empty file (expected a header depth,col1,...,colN)`);
      if (depthsTenths.length > 0) yield batch();
      if (this.rowsKept === 0) throw new WellCsvError(`${source}: no data rows (${this.rowsRead} read, ${this.rowsDropped} dropped for empty cells)`);
      completed = true;
    } catch (err) {
      if (err instanceof WellCsvError) throw err;
      // csv-parse's own errors (e.g. an unclosed quote, with its line) and read errors of the input.
      throw new WellCsvError(`${source}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    } finally {
      if (!completed) {
        parser.destroy();
        const readable = stream as Partial<Readable>;
        if (typeof readable.destroy === 'function') readable.destroy();
      }
    }
  }
}

/** The whole file at once: every batch of a WellCsvReader joined. */
export async function parseWellCsv(input: Input, options: ParseWellOptions): Promise<ParsedWell> {
  const reader = new WellCsvReader(input, options);
  const depthsTenths: number[] = [];
  const batches: Uint8Array[] = [];
  for await (const batch of reader) {
    for (const d of batch.depthsTenths) depthsTenths.push(d);
    batches.push(batch.pixels);
  }
  const pixels = new Uint8Array(depthsTenths.length * reader.width);
  let offset = 0;
  for (const part of batches) {
    pixels.set(part, offset);
    offset += part.length;
  }
  return { depthsTenths, width: reader.width, pixels, rowsRead: reader.rowsRead, rowsDropped: reader.rowsDropped };
}

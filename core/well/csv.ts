/**
 * Streaming parse and validation of a well-imager CSV (SPEC §4.3): header `depth,col1,...,colN`, one row
 * per depth step, decimal values (`224.0`). The whole file is validated before anything is returned, so a
 * caller that stores only after this resolves writes nothing for a rejected file.
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
import { Readable } from 'node:stream';
import { parse, type Info } from 'csv-parse';

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
}

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

class PixelBuffer {
  private data: Uint8Array;
  private rows = 0;
  constructor(private readonly width: number) {
    this.data = new Uint8Array(width * 1024);
  }
  /** The next row's storage, growing the buffer when full. */
  nextRow(): number {
    const offset = this.rows * this.width;
    if (offset + this.width > this.data.length) {
      const bigger = new Uint8Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.rows++;
    return offset;
  }
  /** Gives back the row nextRow() handed out last. */
  dropRow(): void {
    this.rows--;
  }
  get buffer(): Uint8Array {
    return this.data;
  }
  result(): Uint8Array {
    return this.data.slice(0, this.rows * this.width);
  }
}

function toStream(input: NodeJS.ReadableStream | Buffer | string): NodeJS.ReadableStream {
  return typeof input === 'string' || Buffer.isBuffer(input) ? Readable.from([input]) : input;
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
const PARSER_OPTIONS = { bom: true, skip_empty_lines: true, relax_column_count: true, info: true } as const;

/** A cell as csv-parse's `trim` gave it: leading spaces and tabs, and trailing whitespace, removed. */
function trimCell(text: string): string {
  const end = text.trimEnd();
  let start = 0;
  while (start < end.length && (end.charCodeAt(start) === 32 || end.charCodeAt(start) === 9)) start++;
  return start === 0 ? end : end.slice(start);
}

/** A line of nothing but whitespace, which csv-parse's `trim` + `skip_empty_lines` skipped. */
const isBlank = (record: string[]): boolean => record.length === 1 && trimCell(record[0]!) === '';

export async function parseWellCsv(input: NodeJS.ReadableStream | Buffer | string, options: ParseWellOptions): Promise<ParsedWell> {
  const { source } = options;
  const fail = (line: number, what: string): never => {
    throw new WellCsvError(`${source}: line ${line}: ${what}`);
  };

  const stream = toStream(input);
  const parser = parse(PARSER_OPTIONS);
  const onInputError = (err: Error): void => {
    parser.destroy(err);
  };
  stream.on('error', onInputError);
  stream.pipe(parser);

  let header: string[] | undefined;
  let width = 0;
  let pixels: PixelBuffer | undefined;
  const depthsTenths: number[] = [];
  const lineOfDepth = new Map<number, number>();
  let rowsRead = 0;
  let rowsDropped = 0;
  let completed = false;

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
        if (header[0] !== 'depth') fail(line, `header must start with "depth", got "${header[0]}"`);
        width = header.length - 1;
        if (width < 1) fail(line, 'header has no pixel columns (expected depth,col1,...,colN)');
        for (let c = 1; c <= width; c++) {
          if (header[c] !== `col${c}`) fail(line, `header ${columnName(header, c)}: expected "col${c}"`);
        }
        pixels = new PixelBuffer(width);
        continue;
      }
      rowsRead++;
      if (record.length !== header.length) fail(line, `expected ${header.length} columns (depth + ${width} pixels), got ${record.length}`);

      // One pass over the common cells; the first other cell sends the row through the exact checks below,
      // in the original order (an empty cell anywhere drops the row before any value is judged).
      const buffer = pixels!;
      const offset = buffer.nextRow();
      const data = buffer.buffer;
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
          buffer.dropRow();
          rowsDropped++;
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
        continue;
      }
      const tenths = depthOf(depthText, line, header);
      lineOfDepth.set(tenths, line);
      depthsTenths.push(tenths);
    }
    completed = true;
  } catch (err) {
    if (err instanceof WellCsvError) throw err;
    // csv-parse's own errors (e.g. an unclosed quote, with its line) and read errors of the input.
    throw new WellCsvError(`${source}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  } finally {
    stream.removeListener('error', onInputError);
    const readable = stream as Partial<Readable>;
    if (!completed && typeof readable.destroy === 'function') readable.destroy();
  }

  if (!header) throw new WellCsvError(`${source}: empty file (expected a header depth,col1,...,colN)`);
  if (depthsTenths.length === 0) throw new WellCsvError(`${source}: no data rows (${rowsRead} read, ${rowsDropped} dropped for empty cells)`);
  return { depthsTenths, width, pixels: pixels!.result(), rowsRead, rowsDropped };
}

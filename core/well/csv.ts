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

export async function parseWellCsv(input: NodeJS.ReadableStream | Buffer | string, options: ParseWellOptions): Promise<ParsedWell> {
  const { source } = options;
  const fail = (line: number, what: string): never => {
    throw new WellCsvError(`${source}: line ${line}: ${what}`);
  };

  const stream = toStream(input);
  const parser = parse({ bom: true, trim: true, skip_empty_lines: true, relax_column_count: true, info: true });
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

  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: Info }>) {
      const line = info.lines;
      if (!header) {
        header = record;
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
      if (record.includes('')) {
        rowsDropped++;
        continue;
      }

      const depthText = record[0];
      if (!DECIMAL.test(depthText)) fail(line, `${columnName(header, 0)}: "${depthText}" is not a number`);
      const depth = Number(depthText);
      if (!Number.isFinite(depth)) fail(line, `${columnName(header, 0)}: "${depthText}" is not a finite number`);
      const tenths = depthToTenths(depth);
      if (!Number.isSafeInteger(tenths)) fail(line, `${columnName(header, 0)}: depth ${depthText} is out of range (tenths of a foot must be a safe integer)`);
      const firstLine = lineOfDepth.get(tenths);
      if (firstLine !== undefined) fail(line, `duplicate depth ${depthText} (${tenths / 10} ft already on line ${firstLine})`);
      lineOfDepth.set(tenths, line);

      const buffer = pixels!;
      const offset = buffer.nextRow();
      const data = buffer.buffer;
      for (let c = 1; c <= width; c++) {
        const text = record[c];
        if (!DECIMAL.test(text)) fail(line, `${columnName(header, c)}: "${text}" is not a number`);
        const value = Number(text);
        if (!(value >= 0 && value <= 255)) fail(line, `${columnName(header, c)}: pixel value ${text} is outside 0-255`);
        // Uint8Array stores truncate toward zero, as numpy's astype(uint8) of 0..255 floats.
        data[offset + c - 1] = value;
      }
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

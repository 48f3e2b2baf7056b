/**
 * The bad-input corpus for the ETLs, generated at test time from the real samples (nothing binary is
 * committed): broken well-imager CSVs and broken eGRID workbooks. Each case says what the ETL must do:
 * reject it with a message matching `problem` (naming the problem, and the line where there is one), or
 * accept it (and the test then checks what was stored).
 */
import { gzipSync } from 'node:zlib';
import { buffer as readAll } from 'node:stream/consumers';
import yazl from 'yazl';
import { buildWorkbook, egridHeader } from '../helpers/egrid-workbooks';

export interface RejectedCase {
  name: string;
  body: Buffer | string;
  /** What the error message must say. */
  problem: RegExp;
}

/** A line of a well CSV with one cell replaced (cell 0 is the depth). */
function withCell(line: string, cell: number, value: string): string {
  const cells = line.split(',');
  cells[cell] = value;
  return cells.join(',');
}

/**
 * Broken variants of a good well CSV (`header` + `lines`, at least 5 data lines). Line numbers in the
 * expected messages are 1-based file lines: the header is line 1, lines[i] is line i + 2.
 */
export function brokenWellCsvs(header: string, lines: string[]): RejectedCase[] {
  const csv = (rows: string[]): string => [header, ...rows].join('\n') + '\n';
  const good = lines.slice(0, 5);
  const replaceLine = (index: number, line: string): string[] => good.map((l, i) => (i === index ? line : l));
  const width = header.split(',').length - 1;
  return [
    { name: 'empty file', body: '', problem: /empty file/ },
    { name: 'blank lines only', body: '\n\n\r\n  \n', problem: /empty file/ },
    { name: 'header only', body: `${header}\n`, problem: /no data rows/ },
    { name: 'rows without a header', body: good.join('\n'), problem: /line 1: header must start with "depth"/ },
    { name: 'header with other column names', body: csv(good).replace('col3,', 'colour3,'), problem: /line 1: header column 4 \(colour3\): expected "col3"/ },
    { name: 'header without pixel columns', body: 'depth\n9000.1\n9000.2\n', problem: /line 1: header has no pixel columns/ },
    { name: 'text in a pixel cell', body: csv(replaceLine(1, withCell(good[1]!, 5, 'abc'))), problem: /line 3: column 6 \(col5\): "abc" is not a number/ },
    { name: 'text in a depth cell', body: csv(replaceLine(2, withCell(good[2]!, 0, '9000.3ft'))), problem: /line 4: column 1 \(depth\): "9000.3ft" is not a number/ },
    { name: 'NaN pixel', body: csv(replaceLine(0, withCell(good[0]!, 1, 'NaN'))), problem: /line 2: column 2 \(col1\): "NaN" is not a number/ },
    { name: 'Infinity depth', body: csv(replaceLine(3, withCell(good[3]!, 0, 'Infinity'))), problem: /line 5: column 1 \(depth\): "Infinity" is not a number/ },
    { name: 'pixel above 255', body: csv(replaceLine(4, withCell(good[4]!, width, '256.0'))), problem: new RegExp(`line 6: column ${width + 1} \\(col${width}\\): pixel value 256.0 is outside 0-255`) },
    { name: 'negative pixel', body: csv(replaceLine(2, withCell(good[2]!, 7, '-1.0'))), problem: /line 4: column 8 \(col7\): pixel value -1.0 is outside 0-255/ },
    { name: 'pixel in exponent notation out of range', body: csv(replaceLine(1, withCell(good[1]!, 2, '1e3'))), problem: /line 3: column 3 \(col2\): pixel value 1e3 is outside 0-255/ },
    { name: 'duplicate depth', body: csv([...good, good[1]!]), problem: /line 7: duplicate depth 9000.2 .*line 3/ },
    { name: 'depths equal once rounded to 0.1', body: csv([...good, withCell(good[0]!, 0, '9000.14')]), problem: /line 7: duplicate depth 9000.14 .*line 2/ },
    { name: 'a row with a column missing', body: csv(replaceLine(3, good[3]!.split(',').slice(0, -1).join(','))), problem: new RegExp(`line 5: expected ${width + 1} columns .*got ${width}`) },
    { name: 'a row with a column too many', body: csv(replaceLine(1, `${good[1]!},7.0`)), problem: new RegExp(`line 3: expected ${width + 1} columns .*got ${width + 2}`) },
    { name: 'file truncated in the middle of a row', body: csv(good).slice(0, csv(good).length - Math.floor(good[4]!.length / 2)), problem: /line 6: expected \d+ columns/ },
    { name: 'unclosed quote', body: csv(replaceLine(1, withCell(good[1]!, 3, '"12.0'))), problem: /line 3|Quote Not Closed/i },
    { name: 'depth beyond any storable number', body: csv(replaceLine(0, withCell(good[0]!, 0, '1e300'))), problem: /line 2: column 1 \(depth\): depth 1e300 is out of range/ },
    { name: 'gzip-compressed CSV', body: gzipSync(csv(good)), problem: /is a gzip-compressed file: decompress it first, not a well-imager CSV/ },
    { name: 'random bytes', body: Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)), problem: /is a binary file, not text, not a well-imager CSV/ },
    // Files uploaded by mistake (SPEC 4.5): each named for what it is.
    { name: 'a workbook where a CSV is expected', body: Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(1024, 7)]), problem: /is a zip archive \(an Excel \.xlsx workbook is one\), not a well-imager CSV/ },
    { name: 'an old binary .xls', body: Buffer.concat([OLE2_SIGNATURE, Buffer.alloc(1024)]), problem: /is an old binary Excel file \(\.xls.*save it as \.xlsx, not a well-imager CSV/ },
    { name: 'a CSV with another header (an eGRID export)', body: 'ORISPL,PNAME,PSTATABB,PLNGENAN\n1,Alpha,AL,300\n', problem: /line 1: header must start with "depth", got "ORISPL" \(this CSV's header is "ORISPL,PNAME,PSTATABB,PLNGENAN"/ },
  ];
}

/** The first bytes of an OLE2 compound file: an old binary .xls. */
export const OLE2_SIGNATURE = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);

/** The same CSV in UTF-16LE with its byte order mark (a spreadsheet's "Unicode text" export): readable, so processed. */
export function utf16Csv(csv: string): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(csv, 'utf16le')]);
}

/**
 * The sample repeated `times` times with shifted depths (copy k adds k × the sample's depth span), so
 * every depth stays unique: `times` × the sample's size, in its real layout, which must be ingested, not
 * rejected. Depths are written from integer tenths, so no rounding sneaks in.
 */
export function repeatedWellCsv(header: string, lines: string[], times: number): { csv: string; spanTenths: number } {
  const tenthsOf = (line: string): number => Math.round(Number(line.slice(0, line.indexOf(','))) * 10);
  const first = tenthsOf(lines[0]!);
  const spanTenths = tenthsOf(lines.at(-1)!) - first + 1;
  const parts: string[] = [header];
  for (let k = 0; k < times; k++) {
    for (const line of lines) {
      const tenths = tenthsOf(line) + k * spanTenths;
      parts.push(`${(tenths / 10).toFixed(1)}${line.slice(line.indexOf(','))}`);
    }
  }
  return { csv: parts.join('\n') + '\n', spanTenths };
}

const CODES = ['ORISPL', 'PNAME', 'PSTATABB', 'PLNGENAN', 'LAT', 'LON', 'PLFUELCT'];

async function zipOf(files: Record<string, string>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, content] of Object.entries(files)) zip.addBuffer(Buffer.from(content), name);
  zip.end();
  return readAll(zip.outputStream);
}

/**
 * The real workbook cut inside an entry (the plant sheet's data spans 10%..95% of the file): once a
 * reader that never settled (it hung when the input came as a stream), see etl-corpus-egrid.test.ts.
 */
export function truncatedWorkbooks(real: Buffer): RejectedCase[] {
  return [0.1, 0.5, 0.9].map((fraction) => ({
    name: `real workbook truncated to ${fraction * 100}%`,
    body: real.subarray(0, Math.floor(real.length * fraction)),
    problem: /not a readable \.xlsx workbook: .*truncated/,
  }));
}

/** Broken workbooks, built from the real one (`real`) and with exceljs. Each would replace 2018 if accepted. */
export async function brokenWorkbooks(real: Buffer, variants: { name: string; body: Buffer }[]): Promise<RejectedCase[]> {
  const plants = [
    [1, 'Alpha', 'AL', 300, 33.1, -87.1, 'GAS'],
    [2, 'Beta', 'AL', 100, 33.2, -87.2, 'COAL'],
  ];
  const sheet = (name: string, codes: string[], rows: unknown[][]) => ({ name, rows: [...egridHeader(codes), ...rows] as never[][] });
  return [
    { name: 'empty file', body: Buffer.alloc(0), problem: /is not a readable \.xlsx workbook: the file is empty$/ },
    { name: 'real workbook without its last 100 bytes', body: real.subarray(0, real.length - 100), problem: /not a readable \.xlsx workbook/ },
    { name: 'random bytes', body: Buffer.from(Array.from({ length: 65536 }, (_, i) => (i * 7919 + 13) % 256)), problem: /not a readable \.xlsx workbook/ },
    { name: 'a zip that is not a workbook', body: await zipOf({ 'readme.txt': 'hello\n', 'data/plants.csv': 'ORISPL,PNAME\n1,Alpha\n' }), problem: /is a zip archive but not an Excel workbook \(it has no xl\/workbook\.xml; it holds readme\.txt, data\/plants\.csv\): expected an eGRID \.xlsx workbook/ },
    { name: 'a CSV named .xlsx', body: Buffer.from(`${CODES.join(',')}\n1,Alpha,AL,300,33.1,-87.1,GAS\n`), problem: /not a readable \.xlsx workbook: it is a text file \(a CSV\?\) starting "ORISPL,/ },
    { name: 'an old binary .xls', body: Buffer.concat([OLE2_SIGNATURE, Buffer.alloc(4096)]), problem: /it is an old binary Excel file \(\.xls.*save it as \.xlsx/ },
    { name: 'a workbook without a PLNTyy sheet (an EPA summary-table workbook)', body: await buildWorkbook([sheet('Table 1', ['STATE'], [['AL']]), sheet('ST18', ['PSTATABB'], [['AL']])]), problem: /has no plant sheet PLNTyy \(e\.g\. PLNT18\); sheets found: Table 1, ST18: not the eGRID data workbook/ },
    { name: 'wrong sheet name', body: await buildWorkbook([sheet('Plants 2018', CODES, plants)]), problem: /no plant sheet PLNTyy .*sheets found: Plants 2018/ },
    { name: 'sheet named with a four-digit year', body: await buildWorkbook([sheet('PLNT2018', CODES, plants)]), problem: /no plant sheet PLNTyy .*sheets found: PLNT2018/ },
    { name: 'missing generation column', body: await buildWorkbook([sheet('PLNT18', CODES.filter((c) => c !== 'PLNGENAN'), plants.map((r) => r.filter((_, i) => i !== 3)))]), problem: /sheet PLNT18 lacks the eGRID field codes PLNGENAN/ },
    { name: 'missing state and fuel columns', body: await buildWorkbook([sheet('PLNT18', ['ORISPL', 'PNAME', 'PLNGENAN', 'LAT', 'LON'], [[1, 'Alpha', 300, 33.1, -87.1]])]), problem: /lacks the eGRID field codes PSTATABB, PLFUELCT or PLPRMFL/ },
    { name: 'codes in row 1, no description row', body: await buildWorkbook([{ name: 'PLNT18', rows: [CODES, ...plants] as never[][] }]), problem: /lacks the eGRID field codes .*row 1 holds the headers/ },
    { name: 'text in every generation cell', body: await buildWorkbook([sheet('PLNT18', CODES, plants.map((r) => r.map((v, i) => (i === 3 ? `${String(v)} MWh` : v))))]), problem: /keeps no plant .*2 missing fields/ },
    { name: 'only negative generation', body: await buildWorkbook([sheet('PLNT18', CODES, plants.map((r) => r.map((v, i) => (i === 3 ? -Number(v) : v))))]), problem: /keeps no plant .*2 negative generation/ },
    { name: 'two plant sheets', body: await buildWorkbook([sheet('PLNT17', CODES, plants), sheet('PLNT18', CODES, plants)]), problem: /several plant sheets \(PLNT17, PLNT18\)/ },
    ...variants.map((v) => ({ name: `real-world variant ${v.name}`, body: v.body, problem: /lacks the eGRID field codes/ })),
  ];
}

/** A PLNT17 sheet with text, errors and blanks in numeric cells: processed, those rows dropped and counted. */
export async function workbookWithTextInNumbers(): Promise<{ body: Buffer; expectedPlants: [number, string, number, number | null][]; droppedMissing: number }> {
  const rows = [
    [10, 'Kept', 'AL', 300, 33.1, -87.1, 'GAS'],
    [11, 'Kept too', 'AL', 100, 'n/a', -87.2, 'COAL'], // text latitude: kept, lat null
    [12, 'Text generation', 'AL', 'lots', 33.3, -87.3, 'GAS'],
    [13, 'Error cell', 'AL', { error: '#N/A' }, 33.4, -87.4, 'GAS'],
    ['x13', 'Text id', 'AL', 50, 33.5, -87.5, 'GAS'],
    [14, 'Numeric text', 'TX', '75', 30.1, -97.1, 'WIND'], // a number stored as text is still a number
    [15, 'Blank generation', 'TX', null, 30.2, -97.2, 'WIND'],
  ];
  return {
    body: await buildWorkbook([{ name: 'PLNT17', rows: [...egridHeader(CODES), ...rows] as never[][] }]),
    expectedPlants: [
      [10, 'AL', 0.75, 33.1],
      [11, 'AL', 0.25, null],
      [14, 'TX', 1, 30.1],
    ],
    droppedMissing: 4,
  };
}

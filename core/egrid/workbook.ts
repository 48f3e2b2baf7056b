/**
 * Reads the plant sheet `PLNTyy` out of an eGRID workbook (SPEC §4.1). The zip is read through its
 * central directory, so entry order does not matter (the sample has its sheets first): workbook.xml
 * and its relationships name the sheets and their parts, the shared strings are read, then only the
 * plant sheet's part is inflated and scanned as it streams, keeping the needed columns of each row
 * (the field codes of row 2 say which). Memory holds the compressed workbook (for a stream input),
 * the shared strings and the kept fields, never a whole sheet.
 */
import type { Readable } from 'node:stream';
import path from 'node:path';
import { ZipArchive } from './xlsx/zip';
import { readWorkbookParts, type SheetPart } from './xlsx/workbook-parts';
import { readSharedStrings } from './xlsx/shared-strings';
import { scanSheet, type CellValue } from './xlsx/sheet-scanner';
import { fuelCategoryOfCode } from './fuel';

/**
 * Field codes read from row 2. The fuel category is PLFUELCT; where a row (or a whole year, as EPA's 2020
 * and 2021 files) lacks it, the category EPA's table gives for the primary fuel code PLPRMFL (fuel.ts);
 * a code the table does not know is kept as it is.
 */
export const REQUIRED_CODES = ['ORISPL', 'PNAME', 'PSTATABB', 'PLNGENAN', 'LAT', 'LON'] as const;
export const FUEL_CODES = ['PLFUELCT', 'PLPRMFL'] as const;

const CODE_ROW = 2;
const FIRST_DATA_ROW = 3;
const PLANT_SHEET = /^PLNT(\d{2})$/;

/** One data row of the plant sheet, values as found (null where empty, an error or not of the field's type). */
export interface PlantSheetRow {
  /** Row number in the sheet (1-based, as Excel shows it). */
  row: number;
  plantId: number | null;
  name: string | null;
  state: string | null;
  generation: number | null;
  lat: number | null;
  lon: number | null;
  /** The fuel category (PLFUELCT, or derived from PLPRMFL). */
  fuel: string | null;
}

export interface PlantSheet {
  sheet: string;
  year: number;
  /** PLFUELCT when the sheet has the category column, PLPRMFL when categories come from the codes. */
  fuelCode: (typeof FUEL_CODES)[number];
  rows: PlantSheetRow[];
}

export interface ReadPlantSheetOptions {
  /** The datamart year; when given, the sheet must be PLNT<last two digits>. */
  year?: number;
  /** Names the input in error messages (a file name or s3:// address). */
  source?: string;
}

type Columns = Record<(typeof REQUIRED_CODES)[number], number> & { category: number; code: number };

interface SheetContent {
  codes: string[];
  firstRowCodes: string[];
  /** Filled only when row 2 holds every needed code. */
  extracted?: { fuelCode: PlantSheet['fuelCode']; rows: PlantSheetRow[] };
}

export function yearOfPlantSheet(name: string): number | undefined {
  const match = PLANT_SHEET.exec(name);
  if (!match) return undefined;
  const yy = Number(match[1]);
  return yy >= 90 ? 1900 + yy : 2000 + yy;
}

export function plantSheetName(year: number): string {
  return `PLNT${String(year % 100).padStart(2, '0')}`;
}

/** Reads the plant sheet; throws an Error naming what is missing when the workbook is not an eGRID one. */
export async function readPlantSheet(input: Readable | string, options: ReadPlantSheetOptions = {}): Promise<PlantSheet> {
  const source = options.source ?? (typeof input === 'string' ? path.basename(input) : 'workbook');
  const zip = await unreadable(source, ZipArchive.open(input));
  try {
    const parts = await unreadable(source, readWorkbookParts(zip));
    if (parts.workbook === undefined) throw new Error(notAWorkbookMessage(source, zip.names()));
    const sheet = choosePlantSheet(source, parts.sheets, options.year);
    const name = sheet.name;
    if (sheet.part === undefined) {
      throw new Error(`${source}: sheet ${name} is listed in ${parts.workbook} but ${parts.workbookRels ?? 'its relationships part'} has no relationship ${sheet.rId ?? '(no r:id)'} for it`);
    }
    const sheetPart = sheet.part;
    if (!zip.has(sheetPart)) throw new Error(`${source}: sheet ${name} is listed in ${parts.workbook} but its part ${sheetPart} is not in the zip`);
    const content = await unreadable(
      source,
      (async () => {
        const strings = (parts.sharedStrings && (await readPart(zip, parts.sharedStrings, readSharedStrings))) || [];
        const read = await readPart(zip, sheetPart, (chunks, part) => readSheetContent(chunks, strings, part));
        if (!read) throw new Error(`${sheetPart} vanished from the zip`);
        return read;
      })(),
    );
    if (!content.extracted) throw new Error(missingCodesMessage(source, name, content));
    return { sheet: name, year: options.year ?? (yearOfPlantSheet(name) as number), fuelCode: content.extracted.fuelCode, rows: content.extracted.rows };
  } finally {
    zip.close();
  }
}

/** A part through `read`; undefined when the zip has no such part. */
async function readPart<T>(zip: ZipArchive, part: string, read: (chunks: AsyncIterable<Buffer>, part: string) => Promise<T>): Promise<T | undefined> {
  const chunks = await zip.stream(part);
  return chunks ? read(chunks, part) : undefined;
}

/** Failures of the zip or of a part's XML: the input is not a readable workbook. */
async function unreadable<T>(source: string, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    throw new Error(`${source} is not a readable .xlsx workbook: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** A zip with no workbook part: what it holds, and what was expected. */
function notAWorkbookMessage(source: string, names: string[]): string {
  const shown = names.slice(0, 5).join(', ') + (names.length > 5 ? `, … (${names.length} files)` : '');
  return `${source} is a zip archive but not an Excel workbook (it has no xl/workbook.xml; it holds ${shown || 'nothing'}): expected an eGRID .xlsx workbook`;
}

function choosePlantSheet(source: string, sheets: SheetPart[], year: number | undefined): SheetPart {
  const wanted = year !== undefined ? plantSheetName(year) : undefined;
  const plantSheets = sheets.filter((s) => (wanted ? s.name === wanted : PLANT_SHEET.test(s.name)));
  if (plantSheets.length === 0) {
    const what = wanted ? `sheet ${wanted} for year ${year}` : 'plant sheet PLNTyy (e.g. PLNT18)';
    const found = sheets.length > 0 ? sheets.map((s) => s.name).join(', ') : 'none';
    // EPA publishes other workbooks beside the data one (summary tables, sequence numbers).
    const expected = wanted ? '' : ': not the eGRID data workbook (egridYYYY_data.xlsx), whose plants are on sheet PLNTyy';
    throw new Error(`${source} has no ${what}; sheets found: ${found}${expected}`);
  }
  if (plantSheets.length > 1) {
    throw new Error(`${source} has several plant sheets (${plantSheets.map((s) => s.name).join(', ')}); give the year to choose one`);
  }
  return plantSheets[0]!;
}

/**
 * Rows 1 and 2 whole (descriptions, field codes); from row 3 only the needed columns. A row counts
 * when any of its cells holds a value, as pandas counts it; the scan stops after row 2 when codes are missing.
 */
async function readSheetContent(chunks: AsyncIterable<Buffer>, strings: readonly string[], part: string): Promise<SheetContent> {
  const content: SheetContent = { codes: [], firstRowCodes: [] };
  let columns: Columns | undefined;
  let wanted = new Uint8Array(0);
  const rows: PlantSheetRow[] = [];
  await scanSheet(
    chunks,
    strings,
    {
      columns: (row) => (row < FIRST_DATA_ROW ? undefined : wanted),
      row(row, values, hasValue) {
        if (row === 1) {
          content.firstRowCodes = rowTexts(values);
        } else if (row === CODE_ROW) {
          content.codes = rowTexts(values);
          columns = columnsOf(content.codes);
          if (!columns) return false;
          wanted = new Uint8Array(Math.max(...Object.values(columns)) + 1);
          for (const column of Object.values(columns)) if (column > 0) wanted[column] = 1;
          content.extracted = { fuelCode: content.codes.includes('PLFUELCT') ? 'PLFUELCT' : 'PLPRMFL', rows };
        } else if (row > CODE_ROW && !columns) {
          return false;
        } else if (row >= FIRST_DATA_ROW && columns && hasValue) {
          rows.push({
            row,
            plantId: integerOf(values[columns.ORISPL]),
            name: textOf(values[columns.PNAME]),
            state: textOf(values[columns.PSTATABB]),
            generation: numberOf(values[columns.PLNGENAN]),
            lat: numberOf(values[columns.LAT]),
            lon: numberOf(values[columns.LON]),
            fuel: fuelOf(columns, values),
          });
        }
        return true;
      },
    },
    part,
  );
  return content;
}

/** Column numbers (1-based; 0 for an absent fuel column) of the needed codes, or undefined when any is missing. */
function columnsOf(codes: string[]): Columns | undefined {
  const at = (code: string): number => codes.indexOf(code) + 1;
  const category = at('PLFUELCT');
  const code = at('PLPRMFL');
  if ((!category && !code) || REQUIRED_CODES.some((c) => !at(c))) return undefined;
  return { ORISPL: at('ORISPL'), PNAME: at('PNAME'), PSTATABB: at('PSTATABB'), PLNGENAN: at('PLNGENAN'), LAT: at('LAT'), LON: at('LON'), category, code };
}

/** PLFUELCT's category, else the one EPA's table gives for PLPRMFL's code, else that code as it is. */
function fuelOf(columns: Columns, values: CellValue[]): string | null {
  const category = columns.category ? textOf(values[columns.category]) : null;
  if (category !== null) return category.toUpperCase();
  const code = columns.code ? textOf(values[columns.code]) : null;
  return code === null ? null : (fuelCategoryOfCode(code) ?? code);
}

function missingCodesMessage(source: string, sheetName: string, sheet: SheetContent): string {
  const missing: string[] = REQUIRED_CODES.filter((code) => !sheet.codes.includes(code));
  if (!FUEL_CODES.some((code) => sheet.codes.includes(code))) missing.push(FUEL_CODES.join(' or '));
  let message = `${source}: sheet ${sheetName} lacks the eGRID field codes ${missing.join(', ')} in row ${CODE_ROW}`;
  const inFirstRow = [...REQUIRED_CODES, ...FUEL_CODES].filter((code) => sheet.firstRowCodes.includes(code));
  const firstRow = sheet.firstRowCodes.slice(0, 8).join(', ') + (sheet.firstRowCodes.length > 8 ? ', ...' : '');
  if (inFirstRow.length > 0) {
    message += ` (row 1 holds the headers ${firstRow}, with ${inFirstRow.join(', ')} among them: eGRID puts descriptions in row 1 and codes in row 2)`;
  } else if (sheet.firstRowCodes.length > 0) {
    message += ` (row 1 holds other headers: ${firstRow})`;
  }
  return message;
}

/** A row's texts by column - 1, '' where a cell is empty. */
function rowTexts(values: CellValue[]): string[] {
  const texts: string[] = [];
  for (let i = 1; i < values.length; i++) texts[i - 1] = textOf(values[i]) ?? '';
  return texts;
}

export function textOf(value: CellValue | undefined): string | null {
  if (value === null || value === undefined) return null;
  const text = String(value).trim();
  return text === '' ? null : text;
}

export function numberOf(value: CellValue | undefined): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value.trim());
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

function integerOf(value: CellValue | undefined): number | null {
  const n = numberOf(value);
  return n !== null && Number.isSafeInteger(n) ? n : null;
}

/**
 * Streams the plant sheet `PLNTyy` out of an eGRID workbook (SPEC §4.1) with exceljs's streaming
 * WorkbookReader, so memory stays bounded by the kept fields, not by the workbook.
 *
 * Sheet names: exceljs names a streamed sheet only when it has read xl/workbook.xml and its
 * relationships before that sheet, and only when the relationship target is relative. Zip entry
 * order varies (the sample has its sheets first and absolute targets), so every sheet is read as it
 * comes, the fields are extracted from any sheet whose row 2 holds the needed codes, and the sheet
 * numbers are mapped to names once the whole zip has been read.
 */
import type { Readable } from 'node:stream';
import path from 'node:path';
import ExcelJS from 'exceljs';

/** Field codes read from row 2; the fuel category is PLFUELCT, or PLPRMFL where PLFUELCT is absent. */
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
  fuel: string | null;
}

export interface PlantSheet {
  sheet: string;
  year: number;
  fuelCode: (typeof FUEL_CODES)[number];
  rows: PlantSheetRow[];
}

export interface ReadPlantSheetOptions {
  /** The datamart year; when given, the sheet must be PLNT<last two digits>. */
  year?: number;
  /** Names the input in error messages (a file name or s3:// address). */
  source?: string;
}

type CellValue = ExcelJS.CellValue;

/**
 * What the exceljs reader has beyond its typings: it is an EventEmitter ('entry' events name each
 * sheet's file as it starts) and keeps workbook.xml's sheets and the workbook relationships.
 */
interface ReaderInternals {
  on(event: 'entry', listener: (entry: { type?: string; id?: string }) => void): unknown;
  model?: { sheets?: { name?: string; rId?: string }[] };
  workbookRels?: { Id?: string; Target?: string }[];
}

interface SheetSeen {
  /** N of xl/worksheets/sheetN.xml. */
  fileNumber: string;
  codes: string[];
  firstRowCodes: string[];
  /** Filled only for sheets whose row 2 holds every needed code. */
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
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(input, {
    sharedStrings: 'cache',
    worksheets: 'emit',
    hyperlinks: 'ignore',
    styles: 'ignore',
    entries: 'emit',
  });
  const internals = reader as unknown as ReaderInternals;
  // exceljs dereferences model.sheets when it meets a sheet after the relationships but before
  // workbook.xml; an empty model keeps that order readable (workbook.xml replaces it when read).
  internals.model = { sheets: [] };
  let currentFileNumber = '';
  internals.on('entry', (entry) => {
    if (entry.type === 'worksheet' && entry.id !== undefined) currentFileNumber = String(entry.id);
  });

  const seen: SheetSeen[] = [];
  try {
    for await (const worksheet of reader) {
      seen.push(await readSheet(worksheet, currentFileNumber));
    }
  } catch (err) {
    throw new Error(`${source} is not a readable .xlsx workbook: ${err instanceof Error ? err.message : String(err)}`);
  }

  const names = sheetNamesByFileNumber(internals);
  const named = seen.map((sheet) => ({ ...sheet, name: names.get(sheet.fileNumber) }));
  const allNames = workbookSheetNames(internals);
  const found = allNames.length > 0 ? allNames.join(', ') : 'none';

  const wanted = options.year !== undefined ? plantSheetName(options.year) : undefined;
  const plantSheets = named.filter((s) => s.name !== undefined && (wanted ? s.name === wanted : PLANT_SHEET.test(s.name)));
  if (plantSheets.length === 0) {
    const unread = allNames.filter((n) => (wanted ? n === wanted : PLANT_SHEET.test(n)));
    if (unread.length > 0) {
      throw new Error(`${source}: sheet ${unread.join(', ')} is listed in xl/workbook.xml but its data was not found (worksheet parts must be xl/worksheets/sheetN.xml)`);
    }
    const what = wanted ? `sheet ${wanted} for year ${options.year}` : 'plant sheet PLNTyy (e.g. PLNT18)';
    throw new Error(`${source} has no ${what}; sheets found: ${found}`);
  }
  if (plantSheets.length > 1) {
    throw new Error(`${source} has several plant sheets (${plantSheets.map((s) => s.name).join(', ')}); give the year to choose one`);
  }
  const sheet = plantSheets[0];
  const name = sheet.name as string;
  if (!sheet.extracted) throw new Error(missingCodesMessage(source, name, sheet));
  return { sheet: name, year: options.year ?? (yearOfPlantSheet(name) as number), fuelCode: sheet.extracted.fuelCode, rows: sheet.extracted.rows };
}

async function readSheet(worksheet: AsyncIterable<ExcelJS.Row>, fileNumber: string): Promise<SheetSeen> {
  const sheet: SheetSeen = { fileNumber, codes: [], firstRowCodes: [] };
  let columns: Record<(typeof REQUIRED_CODES)[number] | 'fuel', number> | undefined;
  const rows: PlantSheetRow[] = [];
  // Every row is consumed (no early break): leaving a streamed sheet half-read makes exceljs buffer
  // the rest of the zip entry in memory.
  for await (const row of worksheet) {
    if (row.number === 1) {
      sheet.firstRowCodes = rowTexts(row);
      continue;
    }
    if (row.number === CODE_ROW) {
      sheet.codes = rowTexts(row);
      columns = columnsOf(sheet.codes);
      if (columns) sheet.extracted = { fuelCode: sheet.codes.includes('PLFUELCT') ? 'PLFUELCT' : 'PLPRMFL', rows };
      continue;
    }
    if (!columns || row.number < FIRST_DATA_ROW) continue;
    const values = row.values as CellValue[];
    if (!values.some((v) => plainValue(v) !== null)) continue;
    rows.push({
      row: row.number,
      plantId: integerOf(values[columns.ORISPL]),
      name: textOf(values[columns.PNAME]),
      state: textOf(values[columns.PSTATABB]),
      generation: numberOf(values[columns.PLNGENAN]),
      lat: numberOf(values[columns.LAT]),
      lon: numberOf(values[columns.LON]),
      fuel: textOf(values[columns.fuel]),
    });
  }
  return sheet;
}

/** Column numbers (1-based, as row.values indexes them) of the needed codes, or undefined when any is missing. */
function columnsOf(codes: string[]): Record<(typeof REQUIRED_CODES)[number] | 'fuel', number> | undefined {
  const at = (code: string): number => codes.indexOf(code) + 1;
  const fuel = at('PLFUELCT') || at('PLPRMFL');
  if (!fuel || REQUIRED_CODES.some((code) => !at(code))) return undefined;
  return { ORISPL: at('ORISPL'), PNAME: at('PNAME'), PSTATABB: at('PSTATABB'), PLNGENAN: at('PLNGENAN'), LAT: at('LAT'), LON: at('LON'), fuel };
}

function missingCodesMessage(source: string, sheetName: string, sheet: SheetSeen): string {
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

/** workbook.xml's sheet names keyed by the N of xl/worksheets/sheetN.xml, via the workbook relationships. */
function sheetNamesByFileNumber(internals: ReaderInternals): Map<string, string> {
  const targets = new Map<string, string>();
  for (const rel of internals.workbookRels ?? []) {
    if (rel.Id && rel.Target) targets.set(rel.Id, partPath(rel.Target));
  }
  const names = new Map<string, string>();
  for (const sheet of internals.model?.sheets ?? []) {
    const target = sheet.rId ? targets.get(sheet.rId) : undefined;
    const match = target ? /^xl\/worksheets\/sheet(\d+)\.xml$/.exec(target) : null;
    if (match && sheet.name !== undefined) names.set(match[1], sheet.name);
  }
  return names;
}

function workbookSheetNames(internals: ReaderInternals): string[] {
  return (internals.model?.sheets ?? []).map((s) => s.name).filter((n): n is string => n !== undefined);
}

/** A relationship target as a zip path: absolute ("/xl/...") or relative to xl/. */
function partPath(target: string): string {
  return target.startsWith('/') ? path.posix.normalize(target.slice(1)) : path.posix.normalize(path.posix.join('xl', target));
}

function rowTexts(row: ExcelJS.Row): string[] {
  const values = row.values as CellValue[];
  const texts: string[] = [];
  for (let i = 1; i < values.length; i++) texts[i - 1] = textOf(values[i]) ?? '';
  return texts;
}

/**
 * A cell's own value: formula results and rich text resolved; error cells (#N/A) and empty cells are
 * null, as pandas reads them.
 */
export function plainValue(value: CellValue | undefined): string | number | boolean | Date | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value instanceof Date) return value;
  if ('richText' in value) return value.richText.map((part) => part.text).join('');
  if ('error' in value) return null;
  if ('result' in value) return plainValue(value.result as CellValue | undefined);
  if ('formula' in value || 'sharedFormula' in value) return null;
  if ('text' in value && typeof value.text === 'string') return value.text;
  return null;
}

export function textOf(value: CellValue | undefined): string | null {
  const plain = plainValue(value);
  if (plain === null) return null;
  const text = (plain instanceof Date ? plain.toISOString() : String(plain)).trim();
  return text === '' ? null : text;
}

export function numberOf(value: CellValue | undefined): number | null {
  const plain = plainValue(value);
  if (typeof plain === 'number') return Number.isFinite(plain) ? plain : null;
  if (typeof plain === 'string' && plain.trim() !== '') {
    const n = Number(plain.trim());
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

function integerOf(value: CellValue | undefined): number | null {
  const n = numberOf(value);
  return n !== null && Number.isSafeInteger(n) ? n : null;
}

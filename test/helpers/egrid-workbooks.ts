/**
 * Small eGRID-like workbooks for tests, written with exceljs and repacked with yazl so the zip entry
 * order (and the form of the relationship targets) can be chosen: real files differ in both.
 */
import ExcelJS from 'exceljs';
import yauzl from 'yauzl';
import yazl from 'yazl';
import { buffer as readAll } from 'node:stream/consumers';

export interface SheetSpec {
  name: string;
  rows: ExcelJS.CellValue[][];
}

/**
 * - workbook-first: workbook.xml, its relationships and the shared strings before the sheets (Excel's order);
 * - workbook-last: relationships and shared strings first, workbook.xml after the sheets;
 * - sheets-first: the sheets first, workbook.xml and the shared strings last (the sample's order).
 */
export type EntryOrder = 'workbook-first' | 'workbook-last' | 'sheets-first';

export interface BuildOptions {
  order?: EntryOrder;
  /** Write relationship targets as absolute paths ("/xl/worksheets/sheet1.xml"), as the sample does. */
  absoluteTargets?: boolean;
  /** Store the worksheets as xl/worksheets/data<N>.xml (a valid name: parts are found through the relationships). */
  renameSheetParts?: boolean;
}

export async function buildWorkbook(sheets: SheetSpec[], options: BuildOptions = {}): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  for (const spec of sheets) {
    const sheet = workbook.addWorksheet(spec.name);
    for (const row of spec.rows) sheet.addRow(row);
  }
  const written = Buffer.from(await workbook.xlsx.writeBuffer({ useSharedStrings: true } as Partial<ExcelJS.XlsxWriteOptions>));
  const entries = await unzip(written);
  if (options.absoluteTargets) {
    const rels = 'xl/_rels/workbook.xml.rels';
    entries.set(rels, Buffer.from(entries.get(rels)!.toString('utf8').replace(/Target="(?!\/)([^"]+)"/g, 'Target="/xl/$1"')));
  }
  if (options.renameSheetParts) {
    for (const [name, data] of [...entries]) {
      const renamed = name.replace(/^xl\/worksheets\/sheet(\d+)\.xml$/, 'xl/worksheets/data$1.xml');
      if (renamed !== name) {
        entries.delete(name);
        entries.set(renamed, data);
      } else if (name === 'xl/_rels/workbook.xml.rels' || name === '[Content_Types].xml') {
        entries.set(name, Buffer.from(data.toString('utf8').replace(/worksheets\/sheet(\d+)\.xml/g, 'worksheets/data$1.xml')));
      }
    }
  }
  return zip(orderEntries([...entries.keys()], options.order ?? 'workbook-first'), entries);
}

function orderEntries(paths: string[], order: EntryOrder): string[] {
  const isSheet = (p: string) => /^xl\/worksheets\/[a-z]+\d+\.xml$/.test(p);
  const sheets = paths.filter(isSheet);
  const pick = (...names: string[]) => names.filter((n) => paths.includes(n));
  const fixed = new Set([...sheets, 'xl/workbook.xml', 'xl/_rels/workbook.xml.rels', 'xl/sharedStrings.xml']);
  const others = paths.filter((p) => !fixed.has(p));
  switch (order) {
    case 'workbook-first':
      return [...pick('xl/workbook.xml', 'xl/_rels/workbook.xml.rels', 'xl/sharedStrings.xml'), ...others, ...sheets];
    case 'workbook-last':
      return [...others, ...pick('xl/_rels/workbook.xml.rels', 'xl/sharedStrings.xml'), ...sheets, ...pick('xl/workbook.xml')];
    case 'sheets-first':
      return [...sheets, ...others, ...pick('xl/_rels/workbook.xml.rels', 'xl/workbook.xml', 'xl/sharedStrings.xml')];
  }
}

/** Entry names in zip order. */
export async function zipEntryNames(buffer: Buffer): Promise<string[]> {
  return [...(await unzip(buffer)).keys()];
}

async function unzip(buffer: Buffer): Promise<Map<string, Buffer>> {
  const zipfile = await yauzl.fromBufferPromise(buffer, { lazyEntries: true });
  const entries = new Map<string, Buffer>();
  for await (const entry of zipfile.eachEntry()) {
    if (entry.fileName.endsWith('/')) continue;
    entries.set(entry.fileName, await readAll(await zipfile.openReadStreamPromise(entry)));
  }
  return entries;
}

function zip(order: string[], entries: Map<string, Buffer>): Promise<Buffer> {
  const out = new yazl.ZipFile();
  for (const path of order) out.addBuffer(entries.get(path)!, path);
  out.end();
  return readAll(out.outputStream);
}

/** Row 1 (descriptions) and row 2 (codes) of an eGRID plant sheet with the given codes. */
export function egridHeader(codes: string[]): ExcelJS.CellValue[][] {
  return [codes.map((code) => `description of ${code}`), codes];
}

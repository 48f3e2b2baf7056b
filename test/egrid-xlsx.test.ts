/**
 * The workbook reader's own parts (core/egrid/xlsx): zips and XML written by hand here, so that every
 * form a real .xlsx may take is exercised exactly: cell types, inline and rich strings, entities,
 * CDATA, namespace prefixes, sparse rows and cells without references, any chunking of the XML,
 * where the parts are, damaged zips.
 */
import test from 'ava';
import { Readable } from 'node:stream';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buffer as readAll } from 'node:stream/consumers';
import yazl from 'yazl';
import { readPlantSheet, type PlantSheetRow } from '../core/egrid/workbook';
import { scanSheet, type CellValue } from '../core/egrid/xlsx/sheet-scanner';
import { readSharedStrings } from '../core/egrid/xlsx/shared-strings';

const MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const RELS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const REL_TYPE = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

interface Part {
  name: string;
  text: string | Buffer;
  /** Stored instead of deflated. */
  store?: boolean;
}

async function zipOf(parts: Part[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const part of parts) zip.addBuffer(Buffer.isBuffer(part.text) ? part.text : Buffer.from(part.text), part.name, { compress: !part.store });
  zip.end();
  return readAll(zip.outputStream);
}

function workbookXml(sheets: { name: string; rId: string }[], prefix = 'r'): string {
  const list = sheets.map((s, i) => `<sheet name="${s.name}" sheetId="${i + 1}" ${prefix}:id="${s.rId}"/>`).join('');
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="${MAIN}" xmlns:${prefix}="${RELS}"><sheets>${list}</sheets></workbook>`;
}

function relsXml(rels: { id: string; type: string; target: string }[]): string {
  const list = rels.map((r) => `<Relationship Id="${r.id}" Type="${REL_TYPE}/${r.type}" Target="${r.target}"/>`).join('');
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${list}</Relationships>`;
}

function sstXml(items: string[]): string {
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="${MAIN}" count="${items.length}" uniqueCount="${items.length}">${items.map((i) => `<si>${i}</si>`).join('')}</sst>`;
}

function sheetXml(rows: string, before = '<dimension ref="A1:J9"/>', after = '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'): string {
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="${MAIN}" xmlns:r="${RELS}">${before}<sheetData>${rows}</sheetData>${after}</worksheet>`;
}

/** A one-sheet workbook in the usual layout (the order of the parts is the one given). */
function plainWorkbook(sheetName: string, sheet: string, strings: string[], options: { sheetsFirst?: boolean; store?: boolean } = {}): Promise<Buffer> {
  const sheetPart = { name: 'xl/worksheets/sheet1.xml', text: sheet, store: options.store };
  const rest: Part[] = [
    { name: '_rels/.rels', text: relsXml([{ id: 'rId1', type: 'officeDocument', target: 'xl/workbook.xml' }]) },
    { name: 'xl/workbook.xml', text: workbookXml([{ name: sheetName, rId: 'rId1' }]) },
    {
      name: 'xl/_rels/workbook.xml.rels',
      text: relsXml([
        { id: 'rId1', type: 'worksheet', target: 'worksheets/sheet1.xml' },
        { id: 'rId2', type: 'sharedStrings', target: 'sharedStrings.xml' },
      ]),
    },
    { name: 'xl/sharedStrings.xml', text: sstXml(strings) },
  ];
  return zipOf(options.sheetsFirst ? [sheetPart, ...rest] : [...rest, sheetPart]);
}

/*
 * Row 2 puts the codes at A, C, D, F, G, H, J with other codes between (B, E, I), as shared strings.
 * Shared string 7 is rich text with a phonetic reading, 8 holds entities.
 */
const STRINGS = [
  '<t>ORISPL</t>',
  '<t>PNAME</t>',
  '<t>PSTATABB</t>',
  '<t>PLNGENAN</t>',
  '<t>LAT</t>',
  '<t>LON</t>',
  '<t>PLFUELCT</t>',
  '<r><rPr><b/></rPr><t xml:space="preserve">Rich </t></r><r><t>Plant</t></r><rPh sb="0" eb="1"><t>ruby</t></rPh>',
  '<t>GAS &amp; OIL &lt;1&gt; &#233;&#x41;</t>',
  '<t xml:space="preserve">  Padded  </t>',
  '<t/>',
];
const CODES_ROW =
  '<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" t="inlineStr"><is><t>SEQPLT</t></is></c><c r="C2" t="s"><v>1</v></c><c r="D2" t="s"><v>2</v></c>' +
  '<c r="E2" t="inlineStr"><is><t>YEAR</t></is></c><c r="F2" t="s"><v>3</v></c><c r="G2" t="s"><v>4</v></c><c r="H2" t="s"><v>5</v></c>' +
  '<c r="I2" t="inlineStr"><is><t>OTHER</t></is></c><c r="J2" t="s"><v>6</v></c></row>';
const DESCRIPTIONS_ROW = '<row r="1"><c r="A1" t="inlineStr"><is><t>DOE/EIA ORIS plant code</t></is></c><c r="C1" t="inlineStr"><is><t>Plant name</t></is></c></row>';

const FEATURE_ROWS = [
  DESCRIPTIONS_ROW,
  CODES_ROW,
  // Rich shared string, inline string, formula with its cached value, formula string result, entities.
  '<row r="3" spans="1:10"><c r="A3"><v>1</v></c><c r="C3" t="s"><v>7</v></c><c r="D3" t="inlineStr"><is><t>CA</t></is></c>' +
    '<c r="F3"><f>2*50</f><v>100</v></c><c r="G3" t="str"><f>TEXT(34.5,"0.0")</f><v>34.5</v></c><c r="H3" s="3"><v>-118.25</v></c><c r="J3" t="s"><v>8</v></c></row>',
  // Cells without references (positional), padded text, an error cell, a boolean, an empty shared string.
  '<row r="4"><c><v>2</v></c><c/><c t="s"><v>9</v></c><c t="inlineStr"><is><t> NV </t></is></c><c/><c><v>12.5</v></c><c t="e"><v>#N/A</v></c><c t="b"><v>1</v></c><c/><c t="s"><v>10</v></c></row>',
  // A row without its number (5), pretty-printed, a comment, a shared formula, '>' inside an attribute value.
  '<row>\n  <c r="A5" s="1" x14ac:dyDescent="a&gt;b>c" xmlns:x14ac="urn:x">\n    <v>3</v>\n  </c>\n  <!-- a comment <c r="C5"> -->\n' +
    '  <c r="C5" t="inlineStr"><is><r><t>Z\u00fcrich </t></r><r><rPr><i/></rPr><t><![CDATA[A<B & C]]></t></r><rPh><t>x</t></rPh></is></c>\n' +
    '  <c r="D5" t="inlineStr"><is><t>AZ</t></is></c><c r="F5"><f t="shared" ref="F5:F6" si="0"/><v>1e3</v></c><c r="G5" t=\'n\'><v>33</v></c><c r="H5"><v>-112</v></c>\n</row>',
  // Only an error cell and a styled empty cell: not a data row.
  '<row r="6"><c r="B6" t="e"><v>#DIV/0!</v></c><c r="C6" s="4"/></row>',
  // A sparse row far below, generation as numeric text, a formula without a cached value.
  '<row r="9"><c r="A9"><v>4</v></c><c r="C9" t="str"><v>Four</v></c><c r="D9" t="inlineStr"><is><t>UT</t></is></c><c r="F9" t="inlineStr"><is><t>75</t></is></c><c r="G9"><f>A1</f></c></row>',
  // A row whose cells are all self-closing, and an empty self-closing row: not data rows.
  '<row r="10"><c r="A10" s="1"/></row><row r="11"/>',
].join('');

const FEATURE_EXPECTED: PlantSheetRow[] = [
  { row: 3, plantId: 1, name: 'Rich Plant', state: 'CA', generation: 100, lat: 34.5, lon: -118.25, fuel: 'GAS & OIL <1> \u00c9A' }, // categories are upper-cased, as EPA writes them
  { row: 4, plantId: 2, name: 'Padded', state: 'NV', generation: 12.5, lat: null, lon: null, fuel: null },
  { row: 5, plantId: 3, name: 'Z\u00fcrich A<B & C', state: 'AZ', generation: 1000, lat: 33, lon: -112, fuel: null },
  { row: 9, plantId: 4, name: 'Four', state: 'UT', generation: 75, lat: null, lon: null, fuel: null },
];

test('cell forms: shared, rich, inline and formula strings, entities, CDATA, errors, booleans, positional and sparse cells', async (t) => {
  const workbook = await plainWorkbook('PLNT20', sheetXml(FEATURE_ROWS), STRINGS);
  const sheet = await readPlantSheet(Readable.from(workbook), { source: 'features.xlsx' });
  t.like(sheet, { sheet: 'PLNT20', year: 2020, fuelCode: 'PLFUELCT' });
  t.deepEqual(sheet.rows, FEATURE_EXPECTED);
});

test('a boolean in a text field reads as its word, as before', async (t) => {
  const rows = `${DESCRIPTIONS_ROW}${CODES_ROW}<row r="3"><c r="A3"><v>9</v></c><c r="C3" t="b"><v>0</v></c><c r="D3" t="inlineStr"><is><t>AL</t></is></c><c r="F3"><v>5</v></c></row>`;
  const sheet = await readPlantSheet(Readable.from(await plainWorkbook('PLNT20', sheetXml(rows), STRINGS)));
  t.deepEqual(sheet.rows, [{ row: 3, plantId: 9, name: 'false', state: 'AL', generation: 5, lat: null, lon: null, fuel: null }]);
});

test('namespace prefixes on every element, parts stored uncompressed, sheets before workbook.xml', async (t) => {
  const prefixed = FEATURE_ROWS.replace(/<(\/?)(row|c|v|f|is|t|r|rPr|i|rPh)([ >/])/g, '<$1x:$2$3');
  const sheet = `<?xml version="1.0"?><x:worksheet xmlns:x="${MAIN}"><x:sheetData>${prefixed}</x:sheetData></x:worksheet>`;
  t.true(sheet.includes('<x:c r="C5" t="inlineStr"><x:is><x:r><x:t>'));
  const workbook = await plainWorkbook('PLNT20', sheet, STRINGS, { sheetsFirst: true, store: true });
  t.deepEqual((await readPlantSheet(Readable.from(workbook))).rows, FEATURE_EXPECTED);
});

test('any chunking of the sheet XML gives the same rows (tags, texts, entities and UTF-8 characters cut anywhere)', async (t) => {
  const strings = await readSharedStrings(Readable.from([Buffer.from(sstXml(STRINGS))]), 'xl/sharedStrings.xml');
  const xml = Buffer.from(sheetXml(FEATURE_ROWS));
  const some = new Uint8Array(11);
  for (const column of [1, 3, 6, 10]) some[column] = 1;
  const scan = async (chunks: Buffer[], wanted: Uint8Array | undefined) => {
    const seen: [number, CellValue[], boolean][] = [];
    const visitor = { columns: (row: number) => (row < 3 ? undefined : wanted), row: (row: number, values: CellValue[], hasValue: boolean) => seen.push([row, [...values], hasValue]) > 0 };
    await scanSheet(Readable.from(chunks), strings, visitor, 'sheet.xml');
    return seen;
  };
  const whole = await scan([xml], undefined);
  t.is(whole.length, 9);
  t.deepEqual(whole[2]![1].slice(1, 4), [1, undefined, 'Rich Plant']);
  const wholeSome = await scan([xml], some);
  t.deepEqual(wholeSome[4], [5, [undefined, 3, undefined, 'Z\u00fcrich A<B & C', undefined, undefined, 1000], true]);
  t.deepEqual(wholeSome[5], [6, [], false]);
  for (const size of [1, 2, 3, 5, 7, 11, 64, 1000]) {
    const chunks: Buffer[] = [];
    for (let i = 0; i < xml.length; i += size) chunks.push(xml.subarray(i, i + size));
    t.deepEqual(await scan(chunks, undefined), whole, `chunks of ${size} bytes`);
    t.deepEqual(await scan(chunks, some), wholeSome, `chunks of ${size} bytes, some columns`);
  }
});

test('parts in UTF-8 with a byte order mark and in UTF-16LE read the same', async (t) => {
  const utf16 = (xml: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xml.replace('encoding="UTF-8"', 'encoding="UTF-16"'), 'utf16le')]);
  const bom = (xml: string) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(xml)]);
  for (const [name, encode] of [['UTF-16LE', utf16], ['UTF-8 with BOM', bom]] as const) {
    const workbook = await zipOf([
      { name: 'xl/workbook.xml', text: encode(workbookXml([{ name: 'PLNT20', rId: 'rId1' }])) },
      { name: 'xl/_rels/workbook.xml.rels', text: encode(relsXml([{ id: 'rId1', type: 'worksheet', target: 'worksheets/sheet1.xml' }, { id: 'rId2', type: 'sharedStrings', target: 'sharedStrings.xml' }])) },
      { name: 'xl/sharedStrings.xml', text: encode(sstXml(STRINGS)) },
      { name: 'xl/worksheets/sheet1.xml', text: encode(sheetXml(FEATURE_ROWS)) },
    ]);
    t.deepEqual((await readPlantSheet(Readable.from(workbook))).rows, FEATURE_EXPECTED, name);
  }
});

test('shared strings: rich runs joined, phonetic readings left out, whitespace kept, entities decoded', async (t) => {
  const strings = await readSharedStrings(Readable.from([Buffer.from(sstXml(STRINGS))]), 'xl/sharedStrings.xml');
  t.deepEqual(strings.slice(7), ['Rich Plant', 'GAS & OIL <1> \u00e9A', '  Padded  ', '']);
});

test('the workbook part is found through the package relationships; targets absolute, relative and by case', async (t) => {
  const rows = `${DESCRIPTIONS_ROW}${CODES_ROW}<row r="3"><c r="A3"><v>7</v></c><c r="C3" t="inlineStr"><is><t>Seven</t></is></c><c r="D3" t="inlineStr"><is><t>ME</t></is></c><c r="F3"><v>70</v></c></row>`;
  const workbook = await zipOf([
    { name: '_rels/.rels', text: relsXml([{ id: 'main', type: 'officeDocument', target: '/book/main.xml' }]) },
    { name: 'book/main.xml', text: workbookXml([{ name: 'Notes', rId: 'a' }, { name: 'PLNT21', rId: 'b' }], 'rel') },
    {
      name: 'book/_rels/main.xml.rels',
      text: relsXml([
        { id: 'a', type: 'worksheet', target: '/book/Sheets/Notes.xml' },
        { id: 'b', type: 'worksheet', target: 'sheets/../Sheets/Plant%20Data.xml' },
        { id: 'c', type: 'sharedStrings', target: 'strings.xml' },
      ]),
    },
    { name: 'book/strings.xml', text: sstXml(STRINGS) },
    { name: 'book/sheets/notes.xml', text: sheetXml('') },
    { name: 'BOOK/SHEETS/plant data.xml', text: sheetXml(rows) },
  ]);
  const sheet = await readPlantSheet(Readable.from(workbook));
  t.is(sheet.sheet, 'PLNT21');
  t.deepEqual(sheet.rows, [{ row: 3, plantId: 7, name: 'Seven', state: 'ME', generation: 70, lat: null, lon: null, fuel: null }]);
});

test('a sheet whose relationship or part is missing is named', async (t) => {
  const parts = (rels: string, withSheet: boolean): Part[] => [
    { name: 'xl/workbook.xml', text: workbookXml([{ name: 'PLNT18', rId: 'rId7' }]) },
    { name: 'xl/_rels/workbook.xml.rels', text: rels },
    ...(withSheet ? [{ name: 'xl/worksheets/sheet1.xml', text: sheetXml('') }] : []),
  ];
  const noRel = await zipOf(parts(relsXml([{ id: 'rId1', type: 'worksheet', target: 'worksheets/sheet1.xml' }]), true));
  t.is((await t.throwsAsync(readPlantSheet(Readable.from(noRel), { source: 'a.xlsx' })))?.message, 'a.xlsx: sheet PLNT18 is listed in xl/workbook.xml but xl/_rels/workbook.xml.rels has no relationship rId7 for it');
  const noPart = await zipOf(parts(relsXml([{ id: 'rId7', type: 'worksheet', target: 'worksheets/sheet9.xml' }]), true));
  t.is((await t.throwsAsync(readPlantSheet(Readable.from(noPart), { source: 'b.xlsx' })))?.message, 'b.xlsx: sheet PLNT18 is listed in xl/workbook.xml but its part xl/worksheets/sheet9.xml is not in the zip');
});

test('damaged input: empty, truncated, not a zip, an encrypted workbook (OLE), a damaged entry, XML that is not a worksheet', async (t) => {
  const good = await plainWorkbook('PLNT20', sheetXml(FEATURE_ROWS), STRINGS);
  const stored = await plainWorkbook('PLNT20', sheetXml(FEATURE_ROWS), STRINGS, { store: true });
  const flipped = Buffer.from(stored);
  const at = flipped.indexOf('<v>100</v>');
  flipped.write('9', at + 3); // <v>900</v>: well-formed, only the CRC-32 tells
  const ole = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(600)]);
  const cases: [string, Buffer, string][] = [
    ['empty', Buffer.alloc(0), 'x.xlsx is not a readable .xlsx workbook: the file is empty'],
    ['truncated', good.subarray(0, good.length - 30), 'x.xlsx is not a readable .xlsx workbook: the zip has no end record: the file is truncated'],
    ['text', Buffer.from('ORISPL,PNAME\n1,A\n'), 'x.xlsx is not a readable .xlsx workbook: it is a text file (a CSV?) starting "ORISPL,PNAME", not an .xlsx workbook (a zip)'],
    ['OLE', ole, 'x.xlsx is not a readable .xlsx workbook: it is an old binary Excel file (.xls, OLE2 format; an encrypted workbook looks the same): open it in Excel and save it as .xlsx, not an .xlsx workbook (a zip)'],
  ];
  for (const [name, body, message] of cases) {
    t.is((await t.throwsAsync(readPlantSheet(Readable.from([body]), { source: 'x.xlsx' })))?.message, message, name);
  }
  t.regex((await t.throwsAsync(readPlantSheet(Readable.from([flipped]), { source: 'x.xlsx' })))?.message ?? '', /^x\.xlsx is not a readable \.xlsx workbook: xl\/worksheets\/sheet1\.xml inflates to \d+ bytes with CRC-32 \w+, the zip directory says \d+ bytes and \w+: the zip is damaged$/);

  const cut = sheetXml(FEATURE_ROWS).replace(/<row r="9">.*$/s, '');
  const notSheet = `<chartsheet xmlns="${MAIN}"><sheetPr/></chartsheet>`;
  const badStrings = sstXml(STRINGS).replace('<t>PNAME</t>', '<t>PNAME</x>');
  const xmlCases: [string, Buffer, RegExp][] = [
    ['cut sheet XML', await plainWorkbook('PLNT20', cut, STRINGS), /^x\.xlsx is not a readable \.xlsx workbook: xl\/worksheets\/sheet1\.xml: the XML ends before <\/sheetData>: the part is truncated \(at row 6\)$/],
    ['chartsheet', await plainWorkbook('PLNT20', notSheet, STRINGS), /^x\.xlsx is not a readable \.xlsx workbook: xl\/worksheets\/sheet1\.xml: no <sheetData> element: not a worksheet$/],
    ['shared strings', await plainWorkbookWithRawStrings(badStrings), /^x\.xlsx is not a readable \.xlsx workbook: xl\/sharedStrings\.xml is not well-formed XML: at \d+:\d+: unexpected close tag/],
  ];
  for (const [name, body, message] of xmlCases) {
    t.regex((await t.throwsAsync(readPlantSheet(Readable.from([body]), { source: 'x.xlsx' })))?.message ?? '', message, name);
  }
});

async function plainWorkbookWithRawStrings(sst: string): Promise<Buffer> {
  return zipOf([
    { name: 'xl/workbook.xml', text: workbookXml([{ name: 'PLNT20', rId: 'rId1' }]) },
    { name: 'xl/_rels/workbook.xml.rels', text: relsXml([{ id: 'rId1', type: 'worksheet', target: '/xl/worksheets/sheet1.xml' }]) },
    { name: 'xl/sharedStrings.xml', text: sst },
    { name: 'xl/worksheets/sheet1.xml', text: sheetXml(FEATURE_ROWS) },
  ]);
}

test('a file path is read in place; an empty file and a missing one are named', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'egrid-xlsx-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'plants.xlsx');
  await writeFile(file, await plainWorkbook('PLNT20', sheetXml(FEATURE_ROWS), STRINGS));
  t.deepEqual((await readPlantSheet(file)).rows, FEATURE_EXPECTED);
  const empty = path.join(dir, 'empty.xlsx');
  await writeFile(empty, '');
  t.is((await t.throwsAsync(readPlantSheet(empty)))?.message, 'empty.xlsx is not a readable .xlsx workbook: the file is empty');
  t.regex((await t.throwsAsync(readPlantSheet(path.join(dir, 'absent.xlsx'))))?.message ?? '', /^absent\.xlsx is not a readable \.xlsx workbook: ENOENT/);
});

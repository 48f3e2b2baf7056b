import test from 'ava';
import { Readable } from 'node:stream';
import type ExcelJS from 'exceljs';
import { readPlantSheet, type PlantSheetRow } from '../core/egrid/workbook';
import { requireShared } from './helpers/shared';
import { buildWorkbook, egridHeader, zipEntryNames, type BuildOptions } from './helpers/egrid-workbooks';

const CODES = ['SEQPLT19', 'PSTATABB', 'PNAME', 'ORISPL', 'LAT', 'LON', 'PLPRMFL', 'PLNGENAN'];

function plantRows(rows: ExcelJS.CellValue[][]): ExcelJS.CellValue[][] {
  return [...egridHeader(CODES), ...rows];
}

const PLANTS_2019: ExcelJS.CellValue[][] = [
  [1, 'AL', 'Alpha', 10, 33.5, -86.8, 'NG', 1000],
  [2, 'AK', 'Beta', 11, 61.2, -149.9, 'WAT', 250.5],
];

/** A workbook shaped like the sample: a contents sheet, a decoy sheet with the same codes, the plant sheet. */
function sampleLike(options: BuildOptions): Promise<Buffer> {
  return buildWorkbook(
    [
      { name: 'Contents', rows: [['eGRID test'], ['Sheet', 'Description'], ['PLNT19', 'Plant level data']] },
      { name: 'OLD', rows: plantRows([[9, 'TX', 'Decoy', 99, 30, -97, 'NG', 5]]) },
      { name: 'PLNT19', rows: plantRows(PLANTS_2019) },
      { name: 'ST19', rows: [['State abbreviation', 'Generation'], ['PSTATABB', 'STNGENAN'], ['AL', 1000]] },
    ],
    options,
  );
}

const EXPECTED_2019: PlantSheetRow[] = [
  // PLPRMFL only (as EPA's 2020 and 2021 files): the categories of EPA's code table.
  { row: 3, plantId: 10, name: 'Alpha', state: 'AL', generation: 1000, lat: 33.5, lon: -86.8, fuel: 'GAS' },
  { row: 4, plantId: 11, name: 'Beta', state: 'AK', generation: 250.5, lat: 61.2, lon: -149.9, fuel: 'HYDRO' },
];

test('the sample workbook: sheet PLNT18, its fields and rows', async (t) => {
  const file = requireShared(t, 'data', 'egrid', 'egrid2018_data_v2.xlsx');
  if (!file) return;
  const sheet = await readPlantSheet(file);
  t.is(sheet.sheet, 'PLNT18');
  t.is(sheet.year, 2018);
  t.is(sheet.fuelCode, 'PLFUELCT');
  t.is(sheet.rows.length, 10965);
  t.is(sheet.rows[0].row, 3);
  const brownsFerry = sheet.rows.find((r) => r.plantId === 46);
  t.deepEqual(brownsFerry && { ...brownsFerry, row: 0 }, {
    row: 0,
    plantId: 46,
    name: 'Browns Ferry',
    state: 'AL',
    generation: 25397781,
    lat: 34.7042,
    lon: -87.1189,
    fuel: 'NUCLEAR',
  });
  // The sheet ends with a stub row that has only its sequence number and year.
  t.deepEqual(sheet.rows.at(-1), { row: 10967, plantId: null, name: null, state: null, generation: null, lat: null, lon: null, fuel: null });
  t.is(sheet.rows.filter((r) => r.generation === null).length, 1832);
  // Rows whose fuel cells are empty or #N/A have no fuel.
  t.true(sheet.rows.some((r) => r.fuel === null && r.name !== null));
});

test('the sample read from a stream with the year given', async (t) => {
  const file = requireShared(t, 'data', 'egrid', 'egrid2018_data_v2.xlsx');
  if (!file) return;
  const { createReadStream } = await import('node:fs');
  const sheet = await readPlantSheet(createReadStream(file), { year: 2018 });
  t.is(sheet.sheet, 'PLNT18');
  t.is(sheet.rows.length, 10965);
});

for (const variant of ['egrid2018_trimmed_headers_a.xlsx', 'egrid2018_renamed_headers_b.xlsx']) {
  test(`variant ${variant} is rejected naming the missing codes`, async (t) => {
    const file = requireShared(t, 'data', 'egrid', 'variants', variant);
    if (!file) return;
    const error = await t.throwsAsync(readPlantSheet(file));
    t.log(error?.message);
    t.regex(error?.message ?? '', new RegExp(`^${variant.replace(/\./g, '\\.')}: sheet PLNT18 lacks the eGRID field codes`));
    for (const code of ['ORISPL', 'PSTATABB', 'PLNGENAN', 'PLFUELCT or PLPRMFL']) t.true(error?.message.includes(code), code);
    t.regex(error?.message ?? '', /in row 2/);
  });
}

test('the trimmed variant: the message says row 1 holds codes where eGRID has descriptions', async (t) => {
  const file = requireShared(t, 'data', 'egrid', 'variants', 'egrid2018_trimmed_headers_a.xlsx');
  if (!file) return;
  const error = await t.throwsAsync(readPlantSheet(file));
  t.regex(error?.message ?? '', /with PNAME, LAT, LON among them: eGRID puts descriptions in row 1 and codes in row 2/);
});

for (const order of ['workbook-first', 'workbook-last', 'sheets-first'] as const) {
  for (const absoluteTargets of [false, true]) {
    test(`zip order ${order}${absoluteTargets ? ', absolute relationship targets' : ''}: the plant sheet is found by its name`, async (t) => {
      const workbook = await sampleLike({ order, absoluteTargets });
      const names = await zipEntryNames(workbook);
      const firstSheet = names.findIndex((n) => n.startsWith('xl/worksheets/sheet'));
      t.is(names.indexOf('xl/workbook.xml') < firstSheet, order === 'workbook-first', names.join(' '));
      const sheet = await readPlantSheet(Readable.from(workbook));
      t.is(sheet.sheet, 'PLNT19');
      t.is(sheet.year, 2019);
      t.deepEqual(sheet.rows, EXPECTED_2019);
    });
  }
}

test('a workbook without a PLNTyy sheet is rejected naming the sheets found', async (t) => {
  const workbook = await buildWorkbook([
    { name: 'Contents', rows: [['x']] },
    { name: 'ST18', rows: [['d'], ['PSTATABB'], ['AL']] },
  ]);
  const error = await t.throwsAsync(readPlantSheet(Readable.from(workbook), { source: 'states.xlsx' }));
  t.is(error?.message, 'states.xlsx has no plant sheet PLNTyy (e.g. PLNT18); sheets found: Contents, ST18: not the eGRID data workbook (egridYYYY_data.xlsx), whose plants are on sheet PLNTyy');
});

test('the year given picks the sheet PLNT<yy>, and a missing one is named', async (t) => {
  const workbook = await sampleLike({ order: 'workbook-first' });
  const error = await t.throwsAsync(readPlantSheet(Readable.from(workbook), { year: 2018, source: 'w.xlsx' }));
  t.is(error?.message, 'w.xlsx has no sheet PLNT18 for year 2018; sheets found: Contents, OLD, PLNT19, ST19');
  const sheet = await readPlantSheet(Readable.from(workbook), { year: 2019 });
  t.is(sheet.sheet, 'PLNT19');
});

test('cells: shared and rich text, formula results, numeric text, error cells; PLFUELCT preferred, the category of PLPRMFL where it is missing', async (t) => {
  const codes = ['ORISPL', 'PNAME', 'PSTATABB', 'PLNGENAN', 'LAT', 'LON', 'PLPRMFL', 'PLFUELCT'];
  const workbook = await buildWorkbook([
    {
      name: 'PLNT20',
      rows: [
        ...egridHeader(codes),
        [1, { richText: [{ text: 'Rich ' }, { font: { bold: true }, text: 'Plant' }] }, 'CA', { formula: '2*50', result: 100 }, '34.5', -118, 'NG', 'GAS'],
        [2, '  Padded  ', ' NV ', '12.5', { error: '#N/A' }, null, 'SUN', { error: '#N/A' }],
        [3, '', 'AZ', 'n/a', 33, -112, 'WAT', 'HYDRO'],
        [],
        [{ formula: '2+2', result: 4 }, 'Four', 'UT', -3, 40, -111, 'NG', 'GAS'],
      ],
    },
  ]);
  const sheet = await readPlantSheet(Readable.from(workbook));
  t.is(sheet.fuelCode, 'PLFUELCT');
  t.deepEqual(sheet.rows, [
    { row: 3, plantId: 1, name: 'Rich Plant', state: 'CA', generation: 100, lat: 34.5, lon: -118, fuel: 'GAS' },
    { row: 4, plantId: 2, name: 'Padded', state: 'NV', generation: 12.5, lat: null, lon: null, fuel: 'SOLAR' },
    { row: 5, plantId: 3, name: null, state: 'AZ', generation: null, lat: 33, lon: -112, fuel: 'HYDRO' },
    { row: 7, plantId: 4, name: 'Four', state: 'UT', generation: -3, lat: 40, lon: -111, fuel: 'GAS' },
  ]);
  t.is(sheet.year, 2020);
});

test('a plant sheet stored under another part name is found through its relationship', async (t) => {
  const workbook = await sampleLike({ order: 'sheets-first', renameSheetParts: true });
  t.true((await zipEntryNames(workbook)).includes('xl/worksheets/data3.xml'));
  const sheet = await readPlantSheet(Readable.from(workbook), { source: 'renamed.xlsx' });
  t.is(sheet.sheet, 'PLNT19');
  t.deepEqual(sheet.rows, EXPECTED_2019);
});

test('two plant sheets without a year are ambiguous', async (t) => {
  const workbook = await buildWorkbook([
    { name: 'PLNT18', rows: plantRows(PLANTS_2019) },
    { name: 'PLNT19', rows: plantRows(PLANTS_2019) },
  ]);
  const error = await t.throwsAsync(readPlantSheet(Readable.from(workbook), { source: 'two.xlsx' }));
  t.is(error?.message, 'two.xlsx has several plant sheets (PLNT18, PLNT19); give the year to choose one');
});

test('a file that is not a zip is rejected as not a workbook', async (t) => {
  const error = await t.throwsAsync(readPlantSheet(Readable.from(Buffer.from('plant,state\n1,AL\n')), { source: 'plants.csv' }));
  t.regex(error?.message ?? '', /^plants\.csv is not a readable \.xlsx workbook/);
});

test('PLPRMFL codes become EPA categories (any case); a code the table does not know is kept as it is', async (t) => {
  const codes = ['ORISPL', 'PNAME', 'PSTATABB', 'PLNGENAN', 'LAT', 'LON', 'PLPRMFL'];
  const workbook = await buildWorkbook([
    {
      name: 'PLNT21',
      rows: [
        ...egridHeader(codes),
        [1, 'Sun', 'CA', 10, 34, -118, 'SUN'],
        [2, 'Coke', 'PA', 10, 40, -80, 'cog'],
        [3, 'Battery', 'TX', 10, 30, -97, 'MWH'],
        [4, 'Mystery', 'TX', 10, 30, -97, 'XYZ'],
      ],
    },
  ]);
  const sheet = await readPlantSheet(Readable.from(workbook));
  t.is(sheet.fuelCode, 'PLPRMFL');
  t.deepEqual(
    sheet.rows.map((r) => r.fuel),
    ['SOLAR', 'COAL', 'OTHF', 'XYZ'],
  );
});

import test from 'ava';
import { createReadStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { readPlantSheet } from '../core/egrid/workbook';
import { transformPlants } from '../core/egrid/transform';
import { parseWellCsv } from '../core/well/csv';
import { SYNTHETIC_LABEL, writeSyntheticEgrid, writeSyntheticWell } from '../infrastructure/tools/synthetic';

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'synthetic-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('synthetic eGRID workbook: read by the ETL reader as a PLNTyy sheet, with the rows it must drop, and labelled synthetic', async (t) => {
  const file = path.join(tempDir(t), 'synthetic.xlsx');
  const summary = await writeSyntheticEgrid(file, 2019);
  const sheet = await readPlantSheet(file, { source: 'synthetic.xlsx' });
  t.is(sheet.sheet, 'PLNT19');
  t.is(sheet.year, 2019);
  t.is(sheet.fuelCode, 'PLFUELCT');
  const { counts, plants: kept } = transformPlants(sheet.rows);
  t.like(counts, { sourceRows: summary.plants + summary.invalidRows, keptRows: summary.plants, droppedMissing: 3, droppedNegative: 1, states: 6 });
  // make's printed examples filter by state and fuel (Texas' solar plants): the large states have every fuel.
  const texasFuels = new Set(kept.filter((p) => p.state === 'TX').map((p) => p.fuel));
  t.deepEqual([...texasFuels].sort(), ['BIOMASS', 'COAL', 'GAS', 'HYDRO', 'NUCLEAR', 'OIL', 'SOLAR', 'WIND']);

  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(file);
  t.deepEqual(workbook.worksheets.map((w) => w.name), ['Contents', 'PLNT19']);
  t.is(workbook.getWorksheet('Contents')!.getCell('A1').value, SYNTHETIC_LABEL);
  const plants = workbook.getWorksheet('PLNT19')!;
  t.is(plants.getCell('D2').value, 'PNAME', 'row 2 holds the field codes');
  t.is(plants.getCell('D1').value, 'Plant name', 'row 1 the descriptions');
  t.regex(String(plants.getCell('D3').value), /^Synthetic /, 'plant names say they are synthetic');
});

test('synthetic well CSV: the real layout (depth + 200 decimals, empty last row, CRLF), parsed by the ETL parser, deterministic', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'well.csv');
  const summary = writeSyntheticWell(file, 300, 200);
  t.like(summary, { rows: 300, width: 200, minDepth: 9000.1, maxDepth: 9030 });
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\r\n');
  t.is(lines[0], ['depth', ...Array.from({ length: 200 }, (_, i) => `col${i + 1}`)].join(','));
  t.regex(lines[1]!, /^9000\.1,(\d+\.0,){199}\d+\.0$/);
  t.is(lines[301], ','.repeat(200), 'an empty last row, as the real file has');
  const parsed = await parseWellCsv(createReadStream(file), { source: file });
  t.like(parsed, { width: 200, rowsRead: 301, rowsDropped: 1 });
  t.deepEqual(parsed.depthsTenths.slice(0, 3), [90001, 90002, 90003]);
  t.true(new Set(parsed.pixels).size > 100, 'an image, not a flat colour');

  writeSyntheticWell(path.join(dir, 'again.csv'), 300, 200);
  t.true(readFileSync(path.join(dir, 'again.csv')).equals(readFileSync(file)), 'the same bytes every time');
});

import test from 'ava';
import { readFile } from 'node:fs/promises';
import { transformPlants } from '../core/egrid/transform';
import { readPlantSheet, type PlantSheetRow } from '../core/egrid/workbook';
import { requireShared } from './helpers/shared';

function row(n: number, fields: Partial<PlantSheetRow>): PlantSheetRow {
  return { row: n, plantId: n, name: `P${n}`, state: 'AL', generation: 0, lat: null, lon: null, fuel: null, ...fields };
}

test('drops rows missing a field or with negative generation, shares per state, sorted by generation then id', (t) => {
  const { plants, counts } = transformPlants([
    row(3, { generation: 30, state: 'AL' }),
    row(4, { generation: 10, state: 'AL' }),
    row(5, { generation: 30, state: 'AK', plantId: 2 }),
    row(6, { generation: 0, state: 'AK' }),
    row(7, { generation: -5, state: 'AL' }),
    row(8, { generation: null }),
    row(9, { name: null, state: null }),
    row(10, { plantId: null, generation: 1 }),
    row(11, { generation: 0, state: 'WY' }),
  ]);
  t.deepEqual(
    plants.map((p) => [p.plant_id, p.state, p.annual_netgen_abs, p.annual_netgen_rel]),
    [
      [2, 'AK', 30, 1],
      [3, 'AL', 30, 0.75],
      [4, 'AL', 10, 0.25],
      [6, 'AK', 0, 0],
      [11, 'WY', 0, 0],
    ],
  );
  t.deepEqual(counts, {
    sourceRows: 9,
    droppedMissing: 3,
    droppedNegative: 1,
    keptRows: 5,
    states: 3,
    missing: { plant_id: 1, plant_name: 1, state: 1, annual_netgen: 1 },
  });
});

test('state totals are compensated sums: shares of a state add up to 1', (t) => {
  const rows = Array.from({ length: 1000 }, (_, i) => row(i + 3, { generation: i % 7 === 0 ? 1e9 : 0.1 * i }));
  const { plants } = transformPlants(rows);
  const total = plants.reduce((sum, p) => sum + p.annual_netgen_rel, 0);
  t.true(Math.abs(total - 1) < 1e-12, String(total));
});

test('the sample workbook gives the golden summary counts', async (t) => {
  const file = requireShared(t, 'data', 'egrid', 'egrid2018_data_v2.xlsx');
  const golden = requireShared(t, 'golden', 'egrid2018_queries.json');
  if (!file || !golden) return;
  const summary = (JSON.parse(await readFile(golden, 'utf8')) as { summary: Record<string, number> }).summary;
  const { plants, counts } = transformPlants((await readPlantSheet(file)).rows);
  t.is(counts.sourceRows, summary.source_rows);
  t.is(counts.droppedMissing, summary.dropped_missing);
  t.is(counts.droppedNegative, summary.dropped_negative);
  t.is(counts.keptRows, summary.kept_rows);
  t.is(counts.states, summary.states);
  const usTotal = plants.reduce((sum, p) => sum + p.annual_netgen_abs, 0);
  t.true(Math.abs(usTotal - summary.us_total_mwh) <= 1e-9 * summary.us_total_mwh);
});

/** The golden datamart (../shared/golden/egrid2018_datamart.csv) and a row-by-row comparison with it. */
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import type { ExecutionContext } from 'ava';

export interface GoldenPlant {
  plant_id: number;
  plant_name: string;
  state: string;
  lat: number | null;
  lon: number | null;
  annual_netgen_abs: number;
  annual_netgen_rel: number;
  /** The fuel category (PLFUELCT); null where the plant has none. */
  fuel: string | null;
}

export async function readGoldenDatamart(file: string): Promise<GoldenPlant[]> {
  const records = parse(await readFile(file, 'utf8'), { columns: true }) as Record<string, string>[];
  const num = (s: string): number | null => (s === '' ? null : Number(s));
  return records.map((r) => ({
    plant_id: Number(r.plant_id),
    plant_name: r.plant_name,
    state: r.state,
    lat: num(r.lat),
    lon: num(r.lon),
    annual_netgen_abs: Number(r.annual_netgen_abs),
    annual_netgen_rel: Number(r.annual_netgen_rel),
    fuel: r.fuel === undefined || r.fuel === '' ? null : r.fuel,
  }));
}

/** The golden CSV keeps 10 significant digits; 1e-9 relative covers that rounding. */
export function closeTo(actual: number | null, expected: number | null, relative = 1e-9): boolean {
  if (actual === null || expected === null) return actual === expected;
  return Math.abs(actual - expected) <= relative * Math.max(Math.abs(actual), Math.abs(expected));
}

/** Asserts every row equals the golden one (ids, names, states exactly; numbers to 1e-9 relative). */
export function assertMatchesGolden(t: ExecutionContext, actual: readonly GoldenPlant[], golden: readonly GoldenPlant[], label: string): void {
  t.is(actual.length, golden.length, `${label}: row count`);
  const mismatches: string[] = [];
  golden.forEach((g, i) => {
    const a = actual[i];
    const same =
      a !== undefined &&
      a.plant_id === g.plant_id &&
      a.plant_name === g.plant_name &&
      a.state === g.state &&
      closeTo(a.lat, g.lat) &&
      closeTo(a.lon, g.lon) &&
      closeTo(a.annual_netgen_abs, g.annual_netgen_abs) &&
      closeTo(a.annual_netgen_rel, g.annual_netgen_rel) &&
      a.fuel === g.fuel;
    if (!same) mismatches.push(`row ${i + 1}: ${JSON.stringify(a)} != golden ${JSON.stringify(g)}`);
  });
  t.deepEqual(mismatches.slice(0, 5), [], `${label}: ${mismatches.length} rows differ from the golden datamart`);
}

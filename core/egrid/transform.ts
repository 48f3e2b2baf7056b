/**
 * Plant sheet rows -> datamart rows (SPEC §4.1, §4.2), as the original did with pandas: dropna on the
 * needed fields, then keep PLNGENAN >= 0; each plant's share of its state's total over kept plants;
 * sorted by generation descending, then plant id.
 */
import type { PlantSheetRow } from './workbook';
import type { PlantRecord } from './types';

export interface TransformCounts {
  /** Data rows of the sheet (rows from 3 on with any value). */
  sourceRows: number;
  /** Rows without a plant id, name, state or numeric generation. */
  droppedMissing: number;
  /** Rows with a negative generation (net consumers, e.g. pumped storage). */
  droppedNegative: number;
  keptRows: number;
  states: number;
  /** How many rows lack each field (a row may lack several), for the upload tool's statistics. */
  missing: { plant_id: number; plant_name: number; state: number; annual_netgen: number };
}

export interface TransformResult {
  plants: PlantRecord[];
  counts: TransformCounts;
}

export function transformPlants(rows: readonly PlantSheetRow[]): TransformResult {
  const missing = { plant_id: 0, plant_name: 0, state: 0, annual_netgen: 0 };
  let droppedMissing = 0;
  let droppedNegative = 0;
  const kept: Omit<PlantRecord, 'annual_netgen_rel'>[] = [];
  for (const row of rows) {
    if (row.plantId === null) missing.plant_id++;
    if (row.name === null) missing.plant_name++;
    if (row.state === null) missing.state++;
    if (row.generation === null) missing.annual_netgen++;
    if (row.plantId === null || row.name === null || row.state === null || row.generation === null) {
      droppedMissing++;
      continue;
    }
    if (row.generation < 0) {
      droppedNegative++;
      continue;
    }
    kept.push({
      plant_id: row.plantId,
      plant_name: row.name,
      state: row.state,
      lat: row.lat,
      lon: row.lon,
      fuel: row.fuel,
      annual_netgen_abs: row.generation,
    });
  }

  const stateTotals = sumByState(kept);
  const plants: PlantRecord[] = kept.map((plant) => {
    const total = stateTotals.get(plant.state) as number;
    // A state whose kept plants all generated 0 has no shares to give (pandas would write NaN).
    return { ...plant, annual_netgen_rel: total > 0 ? plant.annual_netgen_abs / total : 0 };
  });
  plants.sort((a, b) => b.annual_netgen_abs - a.annual_netgen_abs || a.plant_id - b.plant_id);

  return {
    plants,
    counts: {
      sourceRows: rows.length,
      droppedMissing,
      droppedNegative,
      keptRows: plants.length,
      states: stateTotals.size,
      missing,
    },
  };
}

/** Per-state totals with Neumaier compensated summation (pandas' groupby sum is compensated too). */
export function sumByState(plants: readonly { state: string; annual_netgen_abs: number }[]): Map<string, number> {
  const sums = new Map<string, { sum: number; compensation: number }>();
  for (const { state, annual_netgen_abs: value } of plants) {
    let acc = sums.get(state);
    if (!acc) sums.set(state, (acc = { sum: 0, compensation: 0 }));
    const next = acc.sum + value;
    acc.compensation += Math.abs(acc.sum) >= Math.abs(value) ? acc.sum - next + value : value - next + acc.sum;
    acc.sum = next;
  }
  return new Map([...sums].map(([state, acc]) => [state, acc.sum + acc.compensation]));
}

/**
 * An in-memory ImagerBackend for HTTP tests of the /imagers routes, filled from rows such as the resized
 * sample in ../shared/golden (the DynamoDB backend has its own tests against the emulator).
 */
import { readFileSync } from 'node:fs';
import type { ImagerBackend } from '../../webservice/imagers/backend';
import type { ServedFrame, WellMetadata } from '../../core/well/types';

export interface StoredRow {
  depthTenths: number;
  pixels: Uint8Array;
}

/** Reads a `depth_tenths,col1,...,colN` CSV of integers (the golden resized sample's layout). */
export function readTenthsCsv(file: string): StoredRow[] {
  const lines = readFileSync(file, 'utf8').trim().split('\n').slice(1);
  return lines.map((line) => {
    const [depth, ...cells] = line.split(',').map(Number);
    return { depthTenths: depth!, pixels: Uint8Array.from(cells) };
  });
}

/** The one version of every in-memory well (they are never re-ingested). */
export const MEMORY_VERSION = 'memory-1';

export function memoryImagers(wells: Record<string, StoredRow[]>): ImagerBackend {
  const byWell = new Map(Object.entries(wells).map(([well, rows]) => [well, [...rows].sort((a, b) => a.depthTenths - b.depthTenths)]));
  const metadata = (well: string, rows: StoredRow[]): WellMetadata => ({
    well,
    minDepthTenths: rows[0]!.depthTenths,
    maxDepthTenths: rows[rows.length - 1]!.depthTenths,
    rows: rows.length,
    width: rows[0]!.pixels.length,
    source: `memory://${well}`,
    ingestedAt: '2024-01-01T00:00:00.000Z',
  });
  return {
    listWells: async () => [...byWell].map(([well, rows]) => metadata(well, rows)),
    getWell: async (well) => {
      const rows = byWell.get(well);
      return rows && metadata(well, rows);
    },
    readFrame: async (well, minTenths, maxTenths): Promise<ServedFrame | undefined> => {
      const rows = (byWell.get(well) ?? []).filter((r) => r.depthTenths >= minTenths && r.depthTenths <= maxTenths);
      if (rows.length === 0) return undefined;
      const width = rows[0]!.pixels.length;
      const pixels = new Uint8Array(rows.length * width);
      rows.forEach((r, i) => pixels.set(r.pixels, i * width));
      return { well, depthsTenths: rows.map((r) => r.depthTenths), width, pixels, version: MEMORY_VERSION };
    },
    // Like a well ingested before the catalog kept its range: computed from the rows on use.
    wellValueRange: async (well) => {
      const rows = byWell.get(well);
      if (!rows) return undefined;
      let valueMin = 255;
      let valueMax = 0;
      for (const row of rows) for (const v of row.pixels) [valueMin, valueMax] = [Math.min(valueMin, v), Math.max(valueMax, v)];
      return { valueMin, valueMax };
    },
    ping: async () => {},
  };
}

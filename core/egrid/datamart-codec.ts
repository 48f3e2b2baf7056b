/**
 * The datamart's Parquet encoding (SPEC §4.2): one file per year, snappy-compressed, one row group,
 * columns in the datamart's order. Written with hyparquet-writer, read with hyparquet (both pure JS,
 * so they bundle into the Lambda layer and the service without native builds).
 */
import { parquetWriteBuffer } from 'hyparquet-writer';
import { parquetReadObjects } from 'hyparquet';
import { PLANT_FIELDS, type PlantRecord } from './types';

export const DATAMART_SCHEMA_VERSION = 1;

export const DATAMART_COLUMNS = PLANT_FIELDS;

export function encodeDatamart(plants: readonly PlantRecord[]): Uint8Array {
  const column = <K extends keyof PlantRecord>(key: K): PlantRecord[K][] => plants.map((p) => p[key]);
  const buffer = parquetWriteBuffer({
    codec: 'SNAPPY',
    rowGroupSize: Math.max(1, plants.length),
    columnData: [
      { name: 'plant_id', data: column('plant_id'), type: 'INT32', nullable: false },
      { name: 'plant_name', data: column('plant_name'), type: 'STRING', nullable: false },
      { name: 'state', data: column('state'), type: 'STRING', nullable: false },
      { name: 'lat', data: column('lat'), type: 'DOUBLE' },
      { name: 'lon', data: column('lon'), type: 'DOUBLE' },
      { name: 'fuel', data: column('fuel'), type: 'STRING' },
      { name: 'annual_netgen_abs', data: column('annual_netgen_abs'), type: 'DOUBLE', nullable: false },
      { name: 'annual_netgen_rel', data: column('annual_netgen_rel'), type: 'DOUBLE', nullable: false },
    ],
  });
  return new Uint8Array(buffer);
}

/** Decodes a datamart file; throws when a column is missing (not one of our datamarts). */
export async function decodeDatamart(bytes: Uint8Array): Promise<PlantRecord[]> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const rows = (await parquetReadObjects({ file, columns: [...DATAMART_COLUMNS] })) as Record<string, unknown>[];
  return rows.map((row) => {
    for (const column of DATAMART_COLUMNS) {
      if (!(column in row)) throw new Error(`datamart file has no column "${column}"`);
    }
    return {
      plant_id: Number(row.plant_id),
      plant_name: String(row.plant_name),
      state: String(row.state),
      lat: row.lat === null || row.lat === undefined ? null : Number(row.lat),
      lon: row.lon === null || row.lon === undefined ? null : Number(row.lon),
      fuel: row.fuel === null || row.fuel === undefined ? null : String(row.fuel),
      annual_netgen_abs: Number(row.annual_netgen_abs),
      annual_netgen_rel: Number(row.annual_netgen_rel),
    };
  });
}

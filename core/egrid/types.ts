/** eGRID domain types shared by the ETL, the datamart codec and the service (SPEC §4.1, §4.2). */

/** One datamart row; column names are the datamart's (and the API's) field names. */
export interface PlantRecord {
  plant_id: number;
  plant_name: string;
  state: string;
  lat: number | null;
  lon: number | null;
  fuel: string | null;
  /** Annual net generation, MWh. */
  annual_netgen_abs: number;
  /** Fraction of the state's total over kept plants. */
  annual_netgen_rel: number;
}

/** A PlantRecord's fields in the datamart's (and every answer's) order. */
export const PLANT_FIELDS = ['plant_id', 'plant_name', 'state', 'lat', 'lon', 'fuel', 'annual_netgen_abs', 'annual_netgen_rel'] as const satisfies readonly (keyof PlantRecord)[];

export type PlantField = (typeof PLANT_FIELDS)[number];

export interface DatamartMetadata {
  schemaVersion: number;
  year: number;
  sourceBucket: string;
  sourceKey: string;
  sourceEtag: string;
  sheet: string;
  sourceRows: number;
  droppedMissing: number;
  droppedNegative: number;
  keptRows: number;
  states: number;
  createdAt: string;
}

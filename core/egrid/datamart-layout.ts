/**
 * Where a year's datamart lives in the datamarts bucket. The ETL writes, the service reads; both use
 * these functions so the layout is defined once (Hive-style partition, readable by Athena).
 */
export const DATAMART_PREFIX = 'plants/';

export function datamartKey(year: number): string {
  return `${DATAMART_PREFIX}year=${year}/plants.parquet`;
}

export function metadataKey(year: number): string {
  return `${DATAMART_PREFIX}year=${year}/metadata.json`;
}

/** The year of a datamart object key, or undefined for any other key. */
export function yearOfDatamartKey(key: string): number | undefined {
  const match = /^plants\/year=(\d{4})\/plants\.parquet$/.exec(key);
  return match ? Number(match[1]) : undefined;
}

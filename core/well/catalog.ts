/**
 * The well table's catalog item (well `#catalog`, depth 0): a map well → entry, where an entry is the
 * well's metadata plus what the store needs to serve it: `generation` (the active slot is generation % 2)
 * and `version`, a random id of the ingest that wrote the entry.
 */
import { randomUUID } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { WellMetadata } from './types';

export const CATALOG_KEY = '#catalog';

export interface CatalogEntry extends WellMetadata {
  generation: number;
  /** Unique per ingest; '' in entries written before it existed. */
  version: string;
}

export const catalogKey = (): Record<string, AttributeValue> => ({ well: { S: CATALOG_KEY }, depth: { N: '0' } });

export const newVersion = (): string => randomUUID();

/**
 * True when both entries come from the same ingest. The generation alone is not enough: a table deleted
 * and created again counts generations from 0 again, and a cache keyed by generation would then serve
 * the rows of a table that no longer exists.
 */
export function sameVersion(a: CatalogEntry, b: CatalogEntry): boolean {
  return a.generation === b.generation && a.version === b.version && a.ingestedAt === b.ingestedAt;
}

const str = (value: AttributeValue | undefined): string => value?.S ?? '';
const num = (value: AttributeValue | undefined): number => Number(value?.N ?? NaN);

export function entryFromAttribute(well: string, value: AttributeValue): CatalogEntry {
  const m = value.M ?? {};
  return {
    well,
    minDepthTenths: num(m.minDepthTenths),
    maxDepthTenths: num(m.maxDepthTenths),
    rows: num(m.rows),
    width: num(m.width),
    source: str(m.source),
    ingestedAt: str(m.ingestedAt),
    generation: num(m.generation),
    version: str(m.version),
  };
}

export function entryToAttribute(entry: CatalogEntry): AttributeValue {
  return {
    M: {
      minDepthTenths: { N: String(entry.minDepthTenths) },
      maxDepthTenths: { N: String(entry.maxDepthTenths) },
      rows: { N: String(entry.rows) },
      width: { N: String(entry.width) },
      source: { S: entry.source },
      ingestedAt: { S: entry.ingestedAt },
      generation: { N: String(entry.generation) },
      version: { S: entry.version },
    },
  };
}

export function metadataOf(entry: CatalogEntry): WellMetadata {
  const { generation: _generation, version: _version, ...metadata } = entry;
  return metadata;
}

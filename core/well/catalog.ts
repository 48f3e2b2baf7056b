/**
 * The well table's catalog item (well `#catalog`, depth 0): `wells`, a map well → entry, where an entry is
 * the well's metadata plus what the store needs to serve it (the ticket of the ingest that wrote it, which
 * names its slot; `version`, a random id of that ingest); and `tickets`, a map well → the last ticket
 * handed out to an ingest of that well.
 */
import { randomUUID } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { WellMetadata } from './types';

export const CATALOG_KEY = '#catalog';

export interface CatalogEntry extends WellMetadata {
  /** Ingests served so far for this well, this one included, minus one. */
  generation: number;
  /** Unique per ingest; '' in entries written before it existed. */
  version: string;
  /** The ingest's ticket: its rows are under the slot this names (see store.ts). */
  ticket: number;
  /** Every slot of a ticket below this (other than this entry's) is known to be empty. */
  cleanedBelow: number;
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

/** The text naming an entry's ingest, for HTTP validators (equal exactly when sameVersion holds). */
export const versionTag = (entry: CatalogEntry): string => JSON.stringify([entry.generation, entry.version, entry.ingestedAt]);

const str = (value: AttributeValue | undefined): string => value?.S ?? '';
const num = (value: AttributeValue | undefined): number => Number(value?.N ?? NaN);

/**
 * Entries written before tickets existed kept their rows in slot generation % 2 (the only two slots
 * then) and never swept anything: their ticket is that slot's, and nothing below 0 is known empty.
 */
export function entryFromAttribute(well: string, value: AttributeValue): CatalogEntry {
  const m = value.M ?? {};
  const generation = num(m.generation);
  return {
    well,
    minDepthTenths: num(m.minDepthTenths),
    maxDepthTenths: num(m.maxDepthTenths),
    rows: num(m.rows),
    width: num(m.width),
    source: str(m.source),
    ingestedAt: str(m.ingestedAt),
    generation,
    version: str(m.version),
    ticket: m.ticket ? num(m.ticket) : generation % 2,
    cleanedBelow: m.cleanedBelow ? num(m.cleanedBelow) : 0,
    ...(m.valueMin && m.valueMax ? { valueMin: num(m.valueMin), valueMax: num(m.valueMax) } : {}),
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
      ticket: { N: String(entry.ticket) },
      cleanedBelow: { N: String(entry.cleanedBelow) },
      ...(entry.valueMin !== undefined && entry.valueMax !== undefined
        ? { valueMin: { N: String(entry.valueMin) }, valueMax: { N: String(entry.valueMax) } }
        : {}),
    },
  };
}

export function metadataOf(entry: CatalogEntry): WellMetadata {
  const { generation: _generation, version: _version, ticket: _ticket, cleanedBelow: _cleanedBelow, ...metadata } = entry;
  return metadata;
}

/** The checks and defaults the plant routes share: which year, which state, which format. */
import type { Request } from 'express';
import { badRequest, notFound } from '../errors';
import type { PlantsBackend } from './backend';
import type { PlantsFormat } from './plants-view';

export const YEAR_NOT_FOUND = 'Data for this year is not found';

/** The requested year, or the latest one with a datamart; 404 when there is none. */
export async function resolveYear(backend: PlantsBackend, year: number | undefined): Promise<number> {
  const years = await backend.years();
  if (year === undefined) {
    const latest = years.at(-1);
    if (latest === undefined) throw notFound(YEAR_NOT_FOUND);
    return latest;
  }
  if (!years.includes(year)) throw notFound(YEAR_NOT_FOUND);
  return year;
}

const STATE_CODE = /^[A-Za-z]{2}$/;

/** A two-letter code in any case, upper-cased; 400 for anything else. */
export function parseStateCode(state: string | undefined): string | undefined {
  if (state === undefined) return undefined;
  if (!STATE_CODE.test(state)) throw badRequest(`Invalid parameter state: expected a two-letter state code such as AL (got ${JSON.stringify(state)})`);
  return state.toUpperCase();
}

export const GEOJSON_TYPE = 'application/geo+json';

/** `format` wins; without it, `Accept: application/geo+json` (preferred over JSON) selects GeoJSON. */
export function plantsFormat(req: Request, format: PlantsFormat | undefined): PlantsFormat {
  if (format) return format;
  // Negotiation only when GeoJSON is asked for at all: most requests (no Accept, */*) skip its parsing.
  if (!req.headers.accept?.includes('geo+json')) return 'json';
  return req.accepts(['application/json', GEOJSON_TYPE]) === GEOJSON_TYPE ? 'geojson' : 'json';
}

/**
 * For answers remembered by the early path: true while the backend still serves what it served when
 * `version` was read (read it before loading the data, so an answer is never tied to a newer version).
 */
export function whileVersion(backend: PlantsBackend, version: string | undefined): (() => boolean) | undefined {
  if (version === undefined || !backend.currentVersion) return undefined;
  return () => backend.currentVersion?.() === version;
}

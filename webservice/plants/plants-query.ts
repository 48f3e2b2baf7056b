/** The checks and defaults the plant routes share: which year, which state, which format. */
import type { Request } from 'express';
import { PLANT_FIELDS, type PlantField } from '../../core/egrid/types';
import { badRequest, notFound } from '../errors';
import type { PlantsBackend } from './backend';
import { plantsViewOf, type BoundingBox, type PlantsFormat, type PlantsView } from './plants-view';
import { plantsOf } from '../services';

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

const FUEL_CATEGORY = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;

/** A fuel category in any case (SOLAR, solar), upper-cased; 400 for anything that cannot be one. */
export function parseFuel(fuel: string | undefined): string | undefined {
  if (fuel === undefined) return undefined;
  if (!FUEL_CATEGORY.test(fuel)) throw badRequest(`Invalid parameter fuel: expected a fuel category such as SOLAR (GET /fuels lists them) (got ${JSON.stringify(fuel)})`);
  return fuel.toUpperCase();
}

const NUMBER = /^\s*-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$/;

/**
 * `minLon,minLat,maxLon,maxLat` in degrees (a map's viewport); minLon > maxLon crosses the antimeridian.
 * 400 naming bbox for anything else.
 */
export function parseBbox(bbox: string | undefined): BoundingBox | undefined {
  if (bbox === undefined) return undefined;
  const fail = (why: string): never => {
    throw badRequest(`Invalid parameter bbox: ${why}; expected minLon,minLat,maxLon,maxLat in degrees such as -107,25,-93,37 (got ${JSON.stringify(bbox)})`);
  };
  const parts = bbox.split(',');
  if (parts.length !== 4) fail(`${parts.length} value${parts.length === 1 ? '' : 's'} instead of 4`);
  if (!parts.every((p) => NUMBER.test(p))) fail('every value must be a number');
  const [minLon, minLat, maxLon, maxLat] = parts.map(Number) as [number, number, number, number];
  if (Math.abs(minLon) > 180 || Math.abs(maxLon) > 180) fail('longitudes must be within -180..180');
  if (Math.abs(minLat) > 90 || Math.abs(maxLat) > 90) fail('latitudes must be within -90..90');
  if (minLat > maxLat) fail('minLat is above maxLat');
  return [minLon, minLat, maxLon, maxLat];
}

const FIELD_NAMES: ReadonlySet<string> = new Set(PLANT_FIELDS);

/**
 * `properties=plant_id,fuel` (OGC API – Features' name): the fields each record or feature keeps, in the
 * datamart's order whatever the order asked (so equal selections share one answer and one tag); undefined
 * when absent or naming every field. 400 naming the parameter for an empty list or an unknown name.
 */
export function parseProperties(properties: string | undefined): readonly PlantField[] | undefined {
  if (properties === undefined) return undefined;
  const expected = `expected a comma-separated list of ${PLANT_FIELDS.join(', ')} (got ${JSON.stringify(properties)})`;
  const names = properties.split(',').map((name) => name.trim());
  if (names.some((name) => name === '')) throw badRequest(`Invalid parameter properties: an empty name; ${expected}`);
  const unknown = names.filter((name) => !FIELD_NAMES.has(name));
  if (unknown.length > 0) throw badRequest(`Invalid parameter properties: unknown propert${unknown.length === 1 ? 'y' : 'ies'} ${unknown.map((name) => JSON.stringify(name)).join(', ')}; ${expected}`);
  const chosen = PLANT_FIELDS.filter((field) => names.includes(field));
  return chosen.length === PLANT_FIELDS.length ? undefined : chosen;
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

/**
 * The view of the requested year's datamart (404 when there is none), and the validity check of answers
 * made from it for the early path.
 */
export async function yearView(req: Request, year: number | undefined): Promise<{ view: PlantsView; earlyWhile?: () => boolean }> {
  const backend = plantsOf(req);
  const version = backend.currentVersion?.();
  const plants = await backend.plants(await resolveYear(backend, year));
  if (!plants) throw notFound(YEAR_NOT_FOUND);
  return { view: plantsViewOf(plants), earlyWhile: whileVersion(backend, version) };
}

/**
 * The page's only data path: the service's public API, same origin.
 *
 * A large selection is loaded in two steps: first what drawing needs (GeoJSON with `properties` limited to
 * fuel and generation: the id and the point come with every feature), then, after the draw, what the list
 * and the popups show (names, states, shares, as JSON). A small selection is one GeoJSON answer.
 */
import type { PlantField, PlantRecord } from '../../../core/egrid/types';
import type { PlantFeatureCollection } from '../../plants/geojson';
import type { SelectedPlant } from '../../plants/fields';
import type { FuelTotal, StateTotal } from '../../plants/plants-view';
import { getJson } from '../common/get-json';

export type { FuelTotal, PlantRecord, StateTotal };

export interface PlantsQuery {
  year: number;
  /** Two-letter code; empty for all states. */
  state: string;
  /** undefined: all plants. */
  topN: number | undefined;
  /** Fuel category; empty for all fuels. */
  fuel: string;
}

/** The fields drawing needs besides the feature's id and point. */
const DRAWING_FIELDS = ['fuel', 'annual_netgen_abs'] as const satisfies readonly PlantField[];
/** The fields the list and the popups add, with the id they are joined on. */
const DETAIL_FIELDS = ['plant_id', 'plant_name', 'state', 'annual_netgen_rel'] as const satisfies readonly PlantField[];

export type PlantDetails = Pick<PlantRecord, (typeof DETAIL_FIELDS)[number]>;

/**
 * A plant as the page holds it: what drawing needs (lat/lon null when it has no point), and the details
 * once they are known (at once for a small selection, after the draw for a large one).
 */
export type MapPlant = Pick<PlantRecord, 'plant_id' | 'lat' | 'lon' | 'fuel' | 'annual_netgen_abs'> & Partial<PlantDetails>;

/** Selections above this many plants (or all of them) are loaded in two steps. */
export const TWO_STEP_ABOVE = 1000;

export const isTwoStep = (query: PlantsQuery): boolean => query.topN === undefined || query.topN > TWO_STEP_ABOVE;

const GEOJSON = 'application/geo+json, application/json';

export const fetchYears = (): Promise<number[]> => getJson('/years');
export const fetchStates = (year: number): Promise<StateTotal[]> => getJson(`/states?year=${year}`);
export const fetchFuels = (year: number): Promise<FuelTotal[]> => getJson(`/fuels?year=${year}`);

export function plantsPath(query: PlantsQuery, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams({ year: String(query.year) });
  if (query.state) params.set('state', query.state);
  if (query.fuel) params.set('fuel', query.fuel);
  if (query.topN !== undefined) params.set('top_n', String(query.topN));
  for (const [name, value] of Object.entries(extra)) params.set(name, value);
  return `/plants?${params.toString()}`;
}

function mapPlantsOf(collection: PlantFeatureCollection<SelectedPlant>): MapPlant[] {
  return collection.features.map(({ id, geometry, properties }) => {
    const [lon, lat] = geometry ? (geometry.coordinates as [number, number]) : [null, null];
    return { ...properties, plant_id: id, lat, lon, fuel: properties.fuel ?? null, annual_netgen_abs: properties.annual_netgen_abs ?? 0 };
  });
}

/**
 * The plants of a selection, ready to draw: every field for a small selection, only what drawing needs for
 * a large one (then `fetchDetails` brings the rest).
 */
export async function fetchPlantsToDraw(query: PlantsQuery, signal?: AbortSignal): Promise<MapPlant[]> {
  const extra: Record<string, string> = { format: 'geojson' };
  if (isTwoStep(query)) extra.properties = DRAWING_FIELDS.join(',');
  return mapPlantsOf(await getJson(plantsPath(query, extra), { accept: GEOJSON, signal }));
}

/** The details of a selection's plants (the second step of a large one), by plant id. */
export async function fetchDetails(query: PlantsQuery, signal?: AbortSignal): Promise<Map<number, PlantDetails>> {
  const records = await getJson<PlantDetails[]>(plantsPath(query, { properties: DETAIL_FIELDS.join(',') }), { signal });
  return new Map(records.map((record) => [record.plant_id, record]));
}

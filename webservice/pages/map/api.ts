/** The page's only data path: the service's public API, same origin. */
import type { PlantRecord } from '../../../core/egrid/types';
import type { PlantFeatureCollection } from '../../plants/geojson';
import type { FuelTotal, StateTotal } from '../../plants/plants-view';

export type { FuelTotal, PlantFeatureCollection, PlantRecord, StateTotal };

export interface PlantsQuery {
  year: number;
  /** Two-letter code; empty for all states. */
  state: string;
  /** undefined: all plants. */
  topN: number | undefined;
  /** Fuel category; empty for all fuels. */
  fuel: string;
}

async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(path, { headers: { Accept: 'application/json, application/geo+json' }, signal });
  if (!res.ok) {
    let detail = `${res.status} ${res.statusText}`;
    try {
      detail = ((await res.json()) as { detail?: string }).detail ?? detail;
    } catch {
      // not JSON: keep the status line
    }
    throw new Error(detail);
  }
  return (await res.json()) as T;
}

export const fetchYears = (): Promise<number[]> => getJson('/years');
export const fetchStates = (year: number): Promise<StateTotal[]> => getJson(`/states?year=${year}`);
export const fetchFuels = (year: number): Promise<FuelTotal[]> => getJson(`/fuels?year=${year}`);

export function plantsPath(query: PlantsQuery): string {
  const params = new URLSearchParams({ year: String(query.year) });
  if (query.state) params.set('state', query.state);
  if (query.fuel) params.set('fuel', query.fuel);
  if (query.topN !== undefined) params.set('top_n', String(query.topN));
  params.set('format', 'geojson');
  return `/plants?${params.toString()}`;
}

export const fetchPlants = (query: PlantsQuery, signal?: AbortSignal): Promise<PlantFeatureCollection> => getJson(plantsPath(query), signal);

/**
 * Everything the plant routes need from one year's datamart, computed once when it is loaded: the
 * ranking, each state's ranking, the state totals, and the serialised answers already given. A request
 * is then a slice of a ready array, or a buffer sent as is.
 *
 * Views are memoised by the identity of the plants array a backend returns, so any PlantsBackend gets
 * them, and a backend that keeps its array until the datamart changes pays the precomputation once.
 */
import type { PlantField, PlantRecord } from '../../core/egrid/types';
import { sumByState } from '../../core/egrid/transform';
import { SizeBoundedLru } from '../cache/lru-index';
import { plantsToGeoJson } from './geojson';
import { selectFields } from './fields';
import { strongEtag } from '../http/etag';
import { prepareResponse, type PreparedResponse } from '../http/prepared';
import { randomUUID } from 'node:crypto';

/** One state's row of GET /states. */
export interface StateTotal {
  state: string;
  plants: number;
  /** Sum of the state's kept plants' annual net generation, MWh. */
  state_netgen: number;
}

/** One fuel category's row of GET /fuels. */
export interface FuelTotal {
  /** The fuel category (eGRID PLFUELCT, e.g. SOLAR). */
  fuel: string;
  plants: number;
  /** Sum of the category's kept plants' annual net generation, MWh. */
  fuel_netgen: number;
}

export type PlantsFormat = 'json' | 'geojson';

/** [minLon, minLat, maxLon, maxLat]; minLon > maxLon is a box across the antimeridian (RFC 7946 §5.2). */
export type BoundingBox = readonly [number, number, number, number];

export interface PlantsSelection {
  /** Upper-case two-letter code; undefined for every state. */
  state?: string;
  /** Upper-case fuel category; undefined for every fuel. */
  fuel?: string;
  /** Only plants with coordinates inside; undefined for every plant. */
  bbox?: BoundingBox;
  /** undefined for all plants. */
  topN?: number;
  format: PlantsFormat;
  /** The fields each record (JSON) or feature's properties (GeoJSON) keep, in the datamart's order; undefined for all. */
  properties?: readonly PlantField[];
}

export interface PlantsView {
  /** The datamart version the view was built from (its ETag, or a random id when the backend gives none). */
  readonly version: string;
  readonly ranking: readonly PlantRecord[];
  readonly byState: ReadonlyMap<string, readonly PlantRecord[]>;
  readonly states: readonly StateTotal[];
  /** The prepared answer to a selection (UTF-8 JSON or GeoJSON), with its strong ETag. */
  body(selection: PlantsSelection): PreparedResponse;
  statesBody(): PreparedResponse;
  fuelsBody(): PreparedResponse;
}

/** Serialised answers kept per datamart; the full ranking as GeoJSON is a few MB, so bound by size. */
const BODY_CACHE_BYTES = 32 * 1024 * 1024;

const byGenerationThenId = (a: PlantRecord, b: PlantRecord): number => b.annual_netgen_abs - a.annual_netgen_abs || a.plant_id - b.plant_id;

function isRanked(plants: readonly PlantRecord[]): boolean {
  for (let i = 1; i < plants.length; i++) {
    if (byGenerationThenId(plants[i - 1]!, plants[i]!) > 0) return false;
  }
  return true;
}

function groupByState(ranking: readonly PlantRecord[]): Map<string, PlantRecord[]> {
  const groups = new Map<string, PlantRecord[]>();
  for (const plant of ranking) {
    const group = groups.get(plant.state);
    if (group) group.push(plant);
    else groups.set(plant.state, [plant]);
  }
  return groups;
}

function stateTotals(byState: ReadonlyMap<string, readonly PlantRecord[]>): StateTotal[] {
  return [...byState]
    .map(([state, plants]) => ({ state, plants: plants.length, state_netgen: sumByState(plants).get(state) ?? 0 }))
    .sort((a, b) => (a.state < b.state ? -1 : a.state > b.state ? 1 : 0));
}

function fuelTotals(ranking: readonly PlantRecord[]): FuelTotal[] {
  const totals = new Map<string, FuelTotal>();
  for (const plant of ranking) {
    if (plant.fuel === null) continue;
    const total = totals.get(plant.fuel) ?? { fuel: plant.fuel, plants: 0, fuel_netgen: 0 };
    total.plants += 1;
    total.fuel_netgen += plant.annual_netgen_abs;
    totals.set(plant.fuel, total);
  }
  return [...totals.values()].sort((a, b) => b.fuel_netgen - a.fuel_netgen || (a.fuel < b.fuel ? -1 : 1));
}

function insideBox([minLon, minLat, maxLon, maxLat]: BoundingBox): (plant: PlantRecord) => boolean {
  const acrossAntimeridian = minLon > maxLon;
  return ({ lat, lon }) =>
    lat !== null && lon !== null && lat >= minLat && lat <= maxLat && (acrossAntimeridian ? lon >= minLon || lon <= maxLon : lon >= minLon && lon <= maxLon);
}

const JSON_TYPE = 'application/json; charset=utf-8';
const GEOJSON_CONTENT_TYPE = 'application/geo+json; charset=utf-8';

function buildView(plants: readonly PlantRecord[], version: string): PlantsView {
  // Datamarts are written ranked (SPEC §4.2); re-rank only one that is not, once, here.
  const ranking = isRanked(plants) ? plants : [...plants].sort(byGenerationThenId);
  const byState = groupByState(ranking);
  const states = stateTotals(byState);
  const bodies = new Map<string, PreparedResponse>();
  const bodyLru = new SizeBoundedLru<string>(BODY_CACHE_BYTES);
  let statesBody: PreparedResponse | undefined;
  let fuelsBody: PreparedResponse | undefined;
  /** Rankings filtered by state and fuel, made on first use (at most states × fuels of them). */
  const filtered = new Map<string, readonly PlantRecord[]>();

  const ranked = (state: string | undefined, fuel: string | undefined): readonly PlantRecord[] => {
    const byStateList = state === undefined ? ranking : (byState.get(state) ?? []);
    if (fuel === undefined) return byStateList;
    const key = `${state ?? ''}|${fuel}`;
    let list = filtered.get(key);
    if (!list) {
      list = byStateList.filter((plant) => plant.fuel === fuel);
      filtered.set(key, list);
    }
    return list;
  };

  /** The top N of what the filters keep; the box last, as it is the one filter not precomputed. */
  const select = ({ state, fuel, bbox, topN }: PlantsSelection): readonly PlantRecord[] => {
    let list = ranked(state, fuel);
    if (bbox) {
      const inside = insideBox(bbox);
      const kept: PlantRecord[] = [];
      for (const plant of list) {
        if (topN !== undefined && kept.length >= topN) break;
        if (inside(plant)) kept.push(plant);
      }
      list = kept;
    }
    return topN === undefined || topN >= list.length ? list : list.slice(0, topN);
  };

  return {
    version,
    ranking,
    byState,
    states,
    body(selection) {
      const list = select(selection);
      // The answer is fixed by what selects it; top_n only by how many plants it keeps. The field list is
      // last and only there when given, so answers without it keep the tags they had.
      const fields = selection.properties === undefined ? '' : `|${selection.properties.join(',')}`;
      const key = `${selection.format}|${selection.state ?? ''}|${selection.fuel ?? ''}|${selection.bbox?.join(',') ?? ''}|${list.length}${fields}`;
      const cached = bodies.get(key);
      if (cached) {
        bodyLru.touch(key);
        return cached;
      }
      const geojson = selection.format === 'geojson';
      const { properties } = selection;
      const answer = geojson ? plantsToGeoJson(list, properties) : properties === undefined ? list : list.map((plant) => selectFields(plant, properties));
      const json = Buffer.from(JSON.stringify(answer));
      const body = prepareResponse(json, geojson ? GEOJSON_CONTENT_TYPE : JSON_TYPE, strongEtag(version, `plants|${key}`));
      // Held with room for its compressed copies (a fraction of the JSON).
      const held = Math.ceil(json.length * 1.3);
      if (bodyLru.fits(held)) {
        bodies.set(key, body);
        for (const evicted of bodyLru.add(key, held)) bodies.delete(evicted);
      }
      return body;
    },
    statesBody: () => {
      if (!statesBody) {
        const json = Buffer.from(JSON.stringify(states));
        statesBody = prepareResponse(json, JSON_TYPE, strongEtag(version, 'states'), { vary: '' });
      }
      return statesBody;
    },
    fuelsBody: () => {
      if (!fuelsBody) {
        const json = Buffer.from(JSON.stringify(fuelTotals(ranking)));
        fuelsBody = prepareResponse(json, JSON_TYPE, strongEtag(version, 'fuels'), { vary: '' });
      }
      return fuelsBody;
    },
  };
}

const views = new WeakMap<readonly PlantRecord[], PlantsView>();

/** The view of these plants; `version` names the data (the datamart's ETag) when the view is first built. */
export function plantsViewOf(plants: readonly PlantRecord[], version?: string): PlantsView {
  let view = views.get(plants);
  if (!view) {
    view = buildView(plants, version ?? randomUUID());
    views.set(plants, view);
  }
  return view;
}

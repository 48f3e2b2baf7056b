/**
 * Everything the plant routes need from one year's datamart, computed once when it is loaded: the
 * ranking, each state's ranking, the state totals, and the serialised answers already given. A request
 * is then a slice of a ready array, or a buffer sent as is.
 *
 * Views are memoised by the identity of the plants array a backend returns, so any PlantsBackend gets
 * them, and a backend that keeps its array until the datamart changes pays the precomputation once.
 */
import type { PlantRecord } from '../../core/egrid/types';
import { sumByState } from '../../core/egrid/transform';
import { SizeBoundedLru } from '../cache/lru-index';
import { plantsToGeoJson } from './geojson';
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

export type PlantsFormat = 'json' | 'geojson';

export interface PlantsSelection {
  /** Upper-case two-letter code; undefined for every state. */
  state?: string;
  /** undefined for all plants. */
  topN?: number;
  format: PlantsFormat;
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

  const select = ({ state, topN }: PlantsSelection): readonly PlantRecord[] => {
    const list = state === undefined ? ranking : (byState.get(state) ?? []);
    return topN === undefined || topN >= list.length ? list : list.slice(0, topN);
  };

  return {
    version,
    ranking,
    byState,
    states,
    body(selection) {
      const list = select(selection);
      const key = `${selection.format}|${selection.state ?? ''}|${list.length}`;
      const cached = bodies.get(key);
      if (cached) {
        bodyLru.touch(key);
        return cached;
      }
      const geojson = selection.format === 'geojson';
      const json = Buffer.from(JSON.stringify(geojson ? plantsToGeoJson(list) : list));
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

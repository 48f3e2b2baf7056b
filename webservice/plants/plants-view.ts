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
  readonly ranking: readonly PlantRecord[];
  readonly byState: ReadonlyMap<string, readonly PlantRecord[]>;
  readonly states: readonly StateTotal[];
  /** The serialised answer to a selection (UTF-8 JSON or GeoJSON). */
  body(selection: PlantsSelection): Buffer;
  statesBody(): Buffer;
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

function buildView(plants: readonly PlantRecord[]): PlantsView {
  // Datamarts are written ranked (SPEC §4.2); re-rank only one that is not, once, here.
  const ranking = isRanked(plants) ? plants : [...plants].sort(byGenerationThenId);
  const byState = groupByState(ranking);
  const states = stateTotals(byState);
  const bodies = new Map<string, Buffer>();
  const bodyLru = new SizeBoundedLru<string>(BODY_CACHE_BYTES);
  let statesBody: Buffer | undefined;

  const select = ({ state, topN }: PlantsSelection): readonly PlantRecord[] => {
    const list = state === undefined ? ranking : (byState.get(state) ?? []);
    return topN === undefined || topN >= list.length ? list : list.slice(0, topN);
  };

  return {
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
      const body = Buffer.from(JSON.stringify(selection.format === 'geojson' ? plantsToGeoJson(list) : list));
      if (bodyLru.fits(body.length)) {
        bodies.set(key, body);
        for (const evicted of bodyLru.add(key, body.length)) bodies.delete(evicted);
      }
      return body;
    },
    statesBody: () => (statesBody ??= Buffer.from(JSON.stringify(states))),
  };
}

const views = new WeakMap<readonly PlantRecord[], PlantsView>();

export function plantsViewOf(plants: readonly PlantRecord[]): PlantsView {
  let view = views.get(plants);
  if (!view) {
    view = buildView(plants);
    views.set(plants, view);
  }
  return view;
}

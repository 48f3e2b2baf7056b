/**
 * What the viewer shows, as the page URL's query and the form fields name it (SPEC §5.4): `well`,
 * `min_depth`, `max_depth`, `colormap` (or `colors` for a custom map), `normalize`, `vmin`, `vmax`.
 * Pure functions: parse a query, write one, and the colour parameters of the API's frame requests.
 */

export type Normalize = 'well' | 'frame' | 'none' | 'fixed';

export interface ViewState {
  well: string;
  minDepth: number;
  maxDepth: number;
  /** A name of GET /colormaps, or undefined when `colors` (a custom map) is used. */
  colormap: string | undefined;
  /** The custom map, `0:000000,0.5:8b4513,1:ffff00`, when colormap is undefined. */
  colors: string;
  normalize: Normalize;
  vmin: number;
  vmax: number;
}

export const DEFAULT_COLORMAP = 'gist_earth';
export const DEFAULT_COLORS = '0:000000,0.5:8b4513,1:ffff00';
/** The span shown when the URL names none. */
export const DEFAULT_SPAN_FEET = 50;
const NORMALIZE: readonly Normalize[] = ['well', 'frame', 'none', 'fixed'];

const numberOr = (text: string | null, fallback: number): number => {
  const value = text === null || text.trim() === '' ? NaN : Number(text);
  return Number.isFinite(value) ? value : fallback;
};

/** A tenth of a foot, the depth resolution of the data. */
export const roundTenth = (feet: number): number => Math.round(feet * 10) / 10;

export interface WellRange {
  well_id: string;
  min_depth: number;
  max_depth: number;
}

/** The state a query asks for, completed with defaults and kept inside the well's depths. */
export function stateFromQuery(query: URLSearchParams, wells: readonly WellRange[]): ViewState | undefined {
  const well = wells.find((w) => w.well_id === query.get('well')) ?? wells[0];
  if (!well) return undefined;
  const colors = query.get('colors');
  const colormap = query.get('colormap') ?? (colors ? undefined : DEFAULT_COLORMAP);
  const normalizeText = query.get('normalize');
  const fixed = query.has('vmin') || query.has('vmax');
  const normalize = fixed ? 'fixed' : NORMALIZE.find((n) => n === normalizeText) ?? 'well';
  const minDepth = numberOr(query.get('min_depth'), well.min_depth);
  const maxDepth = numberOr(query.get('max_depth'), minDepth + DEFAULT_SPAN_FEET);
  const vmin = numberOr(query.get('vmin'), 0);
  const vmax = numberOr(query.get('vmax'), 255);
  return { well: well.well_id, ...clampView(well, minDepth, maxDepth), colormap, colors: colors ?? DEFAULT_COLORS, normalize, vmin, vmax };
}

/** A view of at least a foot, inside the well's depths as far as its span allows. */
export function clampView(well: WellRange, minDepth: number, maxDepth: number): { minDepth: number; maxDepth: number } {
  const wellSpan = well.max_depth - well.min_depth;
  let span = Math.max(1, maxDepth - minDepth);
  if (wellSpan > 0) span = Math.min(span, Math.max(1, wellSpan));
  let min = Math.min(Math.max(minDepth, well.min_depth), Math.max(well.min_depth, well.max_depth - span));
  min = roundTenth(min);
  return { minDepth: min, maxDepth: roundTenth(min + span) };
}

/** The page URL's query for a state (what a shared link holds): the view, then the colour parameters. */
export function queryOfState(state: ViewState): URLSearchParams {
  const query = new URLSearchParams({ well: state.well, min_depth: state.minDepth.toFixed(1), max_depth: state.maxDepth.toFixed(1) });
  for (const [name, value] of colorParams(state)) query.set(name, value);
  return query;
}

/** The colour parameters of the API's frame requests for this state (the page URL uses the same). */
export function colorParams(state: ViewState): URLSearchParams {
  const params = new URLSearchParams();
  if (state.colormap !== undefined) params.set('colormap', state.colormap);
  else params.set('colors', state.colors);
  if (state.normalize === 'fixed') {
    params.set('vmin', String(state.vmin));
    params.set('vmax', String(state.vmax));
  } else {
    params.set('normalize', state.normalize);
  }
  return params;
}

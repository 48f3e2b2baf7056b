/**
 * The parameters of GET /imagers/{well_id}, checked and resolved: depth range in tenths of a foot, the
 * number of rows to answer with, the colour table and how values are normalised onto it. Every problem
 * is a 400 naming the parameters.
 */
import { badRequest } from '../errors';
import { ColormapError, customColormap, namedColormap, type ColorTable } from '../../core/imaging/colormap';
import { FULL_RANGE, type ValueWindow } from '../../core/imaging/render';
import { MAX_HEIGHT } from '../../core/well/frame-height';

export interface FrameQueryParams {
  min_depth?: number;
  max_depth?: number;
  depth_min?: number;
  depth_max?: number;
  colormap?: string;
  colors?: string;
  normalize?: string;
  vmin?: number;
  vmax?: number;
  height?: number;
}

/** How values become colours: the frame's min–max, the whole well's, or a fixed window (none = 0–255). */
export type Normalization = 'frame' | 'well' | ValueWindow;

export interface FrameColors {
  table: ColorTable;
  normalization: Normalization;
}

export interface FrameQuery {
  /** The requested depths in feet, echoed in the JSON answer as the original did. */
  minDepth: number;
  maxDepth: number;
  minTenths: number;
  maxTenths: number;
  /** At most this many rows (Pillow's BOX average), when given. */
  height: number | undefined;
  colors: FrameColors | undefined;
  /** Every parameter that shapes the answer, resolved (aliases and defaults applied): one text per answer. */
  canonical: string;
}

const NORMALIZE_MODES: Record<string, 'frame' | 'well' | 'none'> = { frame: 'frame', true: 'frame', well: 'well', none: 'none', false: 'none' };

/** One depth from a parameter and its alias: exactly one of them, or both equal. */
function depthParam(name: string, value: number | undefined, alias: string, aliasValue: number | undefined): number {
  if (value !== undefined && aliasValue !== undefined && value !== aliasValue) {
    throw badRequest(`Parameters ${name} and ${alias} are the same parameter and were given different values (${value} and ${aliasValue})`);
  }
  const depth = value ?? aliasValue;
  if (depth === undefined) throw badRequest(`Parameter ${name} (or its alias ${alias}) is required`);
  const given = value !== undefined ? name : alias;
  if (!Number.isFinite(depth)) throw badRequest(`Invalid parameter ${given}: must be a finite number of feet, got ${depth}`);
  if (!Number.isSafeInteger(Math.round(depth * 10))) throw badRequest(`Invalid parameter ${given}: ${depth} is out of range`);
  return depth;
}

function colorTable(colormap: string | undefined, colors: string | undefined): ColorTable | undefined {
  if (colormap !== undefined && colors !== undefined) throw badRequest('Parameters colormap and colors cannot be used together: give a named map or custom colours');
  if (colormap !== undefined) {
    const table = namedColormap(colormap);
    if (!table) throw badRequest(`Invalid parameter colormap: unknown colour map ${JSON.stringify(colormap)} (GET /colormaps lists the names)`);
    return table;
  }
  if (colors === undefined) return undefined;
  try {
    return customColormap(colors);
  } catch (err) {
    if (err instanceof ColormapError) throw badRequest(`Invalid parameter ${err.message}`);
    throw err;
  }
}

function windowValue(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0 || value > 255) throw badRequest(`Invalid parameter ${name}: must be a number from 0 to 255, got ${value}`);
  return value;
}

function normalization(params: FrameQueryParams): Normalization {
  const { normalize, vmin, vmax } = params;
  if (vmin !== undefined || vmax !== undefined) {
    if (vmax === undefined) throw badRequest('Parameter vmin needs vmax: together they set the window of values spread over the colour map');
    if (vmin === undefined) throw badRequest('Parameter vmax needs vmin: together they set the window of values spread over the colour map');
    if (normalize !== undefined) throw badRequest(`Parameters normalize (${normalize}) and vmin/vmax cannot be used together: vmin and vmax set a fixed window`);
    const lo = windowValue('vmin', vmin);
    const hi = windowValue('vmax', vmax);
    if (lo >= hi) throw badRequest(`Parameter vmin (${lo}) must be less than vmax (${hi})`);
    return { lo, hi };
  }
  const mode = normalize === undefined ? 'frame' : Object.hasOwn(NORMALIZE_MODES, normalize) ? NORMALIZE_MODES[normalize] : undefined;
  if (mode === undefined) throw badRequest(`Invalid parameter normalize: expected frame, well or none (true = frame, false = none), got ${JSON.stringify(normalize)}`);
  return mode === 'none' ? FULL_RANGE : mode;
}

function heightParam(height: number | undefined): number | undefined {
  if (height === undefined) return undefined;
  if (!Number.isInteger(height) || height < 1 || height > MAX_HEIGHT) throw badRequest(`Invalid parameter height: must be a whole number of rows from 1 to ${MAX_HEIGHT}, got ${height}`);
  return height;
}

export function resolveFrameQuery(params: FrameQueryParams): FrameQuery {
  const minDepth = depthParam('min_depth', params.min_depth, 'depth_min', params.depth_min);
  const maxDepth = depthParam('max_depth', params.max_depth, 'depth_max', params.depth_max);
  if (minDepth > maxDepth) throw badRequest(`Parameter min_depth (${minDepth}) must not be greater than max_depth (${maxDepth})`);
  const table = colorTable(params.colormap, params.colors);
  const norm = normalization(params);
  const height = heightParam(params.height);
  const minTenths = Math.round(minDepth * 10);
  const maxTenths = Math.round(maxDepth * 10);
  const canonical = JSON.stringify([
    minDepth,
    maxDepth,
    height ?? null,
    params.colormap ?? null,
    params.colors ?? null,
    table ? (typeof norm === 'string' ? norm : [norm.lo, norm.hi]) : null,
  ]);
  return { minDepth, maxDepth, minTenths, maxTenths, height, colors: table && { table, normalization: norm }, canonical };
}

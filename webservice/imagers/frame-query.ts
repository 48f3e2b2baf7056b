/**
 * The parameters of GET /imagers/{well_id}, checked and resolved: depth range in tenths of a foot and the
 * colour mapping. Every problem is a 400 naming the parameter.
 */
import { badRequest } from '../errors';
import { ColormapError, customColormap, namedColormap } from '../../core/imaging/colormap';
import type { ColorMapping } from '../../core/imaging/render';

export interface FrameQueryParams {
  min_depth?: number;
  max_depth?: number;
  depth_min?: number;
  depth_max?: number;
  colormap?: string;
  colors?: string;
  normalize?: boolean;
}

export interface FrameQuery {
  /** The requested depths in feet, echoed in the JSON answer as the original did. */
  minDepth: number;
  maxDepth: number;
  minTenths: number;
  maxTenths: number;
  mapping: ColorMapping | undefined;
}

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

function colorMapping(params: FrameQueryParams): ColorMapping | undefined {
  const { colormap, colors, normalize = true } = params;
  if (colormap !== undefined && colors !== undefined) throw badRequest('Parameters colormap and colors cannot be used together: give a named map or custom colours');
  if (colormap !== undefined) {
    const table = namedColormap(colormap);
    if (!table) throw badRequest(`Invalid parameter colormap: unknown colour map ${JSON.stringify(colormap)} (GET /colormaps lists the names)`);
    return { table, normalize };
  }
  if (colors !== undefined) {
    try {
      return { table: customColormap(colors), normalize };
    } catch (err) {
      if (err instanceof ColormapError) throw badRequest(`Invalid parameter ${err.message}`);
      throw err;
    }
  }
  return undefined;
}

export function resolveFrameQuery(params: FrameQueryParams): FrameQuery {
  const minDepth = depthParam('min_depth', params.min_depth, 'depth_min', params.depth_min);
  const maxDepth = depthParam('max_depth', params.max_depth, 'depth_max', params.depth_max);
  if (minDepth > maxDepth) throw badRequest(`Parameter min_depth (${minDepth}) must not be greater than max_depth (${maxDepth})`);
  return {
    minDepth,
    maxDepth,
    minTenths: Math.round(minDepth * 10),
    maxTenths: Math.round(maxDepth * 10),
    mapping: colorMapping(params),
  };
}

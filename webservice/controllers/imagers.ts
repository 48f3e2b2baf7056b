import { Controller, Get, Path, Query, Request, Response, Route, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest } from 'express';
import { imagersOf, servicesOf } from '../services';
import { notFound, type ErrorDetail } from '../errors';
import type { ImagerBackend } from '../imagers/backend';
import { sendFrame } from '../imagers/frame-answer';
import { contentEtag, strongEtag } from '../http/etag';
import { prepareResponse } from '../http/prepared';
import { sendPrepared } from '../http/send-prepared';
import { resolveFrameQuery, type Normalization } from '../imagers/frame-query';
import { answerBudgetOf } from '../imagers/memory-budget';
import type { ColorMapping } from '../../core/imaging/render';
import { frameOfHeight } from '../../core/well/frame-height';
import type { ServedFrame } from '../../core/well/types';

/** A well and what its stored frames hold. */
interface WellSummary {
  well_id: string;
  /** Shallowest stored depth, feet. */
  min_depth: number;
  /** Deepest stored depth, feet. */
  max_depth: number;
  rows: number;
  /** Pixels per row. */
  width: number;
  /** Where the rows were ingested from. */
  source: string;
  /** ISO-8601 time of the ingest. */
  ingested_at: string;
  /** Smallest stored pixel value of the whole well (the window of normalize=well); absent until known for wells ingested before it was kept. */
  value_min?: number;
  /** Largest stored pixel value of the whole well. */
  value_max?: number;
}

/** The original service's frame: `data` is rows × width of 0–255, or rows × width × [r, g, b, 255] with a colour map. */
interface ImagerFrameJson {
  well_id: string;
  min_depth: number;
  max_depth: number;
  /** Depth of each row, feet. */
  depths: number[];
  data: number[][] | number[][][];
}

const NOT_FOUND = "Well or depth range in a well weren't found";

const feet = (tenths: number): number => tenths / 10;

@Route('imagers')
@Tags('imagers')
export class ImagersController extends Controller {
  /** Wells with their depth range, rows and width. */
  @Get()
  public async listWells(@Request() req: ExpressRequest): Promise<WellSummary[]> {
    const wells = await imagersOf(req).listWells();
    const summaries: WellSummary[] = wells.map((w) => ({
      well_id: w.well,
      min_depth: feet(w.minDepthTenths),
      max_depth: feet(w.maxDepthTenths),
      rows: w.rows,
      width: w.width,
      source: w.source,
      ingested_at: w.ingestedAt,
      ...(w.valueMin !== undefined && w.valueMax !== undefined ? { value_min: w.valueMin, value_max: w.valueMax } : {}),
    }));
    const body = Buffer.from(JSON.stringify(summaries));
    return sendPrepared(req, prepareResponse(body, 'application/json; charset=utf-8', contentEtag(body), { vary: '' }));
  }

  /**
   * The rows of a well between two depths (inclusive, feet rounded to 0.1), as JSON (default) or as a PNG
   * (`format=png` or `Accept: image/png`): width × rows, grey without a colour map, RGB with one. With a
   * colour map, values are normalised by the frame's min–max (default), the whole well's, none (v / 255),
   * or a fixed window `vmin`–`vmax`. Under a heavy load of large answers: 503 with `Retry-After`.
   * @param well_id The well, as ingested.
   * @param min_depth Shallowest depth, feet (alias: depth_min).
   * @param max_depth Deepest depth, feet (alias: depth_max).
   * @param depth_min Alias of min_depth.
   * @param depth_max Alias of max_depth.
   * @param colormap A matplotlib colour map name (GET /colormaps), `_r` reversed.
   * @param colors A custom colour map: `000000,8b4513,ffff00` (evenly spaced) or `0:000000,0.3:8b4513,1:ffff00`.
   * @param normalize With a colour map: `frame` (default; alias `true`) spreads the frame's min–max over the map, `well` the whole well's, `none` (alias `false`) maps v / 255.
   * @param vmin With a colour map and vmax: the value at the map's start (0–255), instead of normalize.
   * @param vmax With a colour map and vmin: the value at the map's end (0–255, above vmin).
   * @param height At most this many rows (1–10000): a range of more rows is averaged to this many as Pillow's BOX resize does; each row's depth is the mean of the depths it covers.
   * @param format json (default) or png.
   * @example min_depth 9200.0
   * @example max_depth 9250.0
   * @example colormap "gist_earth"
   */
  @Get('{well_id}')
  @SuccessResponse(200, 'The frame: ImagerFrameJson as JSON, or a PNG', ['application/json', 'image/png'])
  @Response<ErrorDetail>(400, 'A parameter is missing or invalid')
  @Response<ErrorDetail>(404, NOT_FOUND)
  @Response<ErrorDetail>(503, 'The store is unavailable, or too many large answers are being sent (Retry-After)')
  public async getFrame(
    @Request() req: ExpressRequest,
    @Path() well_id: string,
    @Query() min_depth?: number,
    @Query() max_depth?: number,
    @Query() depth_min?: number,
    @Query() depth_max?: number,
    @Query() colormap?: string,
    @Query() colors?: string,
    @Query() normalize?: string,
    @Query() vmin?: number,
    @Query() vmax?: number,
    @Query() height?: number,
    @Query() format?: 'json' | 'png',
  ): Promise<ImagerFrameJson> {
    const query = resolveFrameQuery({ min_depth, max_depth, depth_min, depth_max, colormap, colors, normalize, vmin, vmax, height });
    const asPng = (format ?? (req.accepts(['application/json', 'image/png']) === 'image/png' ? 'png' : 'json')) === 'png';
    const imagers = imagersOf(req);
    const stored = await imagers.readFrame(well_id, query.minTenths, query.maxTenths);
    if (!stored || stored.depthsTenths.length === 0) throw notFound(NOT_FOUND);

    const frame = query.height === undefined ? stored : frameOfHeight(stored, query.height);
    const mapping = query.colors && { table: query.colors.table, window: await valueWindow(imagers, stored, query.colors.normalization) };
    const version = stored.version;
    await sendFrame(req, answerBudgetOf(servicesOf(req)), {
      frame,
      mapping,
      json: asPng ? undefined : { well_id, min_depth: query.minDepth, max_depth: query.maxDepth, depths: frame.depthsTenths.map(feet) },
      etag: strongEtag(version, JSON.stringify([well_id, asPng ? 'png' : 'json', query.canonical])),
      earlyWhile: imagers.currentVersion && (() => imagers.currentVersion?.(well_id) === version),
    });
    // Already sent: tsoa ignores what is returned once the response has been written.
    return undefined as unknown as ImagerFrameJson;
  }
}
/** The window of values spread over the colour map; `well` is the well's stored range. */
async function valueWindow(imagers: ImagerBackend, frame: ServedFrame, normalization: Normalization): Promise<ColorMapping['window']> {
  if (normalization !== 'well') return normalization;
  if (frame.valueMin !== undefined && frame.valueMax !== undefined) return { lo: frame.valueMin, hi: frame.valueMax };
  const range = await imagers.wellValueRange(frame.well);
  if (!range) throw notFound(NOT_FOUND);
  return { lo: range.valueMin, hi: range.valueMax };
}

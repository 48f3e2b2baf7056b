import { Readable } from 'node:stream';
import { Controller, Get, Path, Query, Request, Response, Route, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest } from 'express';
import { imagersOf } from '../services';
import { notFound, type ErrorDetail } from '../errors';
import { resolveFrameQuery } from '../imagers/frame-query';
import { frameJson } from '../../core/imaging/frame-json';
import { renderRgb, type ColorMapping } from '../../core/imaging/render';
import { encodePng } from '../../core/imaging/png';
import type { ImageFrame } from '../../core/well/types';

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
    return wells.map((w) => ({
      well_id: w.well,
      min_depth: feet(w.minDepthTenths),
      max_depth: feet(w.maxDepthTenths),
      rows: w.rows,
      width: w.width,
      source: w.source,
      ingested_at: w.ingestedAt,
    }));
  }

  /**
   * The rows of a well between two depths (inclusive, feet rounded to 0.1), as JSON (default) or as a PNG
   * (`format=png` or `Accept: image/png`): width × rows, grey without a colour map, RGB with one.
   * @param well_id The well, as ingested.
   * @param min_depth Shallowest depth, feet (alias: depth_min).
   * @param max_depth Deepest depth, feet (alias: depth_max).
   * @param depth_min Alias of min_depth.
   * @param depth_max Alias of max_depth.
   * @param colormap A matplotlib colour map name (GET /colormaps), `_r` reversed.
   * @param colors A custom colour map: `000000,8b4513,ffff00` (evenly spaced) or `0:000000,0.3:8b4513,1:ffff00`.
   * @param normalize With a colour map: true (default) stretches the frame's min–max to the whole map; false maps v / 255.
   * @param format json (default) or png.
   * @example min_depth 9200.0
   * @example max_depth 9250.0
   * @example colormap "gist_earth"
   */
  @Get('{well_id}')
  @SuccessResponse(200, 'The frame: ImagerFrameJson as JSON, or a PNG', ['application/json', 'image/png'])
  @Response<ErrorDetail>(400, 'A parameter is missing or invalid')
  @Response<ErrorDetail>(404, NOT_FOUND)
  public async getFrame(
    @Request() req: ExpressRequest,
    @Path() well_id: string,
    @Query() min_depth?: number,
    @Query() max_depth?: number,
    @Query() depth_min?: number,
    @Query() depth_max?: number,
    @Query() colormap?: string,
    @Query() colors?: string,
    @Query() normalize?: boolean,
    @Query() format?: 'json' | 'png',
  ): Promise<ImagerFrameJson | Readable> {
    const query = resolveFrameQuery({ min_depth, max_depth, depth_min, depth_max, colormap, colors, normalize });
    const asPng = (format ?? (req.accepts(['application/json', 'image/png']) === 'image/png' ? 'png' : 'json')) === 'png';
    const frame = await imagersOf(req).readFrame(well_id, query.minTenths, query.maxTenths);
    if (!frame || frame.depthsTenths.length === 0) throw notFound(NOT_FOUND);

    const body = asPng ? framePng(frame, query.mapping) : frameJson({ well_id, min_depth: query.minDepth, max_depth: query.maxDepth, depths: frame.depthsTenths.map(feet) }, frame, query.mapping);
    this.setHeader('Content-Type', asPng ? 'image/png' : 'application/json; charset=utf-8');
    this.setHeader('Content-Length', String(body.length));
    this.setHeader('Vary', 'Accept');
    return Readable.from([body]);
  }
}

function framePng(frame: ImageFrame, mapping: ColorMapping | undefined): Buffer {
  const rows = frame.depthsTenths.length;
  return mapping ? encodePng(frame.width, rows, renderRgb(frame, mapping), 'rgb') : encodePng(frame.width, rows, frame.pixels, 'grey');
}

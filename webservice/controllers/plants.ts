import { Controller, Get, Query, Request, Response, Route, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest } from 'express';
import { plantsOf } from '../services';
import { notFound } from '../errors';
import type { PlantRecord } from '../../core/egrid/types';
import type { PlantFeatureCollection } from '../plants/geojson';
import { plantsViewOf } from '../plants/plants-view';
import { sendPrepared } from '../http/send-prepared';
import { GEOJSON_TYPE, parseStateCode, plantsFormat, resolveYear, whileVersion, YEAR_NOT_FOUND } from '../plants/plants-query';
import type { ErrorDetail } from '../errors';

/** json: PlantRecord[]; geojson: a PlantFeatureCollection. */
export enum PlantsOutputFormat {
  json = 'json',
  geojson = 'geojson',
}

@Route('plants')
@Tags('plants')
export class PlantsController extends Controller {
  /**
   * Power plants ranked by annual net generation (MWh), each with its share of its state's total, as the
   * original service answered `/plants?year=2018&state=AL&top_n=4`. As GeoJSON with `format=geojson` or
   * `Accept: application/geo+json`: a FeatureCollection of points ([longitude, latitude]) with the same
   * properties; a plant without coordinates has `geometry: null`.
   * @param year The datamart's year; default: the latest available.
   * @param state Two-letter state code, any case; a state without plants gives [].
   * @param top_n How many plants, 1 to 100000; default: all.
   * @param format json (default) or geojson.
   * @isInt year year must be a whole number such as 2018
   * @isInt top_n top_n must be a whole number from 1 to 100000
   * @minimum top_n 1 top_n must be at least 1
   * @maximum top_n 100000 top_n must be at most 100000
   * @example year 2018
   * @example state "AL"
   * @example top_n 4
   */
  @Get()
  @SuccessResponse(200, 'Plants, best first: PlantRecord[] as JSON, or a PlantFeatureCollection as GeoJSON', ['application/json', GEOJSON_TYPE])
  @Response<ErrorDetail>(400, 'A parameter is invalid')
  @Response<ErrorDetail>(404, YEAR_NOT_FOUND)
  @Response<ErrorDetail>(503, 'The datamarts bucket is unreachable')
  public async listPlants(
    @Request() req: ExpressRequest,
    @Query() year?: number,
    @Query() state?: string,
    @Query() top_n?: number,
    @Query() format?: PlantsOutputFormat,
  ): Promise<PlantRecord[] | PlantFeatureCollection> {
    const stateCode = parseStateCode(state);
    const chosen = plantsFormat(req, format);
    const backend = plantsOf(req);
    const version = backend.currentVersion?.();
    const plants = await backend.plants(await resolveYear(backend, year));
    if (!plants) throw notFound(YEAR_NOT_FOUND);
    const body = plantsViewOf(plants).body({ state: stateCode, topN: top_n, format: chosen });
    return sendPrepared(req, body, { earlyWhile: whileVersion(backend, version) });
  }
}

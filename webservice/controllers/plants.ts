import { Controller, Get, Query, Request, Response, Route, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest } from 'express';
import type { PlantRecord } from '../../core/egrid/types';
import type { PlantFeatureCollection } from '../plants/geojson';
import type { SelectedPlant } from '../plants/fields';
import { sendPrepared } from '../http/send-prepared';
import { GEOJSON_TYPE, parseBbox, parseFuel, parseProperties, parseStateCode, plantsFormat, yearView, YEAR_NOT_FOUND } from '../plants/plants-query';
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
   * properties; a plant without coordinates has `geometry: null`. With `properties`, each record (or each
   * feature's properties) keeps only the fields named: a map can fetch what it draws first
   * (`properties=fuel,annual_netgen_abs&format=geojson`) and the rest later.
   * @param year The datamart's year; default: the latest available.
   * @param state Two-letter state code, any case; a state without plants gives [].
   * @param top_n How many plants, 1 to 100000; default: all (of what the other parameters keep).
   * @param format json (default) or geojson.
   * @param fuel A fuel category (eGRID PLFUELCT such as SOLAR, GAS, COAL; any case; GET /fuels lists them).
   * @param bbox Only plants inside `minLon,minLat,maxLon,maxLat` (degrees, a map's viewport; minLon > maxLon crosses the antimeridian).
   * @param properties The fields to keep, comma-separated, any order (answered in the datamart's order): plant_id, plant_name, state, lat, lon, fuel, annual_netgen_abs, annual_netgen_rel. GeoJSON features keep their id and geometry. Default: all.
   * @isInt year year must be a whole number such as 2018
   * @isInt top_n top_n must be a whole number from 1 to 100000
   * @minimum top_n 1 top_n must be at least 1
   * @maximum top_n 100000 top_n must be at most 100000
   * @example year 2018
   * @example state "AL"
   * @example top_n 4
   * @example properties "plant_id,plant_name,annual_netgen_abs"
   */
  @Get()
  @SuccessResponse(200, 'Plants, best first: PlantRecord[] as JSON, or a PlantFeatureCollection as GeoJSON; with `properties`, records (or feature properties) with only the fields named', ['application/json', GEOJSON_TYPE])
  @Response<ErrorDetail>(400, 'A parameter is invalid')
  @Response<ErrorDetail>(404, YEAR_NOT_FOUND)
  @Response<ErrorDetail>(503, 'The datamarts bucket is unreachable')
  public async listPlants(
    @Request() req: ExpressRequest,
    @Query() year?: number,
    @Query() state?: string,
    @Query() top_n?: number,
    @Query() format?: PlantsOutputFormat,
    @Query() fuel?: string,
    @Query() bbox?: string,
    @Query() properties?: string,
  ): Promise<PlantRecord[] | PlantFeatureCollection | SelectedPlant[] | PlantFeatureCollection<SelectedPlant>> {
    const stateCode = parseStateCode(state);
    const fuelCategory = parseFuel(fuel);
    const box = parseBbox(bbox);
    const fields = parseProperties(properties);
    const chosen = plantsFormat(req, format);
    const { view, earlyWhile } = await yearView(req, year);
    const body = view.body({ state: stateCode, fuel: fuelCategory, bbox: box, topN: top_n, format: chosen, properties: fields });
    return sendPrepared(req, body, { earlyWhile });
  }
}

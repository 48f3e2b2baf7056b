import { Controller, Get, Query, Request, Response, Route, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest } from 'express';
import type { FuelTotal } from '../plants/plants-view';
import { yearView, YEAR_NOT_FOUND } from '../plants/plants-query';
import { sendPrepared } from '../http/send-prepared';
import type { ErrorDetail } from '../errors';

@Route('fuels')
@Tags('plants')
export class FuelsController extends Controller {
  /**
   * The fuel categories of a year's plants (eGRID PLFUELCT, the values `fuel` filters /plants by), largest
   * total annual net generation (MWh) first, with how many plants each has. Plants without a category are
   * not counted.
   * @param year The datamart's year; default: the latest available.
   * @isInt year year must be a whole number such as 2018
   * @example year 2018
   */
  @Get()
  @SuccessResponse(200, 'FuelTotal[]', 'application/json')
  @Response<ErrorDetail>(400, 'A parameter is invalid')
  @Response<ErrorDetail>(404, YEAR_NOT_FOUND)
  @Response<ErrorDetail>(503, 'The datamarts bucket is unreachable')
  public async listFuels(@Request() req: ExpressRequest, @Query() year?: number): Promise<FuelTotal[]> {
    const { view, earlyWhile } = await yearView(req, year);
    return sendPrepared(req, view.fuelsBody(), { earlyWhile });
  }
}

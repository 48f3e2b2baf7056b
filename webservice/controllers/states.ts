import { Controller, Get, Query, Request, Response, Route, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest } from 'express';
import { plantsOf } from '../services';
import { notFound } from '../errors';
import { plantsViewOf, type StateTotal } from '../plants/plants-view';
import { resolveYear, whileVersion, YEAR_NOT_FOUND } from '../plants/plants-query';
import { sendPrepared } from '../http/send-prepared';
import type { ErrorDetail } from '../errors';

@Route('states')
@Tags('plants')
export class StatesController extends Controller {
  /**
   * Per state, alphabetically: how many plants the datamart keeps and their total annual net generation (MWh).
   * @param year The datamart's year; default: the latest available.
   * @isInt year year must be a whole number such as 2018
   * @example year 2018
   */
  @Get()
  @SuccessResponse(200, 'StateTotal[]', 'application/json')
  @Response<ErrorDetail>(400, 'A parameter is invalid')
  @Response<ErrorDetail>(404, YEAR_NOT_FOUND)
  @Response<ErrorDetail>(503, 'The datamarts bucket is unreachable')
  public async listStates(@Request() req: ExpressRequest, @Query() year?: number): Promise<StateTotal[]> {
    const backend = plantsOf(req);
    const version = backend.currentVersion?.();
    const plants = await backend.plants(await resolveYear(backend, year));
    if (!plants) throw notFound(YEAR_NOT_FOUND);
    const body = plantsViewOf(plants).statesBody();
    return sendPrepared(req, body, { earlyWhile: whileVersion(backend, version) });
  }
}

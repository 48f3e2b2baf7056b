import { Controller, Get, Request, Response, Route, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest } from 'express';
import { plantsOf } from '../services';
import { contentEtag } from '../http/etag';
import { prepareResponse, type PreparedResponse } from '../http/prepared';
import { sendPrepared } from '../http/send-prepared';
import { whileVersion } from '../plants/plants-query';
import type { ErrorDetail } from '../errors';

/**
 * A datamart's year.
 * @isInt
 */
type Year = number;

let lastYears: PreparedResponse | undefined;

/** The list as a prepared answer, tagged by its content (the last one is reused while it is unchanged). */
function preparedYears(years: number[]): PreparedResponse {
  const body = Buffer.from(JSON.stringify(years));
  if (!lastYears?.body.equals(body)) lastYears = prepareResponse(body, 'application/json; charset=utf-8', contentEtag(body), { vary: '' });
  return lastYears;
}

@Route('years')
@Tags('plants')
export class YearsController extends Controller {
  /** The years with a datamart, ascending. */
  @Get()
  @SuccessResponse(200, 'Years with a datamart, ascending')
  @Response<ErrorDetail>(503, 'The datamarts bucket is unreachable')
  public async listYears(@Request() req: ExpressRequest): Promise<Year[]> {
    const backend = plantsOf(req);
    const version = backend.currentVersion?.();
    return sendPrepared(req, preparedYears(await backend.years()), { earlyWhile: whileVersion(backend, version) });
  }
}

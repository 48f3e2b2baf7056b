import { Controller, Get, Request, Response, Route, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest } from 'express';
import { plantsOf } from '../services';
import type { ErrorDetail } from '../errors';

/**
 * A datamart's year.
 * @isInt
 */
type Year = number;

@Route('years')
@Tags('plants')
export class YearsController extends Controller {
  /** The years with a datamart, ascending. */
  @Get()
  @SuccessResponse(200, 'Years with a datamart, ascending')
  @Response<ErrorDetail>(503, 'The datamarts bucket is unreachable')
  public async listYears(@Request() req: ExpressRequest): Promise<Year[]> {
    return plantsOf(req).years();
  }
}

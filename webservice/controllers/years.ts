import { Controller, Get, Request, Response, Route, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest } from 'express';
import { plantsOf } from '../services';
import type { PlantsErrorBody } from '../plants/error-body';

@Route('years')
@Tags('plants')
export class YearsController extends Controller {
  /** The years with a datamart, ascending. */
  @Get()
  @Response<PlantsErrorBody>(503, 'The datamarts bucket is unreachable')
  public async listYears(@Request() req: ExpressRequest): Promise<number[]> {
    return plantsOf(req).years();
  }
}

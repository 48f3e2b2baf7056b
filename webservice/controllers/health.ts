import { Controller, Get, Request, Route, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest } from 'express';
import { servicesOf } from '../services';
import { HttpError } from '../errors';
import { errorMessage } from '../../core/log';

interface HealthStatus {
  status: 'ok';
  routes: string[];
}

@Route('health')
@Tags('service')
export class HealthController extends Controller {
  /** 200 when the service and every store its routes use are reachable, 503 otherwise. */
  @Get()
  public async health(@Request() req: ExpressRequest): Promise<HealthStatus> {
    const services = servicesOf(req);
    const checks = [services.plants?.ping(), services.imagers?.ping()].filter((p): p is Promise<void> => p !== undefined);
    try {
      await Promise.all(checks);
    } catch (err) {
      throw new HttpError(503, `A backing store is unreachable: ${errorMessage(err)}`);
    }
    return { status: 'ok', routes: services.config.routes };
  }
}

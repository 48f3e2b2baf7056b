/** The backends a running service uses, reachable from every request (app.locals). */
import type { Request } from 'express';
import type { ServiceConfig } from './config';
import type { ImagerBackend } from './imagers/backend';
import type { PlantsBackend } from './plants/backend';
import { HttpError } from './errors';

export interface Services {
  config: ServiceConfig;
  imagers?: ImagerBackend;
  plants?: PlantsBackend;
}

export function servicesOf(req: Request): Services {
  return req.app.locals.services as Services;
}

export function imagersOf(req: Request): ImagerBackend {
  const backend = servicesOf(req).imagers;
  if (!backend) throw new HttpError(404, 'Imager routes are not enabled on this service');
  return backend;
}

export function plantsOf(req: Request): PlantsBackend {
  const backend = servicesOf(req).plants;
  if (!backend) throw new HttpError(404, 'Plant routes are not enabled on this service');
  return backend;
}

/** The Express application: tsoa routes, OpenAPI document, Swagger UI, errors as {"detail"}. */
import express, { type NextFunction, type Request, type Response } from 'express';
import swaggerUi from 'swagger-ui-express';
import { ValidateError } from '@tsoa/runtime';
import { RegisterRoutes } from './generated/routes';
import openApiDocument from './generated/swagger.json';
import { HttpError, isStoreUnavailable } from './errors';
import type { Services } from './services';
import type { RouteGroup } from './config';
import { createLogger, errorMessage } from '../core/log';
import { corsMiddleware } from './http/cors';
import { compressionMiddleware } from './http/compression';
import { answerEarly, EarlyAnswers } from './http/early-answers';
import { pagesRouter } from './pages/router';

const log = createLogger('webservice');

/** The first path segment of each route group's routes. */
const GROUP_PREFIXES: Record<RouteGroup, string[]> = {
  plants: ['plants', 'states', 'years'],
  imagers: ['imagers', 'colormaps'],
};

function disabledPrefixes(enabled: RouteGroup[]): Set<string> {
  const disabled = new Set<string>();
  for (const [group, prefixes] of Object.entries(GROUP_PREFIXES) as [RouteGroup, string[]][]) {
    if (!enabled.includes(group)) prefixes.forEach((p) => disabled.add(p));
  }
  return disabled;
}

type OpenApiDocument = { paths: Record<string, unknown>; components?: Record<string, Record<string, unknown> | undefined> } & Record<string, unknown>;

const SCHEMA_REF = /"#\/components\/schemas\/([^"]+)"/g;

/** Names of the component schemas reachable from `root` through $refs. */
function referencedSchemas(root: unknown, schemas: Record<string, unknown>): Set<string> {
  const found = new Set<string>();
  const pending = [root];
  while (pending.length > 0) {
    for (const [, name] of JSON.stringify(pending.pop()).matchAll(SCHEMA_REF)) {
      if (name === undefined || found.has(name)) continue;
      found.add(name);
      pending.push(schemas[name]);
    }
  }
  return found;
}

/** The OpenAPI document restricted to the routes this deployment serves and the schemas they use. */
export function openApiFor(enabled: RouteGroup[]): OpenApiDocument {
  const disabled = disabledPrefixes(enabled);
  const doc = openApiDocument as unknown as OpenApiDocument;
  const paths = Object.fromEntries(Object.entries(doc.paths).filter(([p]) => !disabled.has(p.split('/')[1] ?? '')));
  const allSchemas = doc.components?.schemas ?? {};
  const used = referencedSchemas(paths, allSchemas);
  const schemas = Object.fromEntries(Object.entries(allSchemas).filter(([name]) => used.has(name)));
  // tsoa writes empty component maps; an empty securitySchemes still makes Swagger UI offer "Authorize".
  const components = Object.fromEntries(Object.entries({ ...doc.components, schemas }).filter(([, value]) => Object.keys(value ?? {}).length > 0));
  return { ...doc, paths, components };
}

function validationDetail(err: ValidateError): string {
  return Object.entries(err.fields)
    .map(([field, { message, value }]) => {
      const name = field.replace(/^[^.]*\./, '');
      const shown = value === undefined ? '' : ` (got ${JSON.stringify(value)})`;
      return `Invalid parameter ${name}: ${message}${shown}`;
    })
    .join('; ');
}

export function createApp(services: Services): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.locals.services = services;
  const early = new EarlyAnswers();
  app.locals.earlyAnswers = early;
  answerEarly(app, early);

  const cors = corsMiddleware(services.config.corsOrigins);
  if (cors) app.use(cors);
  app.use(compressionMiddleware());

  const disabled = disabledPrefixes(services.config.routes);
  app.use((req: Request, _res: Response, next: NextFunction) => {
    if (disabled.has(req.path.split('/')[1] ?? '')) return next(new HttpError(404, 'Not Found'));
    next();
  });

  const spec = openApiFor(services.config.routes);
  app.get('/openapi.json', (_req, res) => {
    res.json(spec);
  });
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(spec, { customSiteTitle: 'Serverless data lake API' }));

  app.use(pagesRouter({ dir: services.config.pagesDir, routes: services.config.routes, settings: { mapTilesUrl: services.config.mapTilesUrl } }));
  RegisterRoutes(app);

  app.use((_req: Request, _res: Response, next: NextFunction) => next(new HttpError(404, 'Not Found')));

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) {
      log.warn('error after response started', { path: req.path, error: errorMessage(err) });
      res.destroy();
      return;
    }
    if (err instanceof ValidateError) {
      res.status(400).json({ detail: validationDetail(err) });
    } else if (err instanceof HttpError) {
      res.status(err.status).json({ detail: err.detail });
    } else if (isStoreUnavailable(err)) {
      log.warn('backing store unavailable', { path: req.path, error: errorMessage(err) });
      res.status(503).json({ detail: 'A backing store is unavailable, try again later' });
    } else if (typeof err === 'object' && err !== null && 'status' in err && typeof err.status === 'number' && err.status >= 400 && err.status < 500) {
      // Errors raised by Express itself on malformed requests (bad URI encoding, ...).
      res.status(err.status).json({ detail: errorMessage(err) });
    } else {
      log.error('unhandled error', { path: req.path, error: errorMessage(err), stack: err instanceof Error ? err.stack : undefined });
      res.status(500).json({ detail: 'Internal error' });
    }
  });
  return app;
}

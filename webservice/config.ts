/** The service's configuration, from the environment (Ansible writes it to the service's env file). */
import { awsSettingsFromEnv, type AwsSettings } from '../core/aws/clients';
import { parseCorsOrigins } from './http/cors';

export const ROUTE_GROUPS = ['plants', 'imagers'] as const;
export type RouteGroup = (typeof ROUTE_GROUPS)[number];

export interface ServiceConfig {
  host: string;
  port: number;
  /** Which pipelines' routes this deployment serves. */
  routes: RouteGroup[];
  aws: AwsSettings;
  /** challenge-1: where the ETL writes Parquet datamarts. */
  datamartsBucket?: string;
  /** challenge-2: the imager table. */
  tableName?: string;
  cacheDir: string;
  cacheMaxBytes: number;
  cacheTtlSeconds: number;
  /** How often the datamart listing and ETags are revalidated against S3 (a rewrite is served within twice this). */
  datamartRevalidateSeconds: number;
  /** Frames may be up to this many ms old (default 1000: a re-ingest is served within a second); 0: a fresh catalog read per frame. */
  imagersMaxStalenessMs: number;
  /** Bytes frame answers may hold at once while encoded and sent (IMAGERS_MEMORY_BUDGET_MB); beyond it, 503. */
  imagersMemoryBudgetBytes: number;
  /** Origins allowed to read answers cross-origin (CORS_ORIGINS, comma-separated); empty: same origin only; `*`: any. */
  corsOrigins: string[];
  /** The built pages (PAGES_DIR; the bundle defaults to pages/ beside server.cjs); undefined: no pages. */
  pagesDir?: string;
  /** The map page's basemap tile URL template (MAP_TILES_URL); empty: state outlines only. */
  mapTilesUrl: string;
}

function intFrom(env: NodeJS.ProcessEnv, key: string, fallback: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`configuration ${key} must be a non-negative integer, got "${raw}"`);
  return value;
}

export function serviceConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const routes = (env.SERVICE_ROUTES ?? 'plants,imagers')
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  for (const r of routes) {
    if (!(ROUTE_GROUPS as readonly string[]).includes(r)) throw new Error(`configuration SERVICE_ROUTES: unknown route group "${r}" (known: ${ROUTE_GROUPS.join(', ')})`);
  }
  return {
    host: env.HOST || '127.0.0.1',
    port: intFrom(env, 'PORT', 8080),
    routes: routes as RouteGroup[],
    aws: awsSettingsFromEnv(env),
    datamartsBucket: env.DATAMARTS_BUCKET || undefined,
    tableName: env.TABLE_NAME || undefined,
    cacheDir: env.CACHE_DIR || 'cache',
    cacheMaxBytes: intFrom(env, 'CACHE_MAX_BYTES', 256 * 1024 * 1024),
    cacheTtlSeconds: intFrom(env, 'CACHE_TTL_SECONDS', 24 * 3600),
    datamartRevalidateSeconds: intFrom(env, 'DATAMART_REVALIDATE_SECONDS', 30),
    imagersMaxStalenessMs: intFrom(env, 'IMAGERS_MAX_STALENESS_MS', 1000),
    imagersMemoryBudgetBytes: intFrom(env, 'IMAGERS_MEMORY_BUDGET_MB', 64) * 1024 * 1024,
    corsOrigins: parseCorsOrigins(env.CORS_ORIGINS),
    pagesDir: env.PAGES_DIR || undefined,
    mapTilesUrl: env.MAP_TILES_URL ?? '',
  };
}

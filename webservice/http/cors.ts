/**
 * CORS from the `cors_origins` setting (CORS_ORIGINS in the service's environment), through the cors
 * package. Empty (the default): no CORS headers at all, so browsers allow same-origin use only. `*`: any
 * origin, only when set explicitly. Otherwise the listed origins (`https://example.org`), each echoed
 * back to a request that comes from it, with `Vary: Origin`.
 */
import cors from 'cors';
import type { RequestHandler } from 'express';

/** Data answers carry tags clients revalidate with; let cross-origin scripts read them. */
const EXPOSED_HEADERS = ['ETag'];

export function corsMiddleware(origins: readonly string[]): RequestHandler | undefined {
  if (origins.length === 0) return undefined;
  const origin = origins.includes('*') ? '*' : [...origins];
  return cors({ origin, methods: ['GET', 'HEAD'], exposedHeaders: EXPOSED_HEADERS, maxAge: 600 });
}

/** `a, b` or `a,b` → ['a', 'b']; each origin must be `*` or scheme://host[:port] with nothing after. */
export function parseCorsOrigins(raw: string | undefined): string[] {
  const origins = (raw ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  for (const origin of origins) {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new Error(`configuration CORS_ORIGINS: "${origin}" is not an origin (expected * or scheme://host[:port], no path)`);
    }
  }
  return origins;
}

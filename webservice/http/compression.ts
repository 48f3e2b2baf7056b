/**
 * Compression of answers that are not prepared (JSON frames, /openapi.json, page assets, Swagger UI),
 * with the compression middleware: gzip or brotli by Accept-Encoding, `Vary: Accept-Encoding`. Prepared
 * answers set their own Content-Encoding, which the middleware leaves alone; PNG and other incompressible
 * types are never recompressed (the middleware only compresses types the compressible database lists).
 */
import compression from 'compression';
import { constants as zlibConstants } from 'node:zlib';
import type { RequestHandler } from 'express';

export function compressionMiddleware(): RequestHandler {
  return compression({
    threshold: 1024,
    // Answers are compressed per request here: favour speed (the prepared ones get the dense settings).
    level: 6,
    brotli: { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 5 } },
    filter: (req, res) => !/^image\//.test(String(res.getHeader('Content-Type') ?? '')) && compression.filter(req, res),
  });
}

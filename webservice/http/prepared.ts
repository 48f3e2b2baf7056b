/**
 * Prepared responses: an answer serialised once (a cached datamart view, a well's frame list...) with its
 * strong ETag, compressed once per coding on first demand and kept with it, then written in one call:
 *
 * - `If-None-Match` naming the current tag → 304 with no body;
 * - otherwise 200 with the body in the coding `Accept-Encoding` asks for (brotli, gzip, identity), for
 *   compressible types only (JSON, GeoJSON, text; a PNG is sent as it is);
 * - always `ETag`, `Cache-Control: no-cache` (clients revalidate, and get 304s) and `Vary`.
 *
 * Usable from a tsoa controller (send-prepared.ts, which also documents the body type) and from the early
 * path (early-answers.ts), which writes the same bytes for a request already answered once.
 */
import { brotliCompress, constants as zlibConstants, gzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { codedEtag, ifNoneMatchHits } from './etag';
import { negotiateCoding, type ContentCoding } from './encoding';

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** Below this many bytes compression saves less than its header costs. */
const MIN_COMPRESSED_BYTES = 1024;
/** Brotli quality: 11 (densest) is slow on megabytes; 9 keeps a first compression of the 3 MB ranking under ~0.3 s. */
const BROTLI_QUALITY = (bytes: number): number => (bytes <= 256 * 1024 ? 11 : 9);

const COMPRESSIBLE = /^(?:application\/(?:[\w.+-]*\+)?json|text\/|application\/javascript|image\/svg\+xml)/;

export interface PreparedResponse {
  readonly contentType: string;
  /** The entity's strong tag (the identity coding's). */
  readonly etag: string;
  readonly body: Buffer;
  /** Headers the answer varies on besides Accept-Encoding (e.g. Accept for a negotiated format). */
  readonly vary: string;
  /** The coded body if it is ready, undefined while it is not (then `coded` makes it). */
  ready(coding: ContentCoding): Buffer | undefined;
  coded(coding: ContentCoding): Promise<Buffer>;
  /** Bytes held: the body and the codings made so far. */
  readonly bytes: number;
}

export interface PrepareOptions {
  /** Request headers other than Accept-Encoding the answer depends on; default "Accept", "" for none. */
  vary?: string;
}

export function prepareResponse(body: Buffer, contentType: string, etag: string, options: PrepareOptions = {}): PreparedResponse {
  const compressible = body.length >= MIN_COMPRESSED_BYTES && COMPRESSIBLE.test(contentType);
  const done = new Map<ContentCoding, Buffer>([['identity', body]]);
  const pending = new Map<ContentCoding, Promise<Buffer>>();
  const encode = (coding: ContentCoding): Promise<Buffer> => {
    if (coding === 'br') {
      return brotli(body, {
        params: { [zlibConstants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY(body.length), [zlibConstants.BROTLI_PARAM_SIZE_HINT]: body.length, [zlibConstants.BROTLI_PARAM_MODE]: zlibConstants.BROTLI_MODE_TEXT },
      });
    }
    return gzipAsync(body, { level: 9 });
  };
  const varyHeaders = compressible ? [options.vary ?? 'Accept', 'Accept-Encoding'].filter(Boolean).join(', ') : (options.vary ?? 'Accept');
  return {
    contentType,
    etag,
    body,
    vary: varyHeaders,
    ready: (coding) => done.get(compressible ? coding : 'identity'),
    coded(coding) {
      const wanted = compressible ? coding : 'identity';
      const have = done.get(wanted);
      if (have) return Promise.resolve(have);
      let making = pending.get(wanted);
      if (!making) {
        making = encode(wanted).then((coded) => {
          done.set(wanted, coded);
          pending.delete(wanted);
          return coded;
        });
        pending.set(wanted, making);
      }
      return making;
    },
    get bytes() {
      let total = 0;
      for (const buffer of done.values()) total += buffer.length;
      return total;
    },
  };
}

/** The coding this request gets for this prepared answer (identity for incompressible ones). */
export function codingFor(req: IncomingMessage, prepared: PreparedResponse): ContentCoding {
  return prepared.vary.includes('Accept-Encoding') ? negotiateCoding(req.headers) : 'identity';
}

/** `own` added to a Vary already decided elsewhere (e.g. Origin, by the CORS middleware). */
export function mergedVary(earlier: OutgoingHttpHeaders[string], own: string): string {
  return earlier === undefined || earlier === '' ? own : `${String(earlier)}, ${own}`;
}

function headersOf(prepared: PreparedResponse, coding: ContentCoding, extra: OutgoingHttpHeaders | undefined): OutgoingHttpHeaders {
  const vary = mergedVary(extra?.vary ?? extra?.Vary, prepared.vary);
  const headers: OutgoingHttpHeaders = { ...extra, ETag: codedEtag(prepared.etag, coding), 'Cache-Control': 'no-cache' };
  delete headers.vary;
  if (vary) headers.Vary = vary;
  return headers;
}

/**
 * Writes the answer with a body already coded (or a 304); `extra` are headers already decided elsewhere
 * (CORS). Returns false, writing nothing, when the wanted coding is not ready yet.
 */
export function writePreparedNow(req: IncomingMessage, res: ServerResponse, prepared: PreparedResponse, extra?: OutgoingHttpHeaders): boolean {
  const coding = codingFor(req, prepared);
  if (ifNoneMatchHits(req.headers, prepared.etag)) {
    res.writeHead(304, headersOf(prepared, coding, extra));
    res.end();
    return true;
  }
  const body = prepared.ready(coding);
  if (!body) return false;
  const headers = headersOf(prepared, coding, extra);
  headers['Content-Type'] = prepared.contentType;
  headers['Content-Length'] = body.length;
  if (coding !== 'identity') headers['Content-Encoding'] = coding;
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
  return true;
}

/** Writes the answer, compressing it first if this coding was never asked for. */
export async function writePrepared(req: IncomingMessage, res: ServerResponse, prepared: PreparedResponse, extra?: OutgoingHttpHeaders): Promise<void> {
  if (writePreparedNow(req, res, prepared, extra)) return;
  await prepared.coded(codingFor(req, prepared));
  writePreparedNow(req, res, prepared, extra);
}

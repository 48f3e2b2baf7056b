/**
 * Sending a frame: strong ETag (the well's ingest version + the resolved query + the format) and 304;
 * then either
 * - a small answer (most viewer tiles): encoded whole as a prepared response (http/prepared.ts: each
 *   coding compressed once and kept), remembered for the early path while the well's version is the one
 *   the store would serve, so a repeated tile costs about what writing its bytes costs;
 * - a large one: encoded as a stream within the service's memory budget. JSON is produced in chunks of
 *   whole rows, pulled only when the previous chunk has been taken (a slow client holds a few chunks, not
 *   14.5 MB of text), compressed on the way (gzip or brotli by Accept-Encoding, small windows); a PNG is
 *   encoded at once (deflated in parallel parts off the main thread, core/imaging/png.ts) and written
 *   part by part. The reservation is given back when the response closes, sent whole or abandoned.
 *   Beyond the budget: 503 with Retry-After.
 */
import { Readable, pipeline, type Transform } from 'node:stream';
import { constants as zlib, createBrotliCompress, createGzip } from 'node:zlib';
import type { Request, Response } from 'express';
import { FRAME_JSON_CHUNK_BYTES, frameJson, frameJsonBody, type FrameJsonHeader } from '../../core/imaging/frame-json';
import { framePng, framePngParts } from '../../core/imaging/frame-png';
import type { ColorMapping } from '../../core/imaging/render';
import type { ImageFrame } from '../../core/well/types';
import { createLogger, errorMessage } from '../../core/log';
import { HttpError } from '../errors';
import { negotiateCoding, type ContentCoding } from '../http/encoding';
import { codedEtag, ifNoneMatchHits } from '../http/etag';
import { mergedVary, prepareResponse } from '../http/prepared';
import { sendPrepared } from '../http/send-prepared';
import type { MemoryBudget } from './memory-budget';

const log = createLogger('imagers');

export interface FrameToSend {
  frame: ImageFrame;
  mapping: ColorMapping | undefined;
  /** The JSON answer's header; undefined for a PNG. */
  json: FrameJsonHeader | undefined;
  etag: string;
  /** While this holds, the answer may be given again without asking the store (see send-prepared.ts). */
  earlyWhile: (() => boolean) | undefined;
}

/** Answers up to about this many bytes are encoded whole and kept as prepared responses. */
export const SMALL_ANSWER_BYTES = 256 * 1024;
/**
 * What a streamed JSON answer is counted as holding: a few chunks (one being written, one buffered, one
 * taken by the socket) and the response's own buffers and objects, rounded up. It also bounds the
 * answers encoded at once (64 MiB: 64 whole wells), which keeps each one's time reasonable.
 */
const STREAMED_JSON_BYTES = 1024 * 1024;
/** What a compressor holds: its window and buffers (brotli's window is set to 2^18 bytes below; a PNG's parallel deflaters, 4 × ~256 KiB). */
const COMPRESSOR_BYTES = 1024 * 1024;
export const RETRY_AFTER_SECONDS = 1;

const PNG_TYPE = 'image/png';
const JSON_TYPE = 'application/json; charset=utf-8';

/** Bytes of the encoded answer at most (JSON: the longest text per value, `[255,255,255,255]`, plus a comma). */
function sizeAtMost(send: FrameToSend): number {
  const values = send.frame.pixels.length;
  if (!send.json) return values * (send.mapping ? 3 : 1) + 1024;
  return values * (send.mapping ? 18 : 4) + send.json.depths.length * 8 + 1024;
}

function reserve(budget: MemoryBudget, res: Response, bytes: number): void {
  const release = budget.reserve(bytes);
  if (!release) {
    res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
    const mib = (budget.maxBytes / 1024 / 1024).toFixed(0);
    throw new HttpError(503, `The service is answering as many large frames as its memory budget allows (${mib} MiB); retry in ${RETRY_AFTER_SECONDS} s`);
  }
  res.once('close', release);
}

function compressor(coding: ContentCoding): Transform | undefined {
  if (coding === 'gzip') return createGzip({ level: 4, memLevel: 8 });
  if (coding === 'br') return createBrotliCompress({ params: { [zlib.BROTLI_PARAM_QUALITY]: 4, [zlib.BROTLI_PARAM_LGWIN]: 18, [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT } });
  return undefined;
}

/** A frame's Vary, after what the CORS middleware already put there (Origin). */
function frameVary(res: Response, json: boolean): string {
  return mergedVary(res.getHeader('Vary'), json ? 'Accept, Accept-Encoding' : 'Accept');
}

function notModified(req: Request, res: Response, send: FrameToSend): boolean {
  if (!ifNoneMatchHits(req.headers, send.etag)) return false;
  const coding = send.json ? negotiateCoding(req.headers) : 'identity';
  res.writeHead(304, { ETag: codedEtag(send.etag, coding), 'Cache-Control': 'no-cache', Vary: frameVary(res, send.json !== undefined) });
  res.end();
  return true;
}

async function streamLarge(req: Request, res: Response, budget: MemoryBudget, send: FrameToSend): Promise<void> {
  const { frame, mapping, json } = send;
  const coding = json ? negotiateCoding(req.headers) : 'identity';
  const compress = compressor(coding);
  const headers: Record<string, string> = { ETag: codedEtag(send.etag, coding), 'Cache-Control': 'no-cache', Vary: frameVary(res, json !== undefined) };
  if (json) {
    reserve(budget, res, STREAMED_JSON_BYTES + (compress ? COMPRESSOR_BYTES : 0));
    const { size, chunks } = frameJsonBody(json, frame, mapping);
    Object.assign(headers, { 'Content-Type': JSON_TYPE }, compress ? { 'Content-Encoding': coding } : { 'Content-Length': String(size) });
    res.writeHead(200, headers);
    const body = Readable.from(chunks, { objectMode: false, highWaterMark: FRAME_JSON_CHUNK_BYTES });
    const done = (err: Error | null | undefined): void => {
      if (err && err.name !== 'AbortError' && (err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') log.warn('frame stream failed', { path: req.path, error: errorMessage(err) });
    };
    if (compress) pipeline(body, compress, res, done);
    else pipeline(body, res, done);
    return;
  }
  // The image's scanlines, the deflaters' output buffers (as large as their parts), the level-0 copy whose trailer is the checksum, and the deflaters' own state.
  reserve(budget, res, 3 * sizeAtMost(send) + COMPRESSOR_BYTES);
  const png = await framePngParts(frame, mapping);
  if (res.destroyed) return;
  const length = png.reduce((sum, part) => sum + part.length, 0);
  res.writeHead(200, { ...headers, 'Content-Type': PNG_TYPE, 'Content-Length': String(length) });
  res.cork(); // one write of the small chunk heads and CRCs with the parts, not one each
  for (const part of png) res.write(part);
  res.uncork();
  res.end();
}

/** Writes the answer (or a 304, or throws a 503 beyond the memory budget). */
export async function sendFrame(req: Request, budget: MemoryBudget, send: FrameToSend): Promise<void> {
  const res = req.res;
  if (!res) throw new Error('the request has no response to write to');
  if (notModified(req, res, send)) return;
  if (sizeAtMost(send) > SMALL_ANSWER_BYTES) return streamLarge(req, res, budget, send);
  const body = send.json ? frameJson(send.json, send.frame, send.mapping) : await framePng(send.frame, send.mapping);
  const prepared = prepareResponse(body, send.json ? JSON_TYPE : PNG_TYPE, send.etag, { vary: 'Accept' });
  await sendPrepared(req, prepared, { earlyWhile: send.earlyWhile });
}

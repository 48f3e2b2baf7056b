/**
 * The body of a frame answer, encoded within the service's memory budget: JSON streamed in chunks of
 * whole rows (a stream pulls the next chunk only when the previous one has been taken, so a slow client
 * holds a few chunks, not the whole text), PNG encoded at once. The reservation is given back when the
 * response closes, whether it was sent whole or the client went away.
 */
import { Readable } from 'node:stream';
import type { Response } from 'express';
import { FRAME_JSON_CHUNK_BYTES, frameJsonBody, type FrameJsonHeader } from '../../core/imaging/frame-json';
import { encodePng } from '../../core/imaging/png';
import { renderRgb, type ColorMapping } from '../../core/imaging/render';
import type { ImageFrame } from '../../core/well/types';
import { HttpError } from '../errors';
import type { MemoryBudget } from './memory-budget';

export interface FrameAnswer {
  contentType: string;
  size: number;
  body: Readable;
}

/** Chunks a streamed JSON answer holds at most: one being written, one buffered, one taken by the socket. */
const JSON_CHUNKS_HELD = 3;
export const RETRY_AFTER_SECONDS = 1;

function reserve(budget: MemoryBudget, res: Response, bytes: number): void {
  const release = budget.reserve(bytes);
  if (!release) {
    res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
    const mib = (budget.maxBytes / 1024 / 1024).toFixed(0);
    throw new HttpError(503, `The service is answering as many large frames as its memory budget allows (${mib} MiB); retry in ${RETRY_AFTER_SECONDS} s`);
  }
  res.once('close', release);
}

export function jsonFrameAnswer(budget: MemoryBudget, res: Response, header: FrameJsonHeader, frame: ImageFrame, mapping: ColorMapping | undefined): FrameAnswer {
  const { size, chunks } = frameJsonBody(header, frame, mapping);
  reserve(budget, res, Math.min(size, JSON_CHUNKS_HELD * FRAME_JSON_CHUNK_BYTES));
  return { contentType: 'application/json; charset=utf-8', size, body: Readable.from(chunks, { objectMode: false, highWaterMark: FRAME_JSON_CHUNK_BYTES }) };
}

export function pngFrameAnswer(budget: MemoryBudget, res: Response, frame: ImageFrame, mapping: ColorMapping | undefined): FrameAnswer {
  const rows = frame.depthsTenths.length;
  const channels = mapping ? 3 : 1;
  // The image to encode, its filtered copy inside the encoder, and the encoded file (at most about as large).
  reserve(budget, res, 3 * rows * frame.width * channels);
  const png = mapping ? encodePng(frame.width, rows, renderRgb(frame, mapping), 'rgb') : encodePng(frame.width, rows, frame.pixels, 'grey');
  return { contentType: 'image/png', size: png.length, body: Readable.from([png]) };
}

/**
 * A controller's way to answer with a prepared response (prepared.ts): 304 or the coded body, written in
 * one call. With `earlyWhile`, the answer is also remembered for the early path (early-answers.ts): the
 * same request is then answered before Express for as long as `earlyWhile()` holds, so it must be true
 * exactly while the data version the answer was prepared from is the one this path would use.
 *
 * The return value is a placeholder: tsoa finds the response already sent and ignores it. It is typed as
 * the body that was sent, so the controller's return type, from which tsoa writes the OpenAPI response
 * schema, documents it.
 */
import type { Request } from 'express';
import type { EarlyAnswers } from './early-answers';
import { writePrepared, type PreparedResponse } from './prepared';

export interface SendOptions {
  /** Remember the answer for the early path while this returns true (it must be cheap and synchronous). */
  earlyWhile?: () => boolean;
}

export async function sendPrepared<Documented>(req: Request, prepared: PreparedResponse, options: SendOptions = {}): Promise<Documented> {
  const res = req.res;
  if (!res) throw new Error('the request has no response to write to');
  // Headers middleware already set (CORS) are kept.
  await writePrepared(req, res, prepared, res.getHeaders());
  const early = req.app.locals.earlyAnswers as EarlyAnswers | undefined;
  if (options.earlyWhile && early) early.remember(req, prepared, options.earlyWhile);
  return undefined as Documented;
}

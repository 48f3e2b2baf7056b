import { Controller, Get, Request, Route, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest } from 'express';
import { COLORMAP_NAMES } from '../../core/imaging/colormap';
import { contentEtag } from '../http/etag';
import { prepareResponse } from '../http/prepared';
import { sendPrepared } from '../http/send-prepared';

const NAMES_BODY = Buffer.from(JSON.stringify(COLORMAP_NAMES));
/** The names never change while the service runs: one prepared answer, given early every time after the first. */
const PREPARED_NAMES = prepareResponse(NAMES_BODY, 'application/json; charset=utf-8', contentEtag(NAMES_BODY), { vary: '' });

@Route('colormaps')
@Tags('imagers')
export class ColormapsController extends Controller {
  /**
   * Names accepted by `colormap=` on GET /imagers/{well_id}: matplotlib's maps, each also reversed (`_r`).
   * Custom maps go in `colors=` instead.
   */
  @Get()
  public async listColormaps(@Request() req: ExpressRequest): Promise<string[]> {
    return sendPrepared(req, PREPARED_NAMES, { earlyWhile: () => true });
  }
}

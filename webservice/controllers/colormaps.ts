import { Controller, Get, Route, Tags } from '@tsoa/runtime';
import { COLORMAP_NAMES } from '../../core/imaging/colormap';

@Route('colormaps')
@Tags('imagers')
export class ColormapsController extends Controller {
  /**
   * Names accepted by `colormap=` on GET /imagers/{well_id}: matplotlib's maps, each also reversed (`_r`).
   * Custom maps go in `colors=` instead.
   */
  @Get()
  public async listColormaps(): Promise<string[]> {
    return [...COLORMAP_NAMES];
  }
}

/**
 * The well viewer (GET /viewer, SPEC §5.4): picks a well from GET /imagers, shows its image log as a
 * strip of PNG tiles from GET /imagers/{well}, with a depth axis, a colour scale and the form. The page
 * URL's query sets the view and follows it (history.replaceState), so a link shows the same view.
 * Data comes only from the public API.
 */
import './viewer.css';
import { getJson } from '../common/get-json';
import { Controls } from './controls';
import { Legend, tableOf, type WellValues } from './legend';
import { depthText, Strip } from './strip';
import { clampView, queryOfState, stateFromQuery, type ViewState, type WellRange } from './view-state';

type Well = WellRange & WellValues;

function problemOf(state: ViewState): string | undefined {
  if (state.normalize === 'fixed' && !(state.vmin >= 0 && state.vmax <= 255 && state.vmin < state.vmax)) return 'The fixed window needs 0 ≤ min value < max value ≤ 255.';
  if (state.colormap === undefined && !tableOf(state)) return 'The custom colour stops are not a valid map: positions from 0 to 1, the first 0 and the last 1.';
  return undefined;
}

async function start(app: HTMLElement): Promise<void> {
  const [wells, colormaps] = await Promise.all([getJson<Well[]>('/imagers'), getJson<string[]>('/colormaps')]);
  if (wells.length === 0) {
    app.textContent = 'No well has been ingested yet.';
    return;
  }
  let state = stateFromQuery(new URLSearchParams(location.search), wells)!;
  const wellOf = (id: string): Well => wells.find((w) => w.well_id === id) ?? wells[0]!;

  app.replaceChildren();
  const status = document.createElement('p');
  status.className = 'status';
  status.setAttribute('role', 'status');
  let tilesText = '';
  let problem: string | undefined;
  const showStatus = (): void => {
    status.textContent = problem ?? `${state.well}: ${depthText(state.minDepth)}–${depthText(state.maxDepth)} ft${tilesText}`;
    status.classList.toggle('error', problem !== undefined);
  };

  const set = (next: ViewState): void => {
    const well = wellOf(next.well);
    const span = state.maxDepth - state.minDepth;
    const [min, max] = Number.isNaN(next.minDepth) ? [well.min_depth, well.min_depth + span] : [next.minDepth, next.maxDepth];
    const candidate = { ...next, well: well.well_id, ...clampView(well, min, Math.max(min, max)) };
    problem = problemOf(candidate);
    if (problem === undefined) state = candidate;
    render();
  };

  const controls = new Controls(app, wells, colormaps, {
    onChange: set,
    onMove: (share) => {
      const feet = (state.maxDepth - state.minDepth) * share;
      set({ ...state, minDepth: state.minDepth + feet, maxDepth: state.maxDepth + feet });
    },
    onZoom: (factor) => strip.zoom(factor),
  });
  const view = document.createElement('div');
  view.className = 'view';
  app.append(view);
  const header = document.createElement('div');
  header.className = 'axis-title';
  header.textContent = 'Depth (ft)';
  view.appendChild(header);
  const strip = new Strip(view, {
    onView: (minDepth, maxDepth) => set({ ...state, minDepth, maxDepth }),
    onTiles: (loading, failed) => {
      tilesText = failed > 0 ? ` · ${failed} tile${failed > 1 ? 's' : ''} could not be loaded` : loading > 0 ? ` · loading ${loading} tile${loading > 1 ? 's' : ''}` : '';
      showStatus();
    },
  });
  const legend = new Legend(view);
  app.appendChild(status);

  function render(): void {
    const well = wellOf(state.well);
    controls.show(state);
    strip.draw(state, well);
    legend.draw(state, well);
    showStatus();
    const query = `?${queryOfState(state).toString()}`;
    if (query !== location.search) history.replaceState(null, '', query);
  }
  render();
}

const app = document.getElementById('app');
if (app) {
  start(app).catch((err: unknown) => {
    app.textContent = `The viewer could not start: ${err instanceof Error ? err.message : String(err)}`;
  });
}

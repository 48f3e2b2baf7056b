/**
 * The map page (GET /map): the US with state outlines, the top N plants of a year as circles sized by
 * annual net generation and coloured by fuel, a legend, a list of the same plants, and controls named as
 * the API's parameters whose values the page URL carries. Everything comes from this service's public API.
 */
import 'leaflet/dist/leaflet.css';
import './map.css';
import L from 'leaflet';
import { fetchDetails, fetchFuels, fetchPlantsToDraw, fetchStates, fetchYears, isTwoStep, type MapPlant, type PlantDetails, type PlantsQuery } from './api';
import { createControls, DEFAULT_TOP_N, queryFromUrl, urlFor } from './controls';
import { createLegend } from './legend';
import { drawOutlines, type Outlines } from './outlines';
import { createPlantList } from './plant-list';
import { createPlantsLayer } from './plants-layer';
import { readSettings } from './settings';
import { describeSelection } from './status';
import { stateName } from './us-states';

/** The contiguous states; Alaska, Hawaii and Puerto Rico are a pan or a state choice away. */
const US_BOUNDS = L.latLngBounds([24.4, -125.0], [49.4, -66.9]);

function layout(): { header: HTMLElement; mapElement: HTMLElement; aside: HTMLElement; status: HTMLElement } {
  const app = document.getElementById('app');
  if (!app) throw new Error('the page has no #app element');
  const header = document.createElement('header');
  const title = document.createElement('h1');
  title.textContent = 'US power plants by annual net generation';
  header.append(title);
  const status = document.createElement('p');
  status.className = 'status';
  status.setAttribute('role', 'status');
  status.setAttribute('aria-live', 'polite');
  const mapElement = document.createElement('div');
  mapElement.id = 'map';
  mapElement.setAttribute('aria-label', 'Map of the plants');
  const aside = document.createElement('aside');
  app.replaceChildren(header, status, mapElement, aside);
  return { header, mapElement, aside, status };
}

async function start(): Promise<void> {
  // The data before the map's set-up: a link naming its year starts fetching its plants at once, beside
  // /years (which decides below whether that year exists).
  const requested = queryFromUrl(location.search);
  const firstQuery = (year: number): PlantsQuery => ({
    year,
    state: requested.state,
    topN: requested.topN === 'all' ? undefined : (requested.topN ?? DEFAULT_TOP_N),
    fuel: requested.fuel,
  });
  let early: Promise<MapPlant[]> | undefined = requested.year !== undefined ? fetchPlantsToDraw(firstQuery(requested.year)) : undefined;
  early?.catch(() => undefined); // a year that does not exist: /years decides below
  const yearsAnswer = fetchYears();
  const settings = readSettings();
  const { header, mapElement, aside, status } = layout();
  const controls = createControls();
  header.append(controls.form);

  const map = L.map(mapElement, { zoomSnap: 0.25, minZoom: 2, maxZoom: 14 });
  // Where the map looks, for people using assistive tools and for the tests.
  map.on('moveend', () => {
    const center = map.getCenter();
    mapElement.dataset.zoom = map.getZoom().toFixed(2);
    mapElement.dataset.center = `${center.lat.toFixed(3)},${center.lng.toFixed(3)}`;
  });
  // The legend sits where east-coast plants' popups open: it steps aside while a popup is open.
  map.on('popupopen', () => mapElement.classList.add('popup-open'));
  map.on('popupclose', () => mapElement.classList.remove('popup-open'));
  map.fitBounds(US_BOUNDS);
  if (settings.mapTilesUrl) L.tileLayer(settings.mapTilesUrl, { maxZoom: 18 }).addTo(map);
  map.attributionControl.setPrefix('Leaflet · outlines: US Census Bureau (us-atlas) · data: EPA eGRID');
  const outlines: Promise<Outlines | undefined> = drawOutlines(map).catch((err: unknown) => {
    console.warn('state outlines unavailable', err);
    return undefined;
  });
  const plantsLayer = createPlantsLayer(map);
  const legend = createLegend(map);
  const list = createPlantList((id) => {
    if (plantsLayer.show(id)) mapElement.scrollIntoView({ block: 'nearest' });
  });
  aside.append(list.element);

  const years = await yearsAnswer;
  if (years.length === 0) {
    status.textContent = 'No data yet: run the ETL (make preprocess) first.';
    return;
  }
  let query = firstQuery(requested.year !== undefined && years.includes(requested.year) ? requested.year : years.at(-1)!);
  if (query.year !== requested.year) early = undefined;
  controls.setYears(years, query.year);
  controls.setTopN(query.topN);

  let loading: AbortController | undefined;
  const zoomTo = async (state: string): Promise<void> => {
    if (!state) return void map.flyToBounds(US_BOUNDS, { duration: 0.4 });
    const bounds = (await outlines)?.boundsOf(stateName(state)) ?? plantsLayer.bounds();
    if (bounds) map.flyToBounds(bounds, { padding: [16, 16], duration: 0.4, maxZoom: 9 });
  };

  /** The details of a large selection, added to its plants; those the answer lacks keep none. */
  const addDetails = (plants: MapPlant[], details: ReadonlyMap<number, PlantDetails>): void => {
    for (const plant of plants) Object.assign(plant, details.get(plant.plant_id));
  };

  const load = async (zoom: boolean): Promise<void> => {
    loading?.abort();
    const controller = (loading = new AbortController());
    mapElement.dataset.state = 'loading';
    status.textContent = 'Loading…';
    try {
      const plants = await (early ?? fetchPlantsToDraw(query, controller.signal));
      early = undefined;
      if (controller.signal.aborted) return;
      performance.mark('plants-fetched');
      const drawn = plantsLayer.draw(plants);
      legend.update(plants, plantsLayer.largest());
      const described = describeSelection(query, plants.length, drawn.length);
      mapElement.dataset.plantsDrawn = String(drawn.length);
      performance.mark('plants-drawn');
      const zoomed = zoom ? zoomTo(query.state) : Promise.resolve();
      // A large selection was drawn from what drawing needs; names, states and shares come now, after the draw.
      if (isTwoStep(query)) {
        status.textContent = `${described} Loading the plants’ names…`;
        list.waitForNames(plants.length);
        addDetails(plants, await fetchDetails(query, controller.signal));
        if (controller.signal.aborted) return;
        plantsLayer.refreshOpenPopup();
      }
      status.textContent = described;
      await list.update(plants, new Set(drawn.map((p) => p.plant_id)));
      await zoomed;
      if (controller.signal.aborted) return;
      performance.mark('plants-complete');
      mapElement.dataset.state = 'ready';
    } catch (err) {
      if (controller.signal.aborted) return;
      mapElement.dataset.state = 'error';
      status.textContent = `Could not load the plants: ${err instanceof Error ? err.message : String(err)}`;
    }
  };

  const loadChoices = async (): Promise<void> => {
    const [states, fuels] = await Promise.all([fetchStates(query.year), fetchFuels(query.year)]);
    controls.setStates(states, query.state);
    controls.setFuels(fuels, query.fuel);
  };

  const apply = async (next: PlantsQuery, how: { push: boolean }): Promise<void> => {
    const previous = query;
    query = next;
    if (how.push) history.pushState(null, '', urlFor(query));
    const choices = next.year !== previous.year ? loadChoices() : Promise.resolve();
    await Promise.all([load(next.state !== previous.state), choices]);
  };

  controls.form.addEventListener('change', () => void apply(controls.read(), { push: true }));
  window.addEventListener('popstate', () => {
    const back = queryFromUrl(location.search);
    const next: PlantsQuery = { year: back.year ?? query.year, state: back.state, topN: back.topN === 'all' ? undefined : (back.topN ?? DEFAULT_TOP_N), fuel: back.fuel };
    controls.setYears(years, next.year);
    controls.setTopN(next.topN);
    void apply(next, { push: false }).then(() => {
      controls.setYears(years, next.year);
    });
  });

  history.replaceState(null, '', urlFor(query));
  await Promise.all([load(query.state !== ''), loadChoices()]);
}

start().catch((err: unknown) => {
  console.error(err);
  const status = document.querySelector('.status') ?? document.body;
  status.textContent = `The map could not start: ${err instanceof Error ? err.message : String(err)}`;
});

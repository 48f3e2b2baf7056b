/**
 * The controls: a form whose fields are named as the API's parameters (year, state, top_n, fuel). The
 * page URL's query sets them on load and follows every change (a link can be sent), without reloading.
 */
import { stateName } from './us-states';
import { fuelName } from './fuel-style';
import { formatCount } from './format';
import type { FuelTotal, PlantsQuery, StateTotal } from './api';

export const DEFAULT_TOP_N = 100;
export const MAX_TOP_N = 100000;

/** What the URL asks for; fields absent or invalid are left to the defaults. */
export interface RequestedQuery {
  year?: number;
  state: string;
  /** undefined: the default; 'all': every plant. */
  topN?: number | 'all';
  fuel: string;
}

export function queryFromUrl(search: string): RequestedQuery {
  const params = new URLSearchParams(search);
  const year = Number(params.get('year'));
  const state = (params.get('state') ?? '').toUpperCase();
  const fuel = (params.get('fuel') ?? '').toUpperCase();
  const rawTopN = params.get('top_n');
  const topN = Number(rawTopN);
  return {
    year: Number.isInteger(year) && year > 0 ? year : undefined,
    state: /^[A-Z]{2}$/.test(state) ? state : '',
    fuel: /^[A-Z][A-Z0-9_-]{0,31}$/.test(fuel) ? fuel : '',
    topN: rawTopN === 'all' || rawTopN === '' ? 'all' : Number.isInteger(topN) && topN >= 1 && topN <= MAX_TOP_N ? topN : undefined,
  };
}

/** The page URL for a query: only what differs from nothing, top_n=all for every plant. */
export function urlFor(query: PlantsQuery): string {
  const params = new URLSearchParams({ year: String(query.year) });
  if (query.state) params.set('state', query.state);
  params.set('top_n', query.topN === undefined ? 'all' : String(query.topN));
  if (query.fuel) params.set('fuel', query.fuel);
  return `${location.pathname}?${params.toString()}`;
}

export interface Controls {
  form: HTMLFormElement;
  read(): PlantsQuery;
  setYears(years: number[], selected: number): void;
  setStates(states: StateTotal[], selected: string): void;
  setFuels(fuels: FuelTotal[], selected: string): void;
  setTopN(topN: number | undefined): void;
}

function option(value: string, label: string): HTMLOptionElement {
  const element = document.createElement('option');
  element.value = value;
  element.textContent = label;
  return element;
}

function field(labelText: string, control: HTMLElement): HTMLLabelElement {
  const label = document.createElement('label');
  const span = document.createElement('span');
  span.textContent = labelText;
  label.append(span, control);
  return label;
}

export function createControls(): Controls {
  const form = document.createElement('form');
  form.className = 'controls';
  form.setAttribute('aria-label', 'Which plants to show');
  const year = document.createElement('select');
  year.name = 'year';
  const state = document.createElement('select');
  state.name = 'state';
  const topN = document.createElement('input');
  topN.name = 'top_n';
  topN.type = 'number';
  topN.min = '1';
  topN.max = String(MAX_TOP_N);
  topN.step = '1';
  topN.inputMode = 'numeric';
  topN.placeholder = 'all';
  const fuel = document.createElement('select');
  fuel.name = 'fuel';
  form.append(field('Year', year), field('State', state), field('Top N', topN), field('Fuel', fuel));
  form.addEventListener('submit', (event) => event.preventDefault());

  return {
    form,
    read() {
      const n = Number(topN.value);
      return {
        year: Number(year.value),
        state: state.value,
        topN: topN.value.trim() === '' || !Number.isInteger(n) || n < 1 ? undefined : Math.min(n, MAX_TOP_N),
        fuel: fuel.value,
      };
    },
    setYears(years, selected) {
      year.replaceChildren(...[...years].reverse().map((y) => option(String(y), String(y))));
      year.value = String(selected);
    },
    setStates(states, selected) {
      const sorted = [...states].sort((a, b) => stateName(a.state).localeCompare(stateName(b.state)));
      state.replaceChildren(option('', 'All states'), ...sorted.map((s) => option(s.state, `${stateName(s.state)} (${s.state})`)));
      state.value = states.some((s) => s.state === selected) ? selected : '';
    },
    setFuels(fuels, selected) {
      fuel.replaceChildren(option('', 'All fuels'), ...fuels.map((f) => option(f.fuel, `${fuelName(f.fuel)} (${formatCount(f.plants)})`)));
      fuel.value = fuels.some((f) => f.fuel === selected) ? selected : '';
    },
    setTopN(value) {
      topN.value = value === undefined ? '' : String(value);
    },
  };
}

/**
 * A plant's popup, built from text nodes only (plant names are data, never markup). Before a large
 * selection's details arrive it says so where the name, state and share go; it is rebuilt when they do.
 */
import type { MapPlant } from './api';
import { fuelName } from './fuel-style';
import { formatMwh, formatShare } from './format';
import { stateName } from './us-states';

function row(term: string, value: string, className?: string): HTMLElement[] {
  const dt = document.createElement('dt');
  dt.textContent = term;
  const dd = document.createElement('dd');
  dd.textContent = value;
  if (className) dd.className = className;
  return [dt, dd];
}

const PENDING = '…';

export function plantPopup(plant: MapPlant): HTMLElement {
  const root = document.createElement('div');
  root.className = 'plant-popup';
  const title = document.createElement('strong');
  title.textContent = plant.plant_name ?? `Plant ${plant.plant_id} (loading its name…)`;
  if (plant.plant_name === undefined) root.dataset.details = 'pending';
  const facts = document.createElement('dl');
  facts.append(
    ...row('State', plant.state === undefined ? PENDING : `${stateName(plant.state)} (${plant.state})`),
    ...row('Fuel', fuelName(plant.fuel)),
    ...row('Net generation', formatMwh(plant.annual_netgen_abs), 'netgen-abs'),
    ...row('Share of state', plant.annual_netgen_rel === undefined ? PENDING : formatShare(plant.annual_netgen_rel), 'netgen-rel'),
  );
  root.append(title, facts);
  return root;
}

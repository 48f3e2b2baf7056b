/** The list beside the map: the same plants, best first; a row is a button that shows its plant on the map. */
import type { MapPlant } from './api';
import { fuelColor, fuelName } from './fuel-style';
import { formatMwh, formatShare } from './format';

export interface PlantList {
  element: HTMLElement;
  /** Fills the list; resolves when every row is in (rows past the first screenful go in between frames). */
  update(plants: readonly MapPlant[], drawn: ReadonlySet<number>): Promise<void>;
  /** Empties the list while the names of `count` plants are on their way. */
  waitForNames(count: number): void;
}

/** Rows made before the first paint; the rest follow in slices so a long list never holds the map back. */
const FIRST_ROWS = 200;
const SLICE_ROWS = 1500;

const nextFrame = (): Promise<void> => new Promise((resolve) => requestAnimationFrame(() => resolve()));

export function createPlantList(onPick: (plantId: number) => void): PlantList {
  const element = document.createElement('section');
  element.className = 'plant-list';
  element.setAttribute('aria-label', 'Plants, largest first');
  const caption = document.createElement('h2');
  const list = document.createElement('ol');
  element.append(caption, list);
  list.addEventListener('click', (event) => {
    const button = (event.target as Element).closest('button[data-plant-id]');
    if (button) onPick(Number(button.getAttribute('data-plant-id')));
  });

  const rowOf = (plant: MapPlant, drawn: ReadonlySet<number>): HTMLLIElement => {
    const item = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.setAttribute('data-plant-id', String(plant.plant_id));
    button.disabled = !drawn.has(plant.plant_id);
    if (button.disabled) button.title = 'No coordinates: not on the map';
    const dot = document.createElement('span');
    dot.className = 'swatch';
    dot.style.background = fuelColor(plant.fuel);
    dot.title = fuelName(plant.fuel);
    const name = document.createElement('span');
    name.className = 'name';
    // A plant without details: the datamart changed between a large selection's two steps.
    name.textContent = plant.plant_name ?? `Plant ${plant.plant_id}`;
    const detail = document.createElement('span');
    detail.className = 'detail';
    const share = plant.annual_netgen_rel === undefined ? '–' : formatShare(plant.annual_netgen_rel);
    detail.textContent = `${plant.state ?? '–'} · ${formatMwh(plant.annual_netgen_abs)} · ${share} of state`;
    button.append(dot, name, detail);
    item.append(button);
    return item;
  };
  let generation = 0;
  const countText = (count: number): string => (count === 1 ? '1 plant' : `${count.toLocaleString('en-US')} plants`);

  return {
    element,
    waitForNames(count) {
      generation++; // stops the slices of a list being filled
      caption.textContent = `${countText(count)}: loading their names…`;
      list.replaceChildren();
    },
    async update(plants, drawn) {
      const mine = ++generation;
      caption.textContent = countText(plants.length);
      list.replaceChildren(...plants.slice(0, FIRST_ROWS).map((plant) => rowOf(plant, drawn)));
      for (let start = FIRST_ROWS; start < plants.length; start += SLICE_ROWS) {
        await nextFrame();
        if (mine !== generation) return; // a newer selection took over
        list.append(...plants.slice(start, start + SLICE_ROWS).map((plant) => rowOf(plant, drawn)));
      }
    },
  };
}

/** The list beside the map: the same plants, best first; a row is a button that shows its plant on the map. */
import type { PlantRecord } from './api';
import { fuelColor, fuelName } from './fuel-style';
import { formatMwh, formatShare } from './format';

export interface PlantList {
  element: HTMLElement;
  update(plants: readonly PlantRecord[], drawn: ReadonlySet<number>): void;
}

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

  return {
    element,
    update(plants, drawn) {
      caption.textContent = plants.length === 1 ? '1 plant' : `${plants.length.toLocaleString('en-US')} plants`;
      const rows = plants.map((plant) => {
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
        name.textContent = plant.plant_name;
        const detail = document.createElement('span');
        detail.className = 'detail';
        detail.textContent = `${plant.state} · ${formatMwh(plant.annual_netgen_abs)} · ${formatShare(plant.annual_netgen_rel)} of state`;
        button.append(dot, name, detail);
        item.append(button);
        return item;
      });
      list.replaceChildren(...rows);
    },
  };
}

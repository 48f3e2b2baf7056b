/** The legend: fuel colours (with each category's plant count in the selection) and the marker size scale. */
import L from 'leaflet';
import type { MapPlant } from './api';
import { fuelColor, fuelName } from './fuel-style';
import { formatCompactMwh } from './format';
import { MAX_RADIUS, radiusFor } from './plants-layer';

export interface Legend {
  update(plants: readonly Pick<MapPlant, 'fuel'>[], largest: number): void;
}

function swatch(color: string, size: number): HTMLElement {
  const dot = document.createElement('span');
  dot.className = 'swatch';
  dot.style.background = color;
  dot.style.width = dot.style.height = `${size}px`;
  return dot;
}

export function createLegend(map: L.Map): Legend {
  const control = new L.Control({ position: 'bottomright' });
  const root = document.createElement('section');
  root.className = 'legend';
  root.setAttribute('aria-label', 'Legend');
  control.onAdd = () => root;
  control.addTo(map);
  L.DomEvent.disableClickPropagation(root);

  return {
    update(plants, largest) {
      const counts = new Map<string | null, number>();
      for (const p of plants) counts.set(p.fuel, (counts.get(p.fuel) ?? 0) + 1);
      const title = document.createElement('h2');
      title.textContent = 'Fuel';
      const fuels = document.createElement('ul');
      for (const [fuel, count] of [...counts].sort((a, b) => b[1] - a[1])) {
        const item = document.createElement('li');
        const label = document.createElement('span');
        label.textContent = `${fuelName(fuel)} (${count})`;
        item.append(swatch(fuelColor(fuel), 12), label);
        fuels.append(item);
      }
      const sizeTitle = document.createElement('h2');
      sizeTitle.textContent = 'Annual net generation';
      const sizes = document.createElement('ul');
      sizes.className = 'sizes';
      if (largest > 0) {
        for (const fraction of [1, 0.25, 0.04]) {
          const item = document.createElement('li');
          const label = document.createElement('span');
          label.textContent = formatCompactMwh(largest * fraction);
          const size = 2 * radiusFor(largest * fraction, largest);
          item.append(swatch('transparent', Math.min(size, 2 * MAX_RADIUS)), label);
          sizes.append(item);
        }
      }
      root.replaceChildren(title, fuels, sizeTitle, sizes);
    },
  };
}

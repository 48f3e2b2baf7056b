/**
 * The plants on the map: one SVG circle per plant (Leaflet's SVG renderer, no WebGL), area proportional to
 * annual net generation, coloured by fuel category; each circle's element carries data-plant-id.
 */
import L from 'leaflet';
import type { MapPlant } from './api';
import { fuelColor } from './fuel-style';
import { plantPopup } from './popup';

/** The largest plant of a selection gets this radius (px); others scale by the square root (area ∝ MWh). */
export const MAX_RADIUS = 16;
const MIN_RADIUS = 2;

export const radiusFor = (generation: number, largest: number): number =>
  largest <= 0 ? MIN_RADIUS : Math.max(MIN_RADIUS, MAX_RADIUS * Math.sqrt(Math.max(0, generation) / largest));

export interface PlantsLayer {
  /** Replaces the drawn plants; returns those drawn (plants without coordinates are listed, not drawn). */
  draw(plants: readonly MapPlant[]): MapPlant[];
  /** Rebuilds an open popup from its plant as it is now (after the plants' details arrived). */
  refreshOpenPopup(): void;
  /** Pans to a plant and opens its popup; false when it is not drawn. */
  show(plantId: number): boolean;
  bounds(): L.LatLngBounds | undefined;
  largest(): number;
}

export function createPlantsLayer(map: L.Map): PlantsLayer {
  const renderer = L.svg({ padding: 0.5 });
  const group = L.featureGroup().addTo(map);
  const markers = new Map<number, L.CircleMarker>();
  let largestDrawn = 0;

  return {
    draw(plants) {
      group.clearLayers();
      markers.clear();
      const drawn: MapPlant[] = [];
      largestDrawn = plants.reduce((max, plant) => Math.max(max, plant.annual_netgen_abs), 0);
      // Largest first, so small plants are drawn on top and stay clickable.
      for (const plant of plants) {
        const { lat, lon } = plant;
        if (lat === null || lon === null) continue;
        const marker = L.circleMarker([lat, lon], {
          renderer,
          radius: radiusFor(plant.annual_netgen_abs, largestDrawn),
          color: '#1f1f1f',
          weight: 0.6,
          fillColor: fuelColor(plant.fuel),
          fillOpacity: 0.78,
        });
        // Made on each opening (and refresh), from the plant as it is then: details may come after the draw.
        marker.bindPopup(() => plantPopup(plant), { autoPanPadding: [24, 24] });
        markers.set(plant.plant_id, marker);
        drawn.push(plant);
        group.addLayer(marker);
      }
      for (const [id, marker] of markers) {
        const element = marker.getElement();
        if (element) {
          element.setAttribute('data-plant-id', String(id));
          element.classList.add('plant-marker');
        }
      }
      return drawn;
    },
    show(plantId) {
      const marker = markers.get(plantId);
      if (!marker) return false;
      map.setView(marker.getLatLng(), Math.max(map.getZoom(), 7));
      marker.openPopup();
      return true;
    },
    refreshOpenPopup() {
      for (const marker of markers.values()) {
        if (marker.isPopupOpen()) marker.getPopup()?.update();
      }
    },
    bounds: () => (markers.size > 0 ? group.getBounds() : undefined),
    largest: () => largestDrawn,
  };
}

/**
 * Plants as a GeoJSON FeatureCollection (RFC 7946), ready for a map. A plant without usable coordinates
 * keeps its place in the ranking as a feature with `geometry: null` (RFC 7946 §3.2, an unlocated feature).
 */
import type { PlantRecord } from '../../core/egrid/types';

export interface PointGeometry {
  type: 'Point';
  /** [longitude, latitude], in that order (RFC 7946). */
  coordinates: number[];
}

export interface PlantFeature {
  type: 'Feature';
  /** The plant id (eGRID ORISPL). */
  id: number;
  /** null when the plant has no usable latitude/longitude. */
  geometry: PointGeometry | null;
  properties: PlantRecord;
}

export interface PlantFeatureCollection {
  type: 'FeatureCollection';
  features: PlantFeature[];
}

const usable = (value: number | null, limit: number): value is number => value !== null && Number.isFinite(value) && Math.abs(value) <= limit;

export function plantGeometry(plant: PlantRecord): PointGeometry | null {
  if (!usable(plant.lat, 90) || !usable(plant.lon, 180)) return null;
  return { type: 'Point', coordinates: [plant.lon, plant.lat] };
}

export function plantsToGeoJson(plants: readonly PlantRecord[]): PlantFeatureCollection {
  return {
    type: 'FeatureCollection',
    features: plants.map((plant) => ({ type: 'Feature', id: plant.plant_id, geometry: plantGeometry(plant), properties: plant })),
  };
}

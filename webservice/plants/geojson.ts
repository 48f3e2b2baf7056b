/**
 * Plants as a GeoJSON FeatureCollection (RFC 7946), ready for a map. A plant without usable coordinates
 * keeps its place in the ranking as a feature with `geometry: null` (RFC 7946 §3.2, an unlocated feature).
 */
import type { PlantField, PlantRecord } from '../../core/egrid/types';
import { selectFields, type SelectedPlant } from './fields';

export interface PointGeometry {
  type: 'Point';
  /** [longitude, latitude], in that order (RFC 7946). */
  coordinates: number[];
}

/** `Properties`: every field of the plant, or the fields a `properties` selection keeps. */
export interface PlantFeature<Properties extends SelectedPlant = PlantRecord> {
  type: 'Feature';
  /** The plant id (eGRID ORISPL). */
  id: number;
  /** null when the plant has no usable latitude/longitude. */
  geometry: PointGeometry | null;
  properties: Properties;
}

export interface PlantFeatureCollection<Properties extends SelectedPlant = PlantRecord> {
  type: 'FeatureCollection';
  features: PlantFeature<Properties>[];
}

const usable = (value: number | null, limit: number): value is number => value !== null && Number.isFinite(value) && Math.abs(value) <= limit;

export function plantGeometry(plant: PlantRecord): PointGeometry | null {
  if (!usable(plant.lat, 90) || !usable(plant.lon, 180)) return null;
  return { type: 'Point', coordinates: [plant.lon, plant.lat] };
}

/** The plants as features; with `fields`, each feature's properties keep only those (id and geometry stay). */
export function plantsToGeoJson(plants: readonly PlantRecord[], fields?: readonly PlantField[]): PlantFeatureCollection<SelectedPlant> {
  return {
    type: 'FeatureCollection',
    features: plants.map((plant) => ({ type: 'Feature', id: plant.plant_id, geometry: plantGeometry(plant), properties: selectFields(plant, fields) })),
  };
}

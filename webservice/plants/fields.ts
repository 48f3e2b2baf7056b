/** Records that keep only some of a plant's fields (the `properties` parameter of GET /plants). */
import type { PlantField, PlantRecord } from '../../core/egrid/types';

// Written out rather than Partial<PlantRecord>: tsoa's schema of a mapped type loses which fields may be null.
/** Some of a plant's fields, each as in PlantRecord: what a `properties` selection answers. */
export interface SelectedPlant {
  plant_id?: number;
  plant_name?: string;
  state?: string;
  lat?: number | null;
  lon?: number | null;
  fuel?: string | null;
  /** Annual net generation, MWh. */
  annual_netgen_abs?: number;
  /** Fraction of the state's total over kept plants. */
  annual_netgen_rel?: number;
}

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
// Fails to compile when PlantRecord gains, loses or changes a field and SelectedPlant does not follow.
true satisfies Same<Required<SelectedPlant>, PlantRecord>;

/** A plant with only `fields` (in their order); the plant itself when `fields` is undefined. */
export function selectFields(plant: PlantRecord, fields: readonly PlantField[] | undefined): SelectedPlant {
  if (fields === undefined) return plant;
  const selected: SelectedPlant = {};
  for (const field of fields) (selected as Record<PlantField, unknown>)[field] = plant[field];
  return selected;
}

/** What the /plants, /states and /years routes need from the datamarts (challenge-1). */
import type { PlantRecord } from '../../core/egrid/types';

export interface PlantsBackend {
  /** Years with a datamart, ascending. */
  years(): Promise<number[]>;
  /** The year's plants sorted by generation desc then plant id; undefined when the year has none. */
  plants(year: number): Promise<readonly PlantRecord[] | undefined>;
  /** Throws when the datamarts bucket cannot be reached. */
  ping(): Promise<void>;
}

/** What the /imagers routes need from the store (challenge-2). */
import type { ImageFrame, WellMetadata } from '../../core/well/types';

export interface ImagerBackend {
  listWells(): Promise<WellMetadata[]>;
  getWell(well: string): Promise<WellMetadata | undefined>;
  /** Rows with minTenths <= depth <= maxTenths in depth order, every page read; undefined when none. */
  readFrame(well: string, minTenths: number, maxTenths: number): Promise<ImageFrame | undefined>;
  /** Throws when the table cannot be reached. */
  ping(): Promise<void>;
}

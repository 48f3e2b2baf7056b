/** What the /imagers routes need from the store (challenge-2). */
import type { ServedFrame, WellMetadata } from '../../core/well/types';
import type { ValueRange } from '../../core/well/value-range';

export interface ImagerBackend {
  listWells(): Promise<WellMetadata[]>;
  getWell(well: string): Promise<WellMetadata | undefined>;
  /** Rows with minTenths <= depth <= maxTenths in depth order, every page read; undefined when none. */
  readFrame(well: string, minTenths: number, maxTenths: number): Promise<ServedFrame | undefined>;
  /** The whole well's stored value range (normalize=well); undefined for an unknown well. */
  wellValueRange(well: string): Promise<ValueRange | undefined>;
  /**
   * The version a frame of `well` would be read under now, when known without asking the store (within
   * the allowed staleness); undefined otherwise. Synchronous and cheap: it decides early answers.
   */
  currentVersion?(well: string): string | undefined;
  /** Throws when the table cannot be reached. */
  ping(): Promise<void>;
}

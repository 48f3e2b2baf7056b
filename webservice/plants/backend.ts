/** What the /plants, /states and /years routes need from the datamarts (challenge-1). */
import type { PlantRecord } from '../../core/egrid/types';

export interface PlantsBackend {
  /** Years with a datamart, ascending. */
  years(): Promise<number[]>;
  /** The year's plants sorted by generation desc then plant id; undefined when the year has none. */
  plants(year: number): Promise<readonly PlantRecord[] | undefined>;
  /**
   * Synchronously: a token naming everything these routes would serve now (every year's datamart version),
   * or undefined when the backend must look at its store before answering. Answers prepared under one
   * token may be served again, early, while the token is unchanged (webservice/http/early-answers.ts).
   */
  currentVersion?(): string | undefined;
  /** Throws when the datamarts bucket cannot be reached. */
  ping(): Promise<void>;
}

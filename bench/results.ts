/** What a bench run measured: the shape of build/bench/*.json. */
import type { CaseResult } from './api';
import type { MapFigures } from './map';

/** One ETL run of one side. */
export interface EtlRun {
  rows: number;
  /** The program's own timing of its work (ours: the handler's durationMs; the reference: its total_s). */
  workMs: number;
  /** The whole process, interpreter start and imports included. */
  wallMs: number;
  peakRssMb?: number;
  /** With --etl-runs N: the work time of every run (the best one is reported above). */
  allWorkMs?: number[];
  /** Well ingest: the part of workMs spent writing to DynamoDB (the rest is download, parse, resize). */
  writeMs?: number;
  /** Well ingest: CPU the DynamoDB emulator process used during the run (its share of the work). */
  emulatorCpuMs?: number;
  /** Our well ingest: CPU its process used during workMs, every thread (the parse thread's included). */
  cpuMs?: number;
}

/** A measurement that may have failed: the value, or why there is none. */
export type Outcome<T> = { value: T } | { error: string } | { skipped: string };

/** Whether any outcome in `value` (a report or part of one, walked whole) is a failure. */
export function hasFailure(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasFailure);
  if (value === null || typeof value !== 'object') return false;
  if (typeof (value as { error?: unknown }).error === 'string') return true;
  return Object.values(value).some(hasFailure);
}

export interface ParseResize {
  rows: number;
  /** First run in a fresh process (ours) / the reference's parse_resize_s. */
  coldMs: number;
  /** Ours only: median of the next runs in the same process. */
  warmMedianMs?: number;
  allColdMs?: number[];
}

export interface EtlResults {
  egrid: { ours: Outcome<EtlRun>; reference: Outcome<EtlRun> };
  wellParseResize: { ours: Outcome<ParseResize>; reference: Outcome<ParseResize> };
  wellIngest: { ours: Outcome<EtlRun>; reference: Outcome<EtlRun> };
  /** The well ingest at k× the sample (depths continued); 1× is wellIngest. */
  wellIngestSizes?: WellSizeResult[];
}

export interface WellSizeResult {
  times: number;
  rows: number;
  ours: Outcome<EtlRun>;
  reference: Outcome<EtlRun>;
}

export type Verdict = 'PASS' | 'MISS' | 'NOT MEASURED';

export interface TargetResult {
  target: string;
  measured: string;
  verdict: Verdict;
  note?: string;
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  python?: string;
  pandas?: string;
  /** 1-minute load average when the run started and when it ended: other work on the machine. */
  loadAverage: { start: number; end?: number };
}

export interface BenchReport {
  startedAt: string;
  finishedAt?: string;
  commit?: string;
  options: { quick: boolean; durationSeconds: number; connections: number[]; reference: boolean; etlRuns: number };
  machine: Machine;
  etl: EtlResults;
  api: CaseResult[];
  /** Peak RSS of the project's services over the whole run. */
  servicePeakRssMb: Record<string, number | undefined>;
  targets: TargetResult[];
  notes: string[];
  /** The plants map page and the HTTP layer (issue 12). */
  map?: MapFigures;
}

export function valueOf<T>(outcome: Outcome<T>): T | undefined {
  return 'value' in outcome ? outcome.value : undefined;
}

export function whyMissing<T>(outcome: Outcome<T>): string {
  return 'error' in outcome ? `failed: ${outcome.error}` : 'skipped' in outcome ? outcome.skipped : '';
}

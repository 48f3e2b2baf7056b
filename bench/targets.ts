/** Issue 6's targets, judged on one run's figures. A target is PASS or MISS only when measured. */
import type { CaseResult, SideResult } from './api';
import { FRAME_10_JSON, FRAME_500_JSON, FRAME_500_PNG, PLANTS_AL_TOP4 } from './cases';
import type { LoadFigures } from './load';
import { valueOf, whyMissing, type EtlResults, type EtlRun, type TargetResult, type Verdict } from './results';

const verdict = (ok: boolean): Verdict => (ok ? 'PASS' : 'MISS');
const ms = (n: number): string => `${n.toFixed(n < 10 ? 1 : 0)} ms`;
/** Below 10, two decimals rounded down: a ratio just under its target never prints as the target (1.496 → 1.49×). */
const times = (n: number): string => `${n >= 10 ? n.toFixed(0) : (Math.floor(n * 100) / 100).toFixed(2)}×`;

function loadOf(side: SideResult | undefined): LoadFigures | undefined {
  return side && 'load' in side ? side.load : undefined;
}

function whyNot(side: SideResult | undefined): string {
  if (!side) return 'not run';
  if ('failed' in side) return `failed: ${side.failed}`;
  if ('skipped' in side) return side.skipped;
  return '';
}

/** A load with failed requests does not count as meeting a target. */
function loadTrouble(load: LoadFigures): string | undefined {
  return load.non2xx || load.errors ? `${load.non2xx} non-2xx answers and ${load.errors} errors during the load` : undefined;
}

function find(api: CaseResult[], caseId: string, connections: number, target: boolean): CaseResult | undefined {
  return api.find((r) => r.caseId === caseId && r.connections === connections && r.target === target) ?? api.find((r) => r.caseId === caseId && r.connections === connections);
}

function throughputRatio(api: CaseResult[], caseId: string, label: string, connections: number, minRatio: number): TargetResult {
  const target = `${label} at ${connections} connections: ≥ ${minRatio}× the reference's req/s`;
  const run = find(api, caseId, connections, true);
  const ours = loadOf(run?.ours);
  const reference = loadOf(run?.reference);
  if (!ours) return { target, measured: `ours ${whyNot(run?.ours)}`, verdict: 'NOT MEASURED' };
  if (!reference) return { target, measured: `ours ${ours.rps.toFixed(0)} req/s; reference ${whyNot(run?.reference)}`, verdict: 'NOT MEASURED' };
  const trouble = loadTrouble(ours);
  if (reference.requests === 0) {
    // Fewer than one answer in the run: its rate is below 1 / duration, so the ratio is above this bound.
    const bound = ours.rps * reference.durationS;
    return { target, measured: `> ${times(bound)} (ours ${ours.rps.toFixed(0)} req/s; the reference answered none in ${reference.durationS.toFixed(0)} s)`, verdict: bound >= minRatio && !trouble ? 'PASS' : 'NOT MEASURED', note: trouble };
  }
  const ratio = ours.rps / reference.rps;
  return { target, measured: `${times(ratio)} (ours ${ours.rps.toFixed(0)} req/s, reference ${reference.rps.toFixed(1)} req/s)`, verdict: verdict(ratio >= minRatio && !trouble), note: trouble };
}

function latencyBelow(api: CaseResult[], caseId: string, label: string, connections: number, limitMs: number): TargetResult {
  const target = `${label}: p99 < ${limitMs} ms at ${connections} connection${connections > 1 ? 's' : ''}`;
  const run = find(api, caseId, connections, connections !== 1);
  const ours = loadOf(run?.ours);
  if (!ours) return { target, measured: `ours ${whyNot(run?.ours)}`, verdict: 'NOT MEASURED' };
  const reference = run?.reference && 'single' in run.reference ? `; reference ${(run.reference.single.ms / 1000).toFixed(1)} s for one request` : '';
  const trouble = loadTrouble(ours);
  return { target, measured: `p99 ${ms(ours.p99Ms)} (p50 ${ms(ours.p50Ms)})${reference}`, verdict: verdict(ours.p99Ms < limitMs && !trouble), note: trouble };
}

export function judgeTargets(etl: EtlResults, api: CaseResult[]): TargetResult[] {
  const targets: TargetResult[] = [
    throughputRatio(api, PLANTS_AL_TOP4.id, '/plants AL top 4', 32, 20),
    latencyBelow(api, PLANTS_AL_TOP4.id, '/plants AL top 4', 32, 20),
    throughputRatio(api, FRAME_10_JSON.id, '10-row colour frame JSON', 4, 100),
    latencyBelow(api, FRAME_500_PNG.id, '500-row colour frame PNG', 1, 100),
    latencyBelow(api, FRAME_500_JSON.id, '500-row colour frame JSON', 1, 300),
  ];

  const egridTarget = 'workbook → datamart: ≥ 5× faster than seed_etl_egrid.py';
  const egridOurs = valueOf(etl.egrid.ours);
  const egridRef = valueOf(etl.egrid.reference);
  if (!egridOurs) targets.push({ target: egridTarget, measured: `ours ${whyMissing(etl.egrid.ours)}`, verdict: 'NOT MEASURED' });
  else if (!egridRef) targets.push({ target: egridTarget, measured: `ours ${(egridOurs.workMs / 1000).toFixed(2)} s; reference ${whyMissing(etl.egrid.reference)}`, verdict: 'NOT MEASURED' });
  else {
    const ratio = egridRef.workMs / egridOurs.workMs;
    const wallRatio = egridRef.wallMs / egridOurs.wallMs;
    targets.push({
      target: egridTarget,
      measured: `${times(ratio)} (ours ${(egridOurs.workMs / 1000).toFixed(2)} s, reference ${(egridRef.workMs / 1000).toFixed(2)} s; whole processes ${times(wallRatio)})`,
      verdict: verdict(ratio >= 5),
    });
  }
  const memoryTarget = 'workbook → datamart: peak RSS < 256 MB';
  if (egridOurs?.peakRssMb === undefined) targets.push({ target: memoryTarget, measured: egridOurs ? 'the Lambda runner reported no peak RSS' : `ours ${whyMissing(etl.egrid.ours)}`, verdict: 'NOT MEASURED' });
  else targets.push({ target: memoryTarget, measured: `${egridOurs.peakRssMb.toFixed(0)} MB${egridRef?.peakRssMb ? ` (reference ${egridRef.peakRssMb.toFixed(0)} MB)` : ''}`, verdict: verdict(egridOurs.peakRssMb < 256) });

  targets.push(...wellIngestTargets(etl));
  return targets;
}

/**
 * Issue 14's targets for the streaming well ingest: ≥ 1.5× the reference's rows/s at 1×, 10× and 50× the
 * sample, and its peak RSS at 50× within 1.5× of its peak at 1× (memory does not grow with the file).
 */
function wellIngestTargets(etl: EtlResults): TargetResult[] {
  const sizes = [{ times: 1, rows: valueOf(etl.wellIngest.ours)?.rows ?? 0, ours: etl.wellIngest.ours, reference: etl.wellIngest.reference }, ...(etl.wellIngestSizes ?? [])];
  const targets: TargetResult[] = sizes.map(({ times: k, ours: o, reference: r }) => {
    const target = `well CSV → DynamoDB emulator at ${k}× the sample: ≥ 1.5× seed_etl_well.py rows/s`;
    const ours = valueOf(o);
    const reference = valueOf(r);
    if (!ours) return { target, measured: `ours ${whyMissing(o)}`, verdict: 'NOT MEASURED' };
    if (!reference) return { target, measured: `ours ${rowsPerSecond(ours.rows, ours.workMs)} rows/s; reference ${whyMissing(r)}`, verdict: 'NOT MEASURED' };
    const ratio = ours.rows / ours.workMs / (reference.rows / reference.workMs);
    return { target, measured: `${times(ratio)} (ours ${rowsPerSecond(ours.rows, ours.workMs)} rows/s, reference ${rowsPerSecond(reference.rows, reference.workMs)} rows/s)`, verdict: verdict(ratio >= 1.5) };
  });
  const memoryTarget = "well ingest's peak RSS at 50× within 1.5× of its peak at 1×";
  const at1 = valueOf(etl.wellIngest.ours)?.peakRssMb;
  const at50 = etl.wellIngestSizes?.find((s) => s.times === 50);
  const peak50 = at50 ? valueOf(at50.ours)?.peakRssMb : undefined;
  if (at1 === undefined || peak50 === undefined) targets.push({ target: memoryTarget, measured: at50 ? 'a peak RSS is missing' : 'the 50× ingest was not run (--quick?)', verdict: 'NOT MEASURED' });
  else {
    const ref50 = at50 ? valueOf(at50.reference)?.peakRssMb : undefined;
    targets.push({ target: memoryTarget, measured: `${(peak50 / at1).toFixed(2)}× (${peak50.toFixed(0)} MB at 50×, ${at1.toFixed(0)} MB at 1×${ref50 ? `; reference ${ref50.toFixed(0)} MB at 50×` : ''})`, verdict: verdict(peak50 <= 1.5 * at1) });
  }
  return targets;
}

export function rowsPerSecond(rows: number, workMs: number): string {
  return ((rows * 1000) / workMs).toFixed(0);
}

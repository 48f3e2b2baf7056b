/** The run's tables on the terminal, and its JSON in build/bench/ (timestamped and latest.json). */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CaseResult, SideResult } from './api';
import { RESULTS_DIR } from './paths';
import { valueOf, whyMissing, type BenchReport, type EtlRun, type Outcome, type ParseResize } from './results';
import { formatTable } from './table';
import { rowsPerSecond } from './targets';

const seconds = (ms: number): string => (ms / 1000).toFixed(2);
const ratioText = (r: number | undefined): string => (r === undefined || !Number.isFinite(r) ? '' : `${r >= 10 ? r.toFixed(0) : r.toFixed(1)}×`);

function cell<T>(outcome: Outcome<T>, show: (v: T) => string): string {
  const v = valueOf(outcome);
  return v === undefined ? ('error' in outcome ? 'FAILED' : 'n/a') : show(v);
}

/** Higher is better for ours when `higherBetter`: the ratio says how many times better ours is. */
function ratio<T>(ours: Outcome<T>, reference: Outcome<T>, metric: (v: T) => number | undefined, higherBetter: boolean): string {
  const a = valueOf(ours);
  const b = valueOf(reference);
  if (a === undefined || b === undefined) return '';
  const x = metric(a);
  const y = metric(b);
  if (x === undefined || y === undefined || x === 0 || y === 0) return '';
  return ratioText(higherBetter ? x / y : y / x);
}

function etlTable(report: BenchReport): string {
  const { egrid, wellParseResize, wellIngest } = report.etl;
  const rows: string[][] = [
    ['workbook → datamart, work time (s)', cell(egrid.ours, (v) => seconds(v.workMs)), cell(egrid.reference, (v) => seconds(v.workMs)), ratio(egrid.ours, egrid.reference, (v: EtlRun) => v.workMs, false)],
    ['workbook → datamart, whole process (s)', cell(egrid.ours, (v) => seconds(v.wallMs)), cell(egrid.reference, (v) => seconds(v.wallMs)), ratio(egrid.ours, egrid.reference, (v: EtlRun) => v.wallMs, false)],
    ['workbook → datamart, peak RSS (MB)', cell(egrid.ours, (v) => v.peakRssMb?.toFixed(0) ?? '?'), cell(egrid.reference, (v) => v.peakRssMb?.toFixed(0) ?? '?'), ratio(egrid.ours, egrid.reference, (v: EtlRun) => v.peakRssMb, false)],
    ['well parse+resize, cold (rows/s)', cell(wellParseResize.ours, (v) => rowsPerSecond(v.rows, v.coldMs)), cell(wellParseResize.reference, (v) => rowsPerSecond(v.rows, v.coldMs)), ratio(wellParseResize.ours, wellParseResize.reference, (v: ParseResize) => v.rows / v.coldMs, true)],
    ['well parse+resize, warm median (rows/s)', cell(wellParseResize.ours, (v) => (v.warmMedianMs ? rowsPerSecond(v.rows, v.warmMedianMs) : '')), '', ''],
    ['well CSV → DynamoDB, work (rows/s)', cell(wellIngest.ours, (v) => rowsPerSecond(v.rows, v.workMs)), cell(wellIngest.reference, (v) => rowsPerSecond(v.rows, v.workMs)), ratio(wellIngest.ours, wellIngest.reference, (v: EtlRun) => v.rows / v.workMs, true)],
    ['well CSV → DynamoDB, write phase (s)', cell(wellIngest.ours, (v) => (v.writeMs === undefined ? '?' : seconds(v.writeMs))), cell(wellIngest.reference, (v) => (v.writeMs === undefined ? '?' : seconds(v.writeMs))), ratio(wellIngest.ours, wellIngest.reference, (v: EtlRun) => v.writeMs, false)],
    ['well CSV → DynamoDB, emulator CPU (s)', cell(wellIngest.ours, (v) => (v.emulatorCpuMs === undefined ? '?' : seconds(v.emulatorCpuMs))), cell(wellIngest.reference, (v) => (v.emulatorCpuMs === undefined ? '?' : seconds(v.emulatorCpuMs))), ''],
    ['well CSV → DynamoDB, whole process (s)', cell(wellIngest.ours, (v) => seconds(v.wallMs)), cell(wellIngest.reference, (v) => seconds(v.wallMs)), ratio(wellIngest.ours, wellIngest.reference, (v: EtlRun) => v.wallMs, false)],
    ['well CSV → DynamoDB, peak RSS (MB)', cell(wellIngest.ours, (v) => v.peakRssMb?.toFixed(0) ?? '?'), cell(wellIngest.reference, (v) => v.peakRssMb?.toFixed(0) ?? '?'), ''],
    ...(report.etl.wellIngestSizes ?? []).flatMap((size) => [
      [`well CSV ${size.times}× (${size.rows} rows) → DynamoDB, work (rows/s)`, cell(size.ours, (v) => rowsPerSecond(v.rows, v.workMs)), cell(size.reference, (v) => rowsPerSecond(v.rows, v.workMs)), ratio(size.ours, size.reference, (v: EtlRun) => v.rows / v.workMs, true)],
      [`well CSV ${size.times}× → DynamoDB, peak RSS (MB)`, cell(size.ours, (v) => v.peakRssMb?.toFixed(0) ?? '?'), cell(size.reference, (v) => v.peakRssMb?.toFixed(0) ?? '?'), ''],
    ]),
  ];
  const problems = [
    ['workbook → datamart (ours)', egrid.ours],
    ['workbook → datamart (reference)', egrid.reference],
    ['well parse+resize (ours)', wellParseResize.ours],
    ['well parse+resize (reference)', wellParseResize.reference],
    ['well ingest (ours)', wellIngest.ours],
    ['well ingest (reference)', wellIngest.reference],
  ] as const;
  const notes = problems.filter(([, o]) => valueOf(o as Outcome<unknown>) === undefined).map(([name, o]) => `  ${name}: ${whyMissing(o as Outcome<unknown>)}`);
  return formatTable(['ETL', 'ours', 'reference', 'ours better by'], rows, new Set([1, 2, 3])) + (notes.length ? `\n${notes.join('\n')}` : '');
}

/** autocannon's latencies are whole milliseconds: 0 means under 1 ms. */
const latency = (ms: number): string => (ms === 0 ? '<1' : ms.toFixed(0));

function sideCells(side: SideResult): string[] {
  if ('load' in side) {
    const l = side.load;
    if (l.requests === 0) return [`none in ${l.durationS.toFixed(0)} s`, '', '', ''];
    const few = l.requests < 50 ? ` (n=${l.requests})` : '';
    const trouble = l.non2xx || l.errors ? ` (${l.non2xx + l.errors} failed)` : '';
    const cpu = l.serverCpuMsPerRequest === undefined ? '' : l.serverCpuMsPerRequest.toFixed(l.serverCpuMsPerRequest < 10 ? 2 : 0);
    return [`${l.rps.toFixed(l.rps < 10 ? 2 : 0)}${few}${trouble}`, latency(l.p50Ms), latency(l.p99Ms), cpu];
  }
  if ('single' in side) return ['1 request', side.single.ms.toFixed(0), '', ''];
  if ('failed' in side) return ['FAILED', '', '', ''];
  return ['n/a', '', '', ''];
}

function apiRatio(run: CaseResult): string {
  if ('load' in run.ours && 'load' in run.reference && run.reference.load.requests > 0) return ratioText(run.ours.load.rps / run.reference.load.rps);
  if ('load' in run.ours && 'single' in run.reference) return ratioText(run.reference.single.ms / run.ours.load.p50Ms) + ' (latency)';
  return '';
}

function apiTable(api: CaseResult[]): string {
  const rows = api.map((r) => [r.label + (r.target ? ' *' : ''), String(r.connections), ...sideCells(r.ours), ...sideCells(r.reference), apiRatio(r)]);
  const notes = [...new Set(api.flatMap((r) => [r.ours, r.reference].flatMap((s) => ('failed' in s ? [s.failed] : []))))].map((n) => `  FAILED: ${n}`);
  const table = formatTable(['API case', 'conns', 'ours req/s', 'p50 ms', 'p99 ms', 'cpu ms', 'ref req/s', 'p50 ms', 'p99 ms', 'cpu ms', 'ours/ref'], rows, new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
  const legend = [
    '* target case. req/s counts 2xx answers (n = how many, when under 50); latencies are whole ms (autocannon).',
    'cpu ms = CPU time of the serving processes per answer (the service, plus the DynamoDB emulator for frames): less sensitive to other load than req/s.',
    'reference n/a: no such route (PNG), or left out of a --quick run.',
  ];
  return `${table}\n${legend.map((l) => `  ${l}`).join('\n')}\n${notes.join('\n')}`.trimEnd();
}

function targetTable(report: BenchReport): string {
  const rows = report.targets.map((t) => [t.verdict, t.target, t.measured + (t.note ? ` — ${t.note}` : '')]);
  return formatTable(['verdict', 'target (issue 6)', 'measured'], rows);
}

export function renderReport(report: BenchReport): string {
  const m = report.machine;
  const header = [
    `machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB.toFixed(0)} GiB, ${m.os}; node ${m.node}${m.python ? `; python ${m.python}, pandas ${m.pandas}` : ''}`,
    `load average (1 min): ${m.loadAverage.start.toFixed(2)} at start, ${m.loadAverage.end?.toFixed(2) ?? '?'} at end${m.loadAverage.start > m.cores * 0.5 || (m.loadAverage.end ?? 0) > m.cores * 0.5 ? ' — the machine was busy: figures are noisy' : ''}`,
    `${report.options.durationSeconds} s per load case${report.options.quick ? ' (--quick smoke run: not figures to quote)' : ''}; commit ${report.commit ?? '?'}`,
  ];
  const peaks = Object.entries(report.servicePeakRssMb).map(([name, mb]) => `${name} ${mb?.toFixed(0) ?? '?'} MB`);
  return [
    header.join('\n'),
    '',
    etlTable(report),
    '',
    apiTable(report.api),
    '',
    `services' peak RSS over the run: ${peaks.join(', ')}`,
    '',
    targetTable(report),
    ...(report.notes.length ? ['', ...report.notes.map((n) => `note: ${n}`)] : []),
  ].join('\n');
}

export async function writeReport(report: BenchReport): Promise<{ file: string; latest: string }> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const stamp = report.startedAt.replace(/[:.]/g, '-');
  const file = path.join(RESULTS_DIR, `bench-${stamp}.json`);
  const latest = path.join(RESULTS_DIR, 'latest.json');
  const text = JSON.stringify(report, null, 2) + '\n';
  await writeFile(file, text);
  await writeFile(latest, text);
  return { file, latest };
}

/**
 * The Python reference (../shared/reference): the original design's ETLs and FastAPI service, run
 * beside the project on the same data and emulator, measured the same way.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { REFERENCE_DIR, SYSTEM_PYTHON, WELL_CSV, WORKBOOK } from './paths';
import { freePort, logTail, runMeasured, startProcess, waitForHttp, type MeasuredRun, type RunningProcess } from './processes';

export const REFERENCE_TABLE = 'seed-imagers';
export const REFERENCE_WELL = 'test-well';
const MODULES = ['pandas', 'openpyxl', 'PIL', 'matplotlib', 'boto3', 'fastapi', 'uvicorn'];

export interface PythonCheck {
  ok: boolean;
  /** Why the reference cannot run, when it cannot. */
  reason?: string;
  python?: string;
  pandas?: string;
}

export function checkReference(): PythonCheck {
  if (!existsSync(REFERENCE_DIR)) return { ok: false, reason: `${REFERENCE_DIR} does not exist` };
  if (!existsSync(SYSTEM_PYTHON)) return { ok: false, reason: `${SYSTEM_PYTHON} is not installed` };
  const probe = spawnSync(SYSTEM_PYTHON, ['-c', `import sys, ${MODULES.join(', ')}; print(sys.version.split()[0], pandas.__version__)`], { encoding: 'utf8', timeout: 60_000 });
  if (probe.status !== 0) {
    const missing = /No module named '([^']+)'/.exec(probe.stderr ?? '')?.[1];
    return { ok: false, reason: missing ? `Python module ${missing} is missing (apt-get install python3-pandas python3-openpyxl python3-pil python3-matplotlib python3-boto3 python3-fastapi python3-uvicorn)` : `${SYSTEM_PYTHON} cannot import ${MODULES.join(', ')}: ${(probe.stderr ?? '').trim().split('\n').pop()}` };
  }
  const [python, pandas] = probe.stdout.trim().split(/\s+/);
  return { ok: true, python, pandas };
}

function pythonEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  // The reference folder is read-only: no bytecode files.
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', PYTHONDONTWRITEBYTECODE: '1', ...extra };
}

export interface ReferenceEtlRun<T> {
  /** The JSON line the program printed (its own timings). */
  report: T;
  /** The whole process: interpreter start, imports, work. */
  wallMs: number;
  peakRssMb: number | undefined;
}

function parseReport<T>(name: string, run: MeasuredRun, logFile: string): ReferenceEtlRun<T> {
  const line = run.stdout.trim().split('\n').pop() ?? '';
  // The log is shared by every run of the program: its last line is this run's exception.
  if (run.code !== 0) throw new Error(`reference ${name} exited with ${run.code}: ${logTail(logFile, 1)} (whole log: ${logFile})`);
  try {
    return { report: JSON.parse(line) as T, wallMs: run.wallMs, peakRssMb: run.peakRssMb };
  } catch {
    throw new Error(`reference ${name} printed "${line}" instead of its JSON report`);
  }
}

export interface EgridReport {
  rows: number;
  read_s: number;
  transform_write_s: number;
  total_s: number;
}

export async function runReferenceEgrid(workDir: string): Promise<ReferenceEtlRun<EgridReport> & { datamartDir: string }> {
  const datamartDir = path.join(workDir, 'reference-datamarts');
  const logFile = path.join(workDir, 'reference-etl-egrid.log');
  await mkdir(datamartDir, { recursive: true });
  const run = await runMeasured({
    name: 'reference seed_etl_egrid.py',
    command: SYSTEM_PYTHON,
    args: [path.join(REFERENCE_DIR, 'seed_etl_egrid.py'), WORKBOOK, path.join(datamartDir, 'dm-2018.pkl')],
    cwd: workDir,
    env: pythonEnv(),
    logFile,
  });
  return { ...parseReport<EgridReport>('seed_etl_egrid.py', run, logFile), datamartDir };
}

export interface WellReport {
  rows: number;
  parse_resize_s: number;
  write_s: number;
  total_s: number;
}

export async function runReferenceWell(workDir: string, dynamodbEndpoint: string, well = REFERENCE_WELL, file = WELL_CSV): Promise<ReferenceEtlRun<WellReport>> {
  const logFile = path.join(workDir, 'reference-etl-well.log');
  const run = await runMeasured({
    name: 'reference seed_etl_well.py',
    command: SYSTEM_PYTHON,
    args: [path.join(REFERENCE_DIR, 'seed_etl_well.py'), file, '--endpoint', dynamodbEndpoint, '--table', REFERENCE_TABLE, '--well', well],
    cwd: workDir,
    env: pythonEnv(),
    logFile,
  });
  return parseReport<WellReport>('seed_etl_well.py', run, logFile);
}

export interface ReferenceService {
  url: string;
  process: RunningProcess;
}

/** seed_service.py under uvicorn (one worker, as the original ran it), on a free port. */
export async function startReferenceService(workDir: string, datamartDir: string, dynamodbEndpoint: string): Promise<ReferenceService> {
  const port = await freePort();
  const proc = startProcess({
    name: 'reference seed_service.py',
    command: SYSTEM_PYTHON,
    args: ['-m', 'uvicorn', 'seed_service:app', '--host', '127.0.0.1', '--port', String(port)],
    cwd: REFERENCE_DIR,
    env: pythonEnv({ SEED_DATAMART_DIR: datamartDir, SEED_TABLE: REFERENCE_TABLE, SEED_ENDPOINT: dynamodbEndpoint }),
    logFile: path.join(workDir, 'reference-service.log'),
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/plants?year=2018&top_n=1`, proc, 120_000);
  return { url, process: proc };
}

/**
 * The make side of the local ETL on upload (SPEC §6.3; the worker is infrastructure/emulators/auto-ingest.ts):
 *
 *   tsx auto-ingest.ts register CHALLENGE_DIR --state-dir D --lambda ZIP --layer ZIP [--env K=V]...
 *       auto_ingest true: the raw bucket's objects with the raw key's suffix run this challenge's ETL
 *       (AWS settings from AWS_REGION, S3_ENDPOINT, DYNAMODB_ENDPOINT); false: nothing runs on upload
 *   tsx auto-ingest.ts unregister CHALLENGE_DIR --state-dir D         (make clean: registration and runs)
 *   tsx auto-ingest.ts wait --state-dir D --upload-result FILE [--timeout S]
 *       waits for the run of the object version the upload tool recorded in FILE, streams its log to
 *       stderr, prints its result on stdout; exit 1 with the ETL's message when the run failed
 *   tsx auto-ingest.ts logs --state-dir D --bucket B [--last N]
 *       the last runs of a bucket (status, key, version, log file), then the log of the latest
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { awsSettingsFromEnv } from '../../core/aws/clients';
import { loadChallengeConfig } from '../../core/config';
import { errorMessage } from '../../core/log';
import { isCliEntry } from '../cli-entry';
import { reportRunOutcome } from './run-outcome';
import { autoIngestDir, readJson, registrationPath, runRecordPath, runsDir, writeJsonAtomically, type AutoIngestRegistration, type RunRecord } from '../emulators/auto-ingest';

class ToolError extends Error {}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function environmentOf(pairs: string[]): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new ToolError(`--env expects KEY=VALUE, got "${pair}"`);
    environment[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return environment;
}

export function register(challengeDir: string, stateDir: string, artifacts: { lambdaZip: string; layerZip: string }, environment: Record<string, string>): string {
  const config = loadChallengeConfig(challengeDir);
  const file = registrationPath(stateDir, config.raw_bucket);
  if (!config.auto_ingest) {
    rmSync(file, { force: true });
    return `auto_ingest: false: uploads to s3://${config.raw_bucket} run nothing; make preprocess runs the ETL`;
  }
  const suffix = path.extname(config.raw_key).toLowerCase();
  if (!suffix) throw new ToolError(`raw_key "${config.raw_key}" has no extension: auto_ingest needs the suffix of the keys to run the ETL for`);
  const registration: AutoIngestRegistration = {
    bucket: config.raw_bucket,
    suffix,
    challenge: config.challenge,
    lambdaZip: path.resolve(artifacts.lambdaZip),
    layerZip: path.resolve(artifacts.layerZip),
    handler: config.lambda_handler,
    functionName: config.lambda_function,
    memoryMb: config.lambda_memory_mb,
    timeoutSeconds: config.lambda_timeout_s,
    environment,
    aws: awsSettingsFromEnv(),
  };
  const before = readJson<AutoIngestRegistration>(file);
  if (JSON.stringify(before) !== JSON.stringify(registration)) writeJsonAtomically(file, registration);
  return `auto_ingest: objects created in s3://${config.raw_bucket} ending in ${suffix} run ${config.lambda_handler} (runs and logs in ${runsDir(stateDir, config.raw_bucket)})`;
}

/** Removes a bucket's registration and its runs (make clean); the folder too once nothing is left in it. */
export function unregister(stateDir: string, bucket: string): void {
  rmSync(registrationPath(stateDir, bucket), { force: true });
  rmSync(runsDir(stateDir, bucket), { recursive: true, force: true });
  for (const dir of [path.dirname(runsDir(stateDir, bucket)), autoIngestDir(stateDir)]) {
    if (existsSync(dir) && readdirSync(dir).length === 0) rmSync(dir, { recursive: true, force: true });
  }
}

interface UploadResult {
  bucket: string;
  key: string;
  etag: string;
  versionId?: string;
}

/** Waits for the run of one object version; resolves with its record once it has ended. */
export async function waitForRun(
  stateDir: string,
  upload: UploadResult,
  options: { timeoutMs: number; startTimeoutMs?: number; pollMs?: number; onLog?: (text: string) => void },
): Promise<RunRecord> {
  const object = `s3://${upload.bucket}/${upload.key}`;
  if (!upload.versionId) {
    throw new ToolError(`the upload of ${object} got no version id from the local S3, so its ETL run cannot be told from another: restart the emulators (make stop, then make)`);
  }
  const file = runRecordPath(stateDir, upload.bucket, upload.versionId);
  const started = Date.now();
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  let logOffset = 0;
  const flushLog = (record: RunRecord): void => {
    if (!options.onLog || !existsSync(record.log)) return;
    const text = readFileSync(record.log);
    if (text.length > logOffset) options.onLog(text.subarray(logOffset).toString('utf8'));
    logOffset = text.length;
  };
  for (;;) {
    const record = readJson<RunRecord>(file);
    if (record) flushLog(record);
    if (record && (record.status === 'succeeded' || record.status === 'failed')) return record;
    const waited = Date.now() - started;
    if (!record && waited > startTimeoutMs) {
      throw new ToolError(
        `no ETL run of ${object} (version ${upload.versionId}) was queued within ${startTimeoutMs / 1000} s: is auto_ingest registered for ${upload.bucket} (make infrastructure)? See ${path.dirname(file)}`,
      );
    }
    if (waited > options.timeoutMs) throw new ToolError(`the ETL run of ${object} (version ${upload.versionId}) has not ended after ${Math.round(waited / 1000)} s (${record?.status ?? 'not queued'}); its log: ${record?.log ?? '-'}`);
    await sleep(options.pollMs ?? 200);
  }
}

function logs(stateDir: string, bucket: string, last: number): string {
  const dir = runsDir(stateDir, bucket);
  const records = (existsSync(dir) ? readdirSync(dir) : [])
    .filter((name) => name.endsWith('.json'))
    .map((name) => readJson<RunRecord>(path.join(dir, name)))
    .filter((r): r is RunRecord => r !== undefined)
    .sort((a, b) => (a.queuedAt < b.queuedAt ? -1 : 1))
    .slice(-last);
  if (records.length === 0) return `no ETL run on upload recorded for s3://${bucket} (in ${dir})\n`;
  const lines = records.map((r) => {
    const outcome = r.status === 'failed' ? `: ${r.error?.errorMessage ?? ''}` : '';
    return `${r.queuedAt}  ${r.status.padEnd(9)}  s3://${r.bucket}/${r.key}  version ${r.versionId}${r.durationMs === undefined ? '' : `  ${r.durationMs} ms`}${outcome}\n    log: ${r.log}`;
  });
  const latest = records.at(-1)!;
  const latestLog = existsSync(latest.log) ? readFileSync(latest.log, 'utf8') : '(no log yet)\n';
  return `${lines.join('\n')}\n\nlog of the latest run (${latest.log}):\n${latestLog}`;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'state-dir': { type: 'string' },
      lambda: { type: 'string' },
      layer: { type: 'string' },
      env: { type: 'string', multiple: true },
      'upload-result': { type: 'string' },
      timeout: { type: 'string' },
      bucket: { type: 'string' },
      last: { type: 'string' },
    },
  });
  const [command, challengeDir] = positionals;
  const stateDir = values['state-dir'];
  if (!stateDir) throw new ToolError('--state-dir is required');
  switch (command) {
    case 'register':
      if (!challengeDir || !values.lambda || !values.layer) throw new ToolError('register needs CHALLENGE_DIR, --lambda and --layer');
      console.log(register(challengeDir, stateDir, { lambdaZip: values.lambda, layerZip: values.layer }, environmentOf(values.env ?? [])));
      return 0;
    case 'unregister':
      if (!challengeDir) throw new ToolError('unregister needs CHALLENGE_DIR');
      unregister(stateDir, loadChallengeConfig(challengeDir).raw_bucket);
      return 0;
    case 'wait': {
      if (!values['upload-result']) throw new ToolError('wait needs --upload-result FILE (written by upload.ts --result-file)');
      if (!existsSync(values['upload-result'])) throw new ToolError(`${values['upload-result']} does not exist: no upload recorded to wait for (run make raw-data)`);
      const upload = JSON.parse(readFileSync(values['upload-result'], 'utf8')) as UploadResult;
      const timeoutMs = Number(values.timeout ?? 900) * 1000;
      const record = await waitForRun(stateDir, upload, { timeoutMs, onLog: (text) => process.stderr.write(text) });
      return reportRunOutcome({
        object: `s3://${record.bucket}/${record.key}`,
        failed: record.status === 'failed',
        result: record.result,
        errorMessage: record.error?.errorMessage,
        where: `its log: ${record.log}`,
      });
    }
    case 'logs':
      if (!values.bucket) throw new ToolError('logs needs --bucket');
      process.stdout.write(logs(stateDir, values.bucket, Number(values.last ?? 10)));
      return 0;
    default:
      throw new ToolError('usage: auto-ingest.ts register|unregister|wait|logs ... (see the comment at the top of the file)');
  }
}

if (isCliEntry(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(`auto-ingest: ${errorMessage(err)}`);
      process.exitCode = 1;
    },
  );
}

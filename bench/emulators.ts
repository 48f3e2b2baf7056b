/** The bench's own S3 and DynamoDB emulators, each in its own process on a free port. */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { AwsSettings } from '../core/aws/clients';
import { typescriptArgs } from './paths';
import { logTail, startProcess, stopProcess, type RunningProcess } from './processes';

export interface BenchEmulators {
  settings: AwsSettings;
  processes: RunningProcess[];
  stop(): Promise<void>;
}

const CHILD = path.join(import.meta.dirname, 'emulator-child.ts');

/** Reads the child's first stdout line: its endpoint. */
function endpointOf(proc: RunningProcess, timeoutMs = 30_000): Promise<string> {
  const stdout = proc.child.stdout;
  if (!stdout) return Promise.reject(new Error(`${proc.name}: no stdout`));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: stdout });
    const timer = setTimeout(() => reject(new Error(`${proc.name} did not start within ${timeoutMs / 1000} s:\n${logTail(proc.logFile)}`)), timeoutMs);
    lines.once('line', (line) => {
      clearTimeout(timer);
      lines.close();
      stdout.resume();
      try {
        resolve((JSON.parse(line) as { endpoint: string }).endpoint);
      } catch {
        reject(new Error(`${proc.name} printed "${line}" instead of its endpoint`));
      }
    });
    const early = (): void => {
      clearTimeout(timer);
      reject(new Error(`${proc.name} exited while starting:\n${logTail(proc.logFile)}`));
    };
    proc.exited.then(early, early);
  });
}

export async function startBenchEmulators(workDir: string, region: string): Promise<BenchEmulators> {
  const started: RunningProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(started.map((p) => stopProcess(p)));
  };
  try {
    const endpoints: Record<string, string> = {};
    for (const kind of ['s3', 'dynamodb'] as const) {
      const dataDir = path.join(workDir, 'emulators', kind);
      await mkdir(dataDir, { recursive: true });
      const proc = startProcess(
        { name: `${kind} emulator`, command: process.execPath, args: typescriptArgs(CHILD, kind, dataDir), cwd: workDir, env: process.env, logFile: path.join(workDir, `${kind}-emulator.log`) },
        'pipe',
      );
      started.push(proc);
      endpoints[kind] = await endpointOf(proc);
    }
    return { settings: { region, s3Endpoint: endpoints.s3, dynamodbEndpoint: endpoints.dynamodb }, processes: started, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

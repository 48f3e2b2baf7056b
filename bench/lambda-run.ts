/**
 * One ETL run through the local Lambda runner (infrastructure/tools/invoke-local.ts), as `make
 * preprocess` runs it: the built lambda.zip and layer.zip in a separate Node process with the
 * function's memory size and timeout. The runner's REPORT line gives the process's peak RSS.
 */
import { createWriteStream } from 'node:fs';
import { Writable } from 'node:stream';
import type { AwsSettings } from '../core/aws/clients';
import type { ChallengeConfig } from '../core/config';
import { invokeLocal } from '../infrastructure/tools/invoke-local';
import { LAMBDA_ZIP, LAYER_ZIP } from './paths';

export interface LambdaRun {
  result: unknown;
  /** From starting the Lambda process to its result (process start and module loading included). */
  wallMs: number;
  /** Peak RSS of the Lambda process (its REPORT line). */
  peakRssMb: number | undefined;
}

/** Copies the handler's log lines to a file and picks the runtime's REPORT line out of them. */
class ReportWatcher extends Writable {
  peakRssMb: number | undefined;
  private pending = '';
  private readonly file;

  constructor(logFile: string) {
    super();
    this.file = createWriteStream(logFile, { flags: 'a' });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.file.write(chunk);
    const lines = (this.pending + chunk.toString('utf8')).split('\n');
    this.pending = lines.pop() ?? '';
    for (const line of lines) this.scan(line);
    callback();
  }

  private scan(line: string): void {
    if (!line.includes('REPORT RequestId')) return;
    try {
      const report = JSON.parse(line) as { maxMemoryUsedMb?: number };
      if (typeof report.maxMemoryUsedMb === 'number') this.peakRssMb = report.maxMemoryUsedMb;
    } catch {
      // not a JSON log line
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.file.end(resolve));
  }
}

export async function runLambda(config: ChallengeConfig, aws: AwsSettings, event: unknown, environment: Record<string, string>, logFile: string): Promise<LambdaRun> {
  const logs = new ReportWatcher(logFile);
  try {
    const run = await invokeLocal({
      lambdaZip: LAMBDA_ZIP,
      layerZip: LAYER_ZIP,
      handler: config.lambda_handler,
      functionName: config.lambda_function,
      memoryMb: config.lambda_memory_mb,
      timeoutSeconds: config.lambda_timeout_s,
      environment: { LOG_LEVEL: 'info', ...environment },
      aws,
      event,
      logs,
    });
    return { result: run.result, wallMs: run.durationMs, peakRssMb: logs.peakRssMb };
  } finally {
    await logs.close();
  }
}

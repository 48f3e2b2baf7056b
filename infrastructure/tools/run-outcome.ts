/**
 * How `make preprocess` ends after waiting for an ETL run on upload, on either target (auto-ingest.ts
 * wait, etl-wait.ts): the result as JSON on stdout and exit 0, or the ETL's own message on stderr, with
 * where its log is, and exit 1.
 */
export interface RunOutcome {
  /** `s3://bucket/key (version ...)` */
  object: string;
  failed: boolean;
  result?: unknown;
  errorMessage?: string;
  /** Where the run's log is. */
  where: string;
}

export function reportRunOutcome(outcome: RunOutcome, io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream } = process): number {
  if (outcome.failed) {
    io.stderr.write(`preprocess: the ETL run of ${outcome.object} failed: ${outcome.errorMessage ?? 'unknown error'}\n  (${outcome.where})\n`);
    return 1;
  }
  io.stdout.write(JSON.stringify(outcome.result, null, 2) + '\n');
  return 0;
}

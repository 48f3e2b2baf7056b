/**
 * Runs one ETL Lambda handler in this (child) process, as the local Lambda runner does, so a test can
 * kill it mid-write: `tsx run-handler.ts <well|egrid> '<event JSON>'`. The handler reads its settings
 * from the environment (TABLE_NAME / DATAMARTS_BUCKET, S3_ENDPOINT, DYNAMODB_ENDPOINT). Prints the
 * result as JSON on stdout; a handler error exits 1 with its message on stderr.
 */
const [name, eventJson] = process.argv.slice(2);

async function main(): Promise<void> {
  const module = name === 'well' ? await import('../../../lambda/well') : name === 'egrid' ? await import('../../../lambda/egrid') : undefined;
  if (!module || eventJson === undefined) throw new Error('usage: run-handler.ts <well|egrid> <event JSON>');
  const result: unknown = await module.handler(JSON.parse(eventJson));
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`handler failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});

/**
 * One emulator in its own process, as `make` runs them (infrastructure/emulators/daemon.ts does the
 * same, one process each): `emulator-child.ts s3|dynamodb <data folder>`. Listens on a free port of
 * 127.0.0.1, prints `{"endpoint": ...}` on stdout, and runs until SIGTERM.
 */
import { startLocalS3, type RunningEmulator } from '../infrastructure/emulators/s3';
import { startLocalDynamo } from '../infrastructure/emulators/dynamodb';

async function main(): Promise<void> {
  const [kind, directory] = process.argv.slice(2);
  if ((kind !== 's3' && kind !== 'dynamodb') || !directory) throw new Error('usage: emulator-child.ts s3|dynamodb <data folder>');
  const emulator: RunningEmulator = kind === 's3' ? await startLocalS3({ port: 0, directory }) : await startLocalDynamo({ port: 0, directory });
  process.stdout.write(JSON.stringify({ endpoint: emulator.endpoint }) + '\n');
  const stop = (): void => {
    void emulator.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`emulator: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

/**
 * A re-ingest run in its own process for the "killed mid-write" test: it writes ROWS rows of well WELL
 * one batch at a time, and after PAUSE_AFTER_BATCHES batches prints PAUSED and waits forever inside the
 * next BatchWriteItem, to be killed there with SIGKILL.
 */
import { awsSettingsFromEnv, dynamoClient } from '../../core/aws/clients';
import { WellStore } from '../../core/well/store';
import { interceptDynamo } from './dynamo-intercept';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`well-ingest-child: ${name} is not set`);
  return value;
};

const rows = Number(env('ROWS'));
const pauseAfter = Number(env('PAUSE_AFTER_BATCHES'));
const client = dynamoClient(awsSettingsFromEnv());
let batches = 0;
interceptDynamo(client, async (operation) => {
  if (operation === 'BatchWriteItem' && ++batches > pauseAfter) {
    process.stdout.write('PAUSED\n');
    await new Promise(() => setInterval(() => undefined, 1000));
  }
});

const width = 8;
const pixels = new Uint8Array(rows * width).fill(7);
const depthsTenths = Array.from({ length: rows }, (_, i) => 5000 + i);
await new WellStore({ client, tableName: env('TABLE_NAME'), writeConcurrency: 1 }).replaceWell(env('WELL'), { depthsTenths, width, pixels }, 'killed');
process.stdout.write('FINISHED\n');

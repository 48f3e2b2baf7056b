/**
 * Challenge-2 ETL handler. Event: `{bucket, key, well?}` (the original's) or an S3 notification.
 * Environment: TABLE_NAME (required), IMAGES_SIZE (default 150), AWS_REGION / S3_ENDPOINT /
 * DYNAMODB_ENDPOINT. Returns the ingest summary (an array of them for a notification with several
 * records); any problem is thrown with a message naming it.
 */
import { createLogger } from '../core/log';
import { DEFAULT_IMAGES_SIZE, ingestWell, type IngestSummary } from '../core/well/ingest';
import { parseThreads } from '../core/well/parse-threads';
import { WellStore } from '../core/well/store';
import { invocationDynamoClient, invocationS3Client, warmUpClients } from './clients';
import { sourceObjects } from './events';
import { recordingRuns } from './run-records';

const logger = createLogger('lambda-well');

interface HandlerConfig {
  tableName: string;
  imagesSize: number;
}

function configFromEnv(env: NodeJS.ProcessEnv): HandlerConfig {
  const tableName = env.TABLE_NAME;
  if (!tableName) throw new Error('environment variable TABLE_NAME is not set (the DynamoDB table to write)');
  const rawSize = env.IMAGES_SIZE;
  const imagesSize = rawSize === undefined || rawSize === '' ? DEFAULT_IMAGES_SIZE : Number(rawSize);
  if (!Number.isInteger(imagesSize) || imagesSize < 1 || imagesSize > 65536) {
    throw new Error(`environment variable IMAGES_SIZE must be a positive integer, got "${rawSize}"`);
  }
  return { tableName, imagesSize };
}

function wellFromEvent(event: unknown): string | undefined {
  const well = (event as { well?: unknown } | null)?.well;
  if (well === undefined || well === null || well === '') return undefined;
  if (typeof well !== 'string') throw new Error('event.well must be a string');
  return well;
}

// Lambda's init phase (module scope, once per container, before the first event): the parse thread is
// started and loads csv-parse (parse-threads.ts), and the clients resolve what they need and open their
// connection. An invocation waits for what is left of it before its ingest starts (a CommonJS module
// cannot await here).
const initialised = Promise.all([parseThreads.prestart().ready, warmUpClients()]);

/** Each run on upload is recorded for make (run-records.ts). */
export const handler = recordingRuns(async (event: unknown): Promise<IngestSummary | IngestSummary[]> => {
  await initialised;
  const config = configFromEnv(process.env);
  const objects = sourceObjects(event);
  const well = wellFromEvent(event);
  const s3 = invocationS3Client();
  const store = new WellStore({ client: invocationDynamoClient(), tableName: config.tableName, logger });
  const summaries: IngestSummary[] = [];
  for (const object of objects) {
    try {
      const summary = await ingestWell({ ...object, well }, { s3, store, imagesSize: config.imagesSize, logger });
      logger.info('ingest done', { ...summary });
      summaries.push(summary);
    } finally {
      // The thread stays for the next ingest (this event's next record's, or a warm invocation's); one
      // that was ended (a rejected file) is replaced now.
      parseThreads.prestart();
    }
  }
  return summaries.length === 1 ? summaries[0] : summaries;
}, (results) => results.flat());

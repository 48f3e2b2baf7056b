/**
 * The well-imager table (SPEC §4.4): hash `well` (S), range `depth` (N, tenths of a foot), `image` (B),
 * and what readers and writers of it share: the slot layout, well id rules, paged Queries, creation.
 */
import {
  CreateTableCommand,
  QueryCommand,
  ResourceInUseException,
  waitUntilTableExists,
  type AttributeValue,
  type DynamoDBClient,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';

export interface WellTable {
  client: DynamoDBClient;
  tableName: string;
}

const SLOT_SEPARATOR = '#';
const MAX_WELL_ID_LENGTH = 200;

/** Why a well id cannot be stored, or undefined when it can. */
export function wellIdProblem(well: string): string | undefined {
  if (well.length === 0) return 'well id is empty';
  if (well.length > MAX_WELL_ID_LENGTH) return `well id is longer than ${MAX_WELL_ID_LENGTH} characters`;
  if (well.includes(SLOT_SEPARATOR)) return `well id "${well}" contains "${SLOT_SEPARATOR}" (reserved for the store's slots)`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(well)) return `well id ${JSON.stringify(well)} contains control characters`;
  return undefined;
}

/**
 * The hash key of an ingest's rows: ticket 0's are under the bare well id (the original layout), ticket
 * n's under `<well>#n`. Well ids may not contain `#`, so no well's slot can collide with another's.
 */
export function slotKey(well: string, ticket: number): string {
  return ticket === 0 ? well : `${well}${SLOT_SEPARATOR}${ticket}`;
}

export function isNamed(err: unknown, name: string): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: string }).name === name;
}

/** Every item a strongly consistent Query returns, page after page (LastEvaluatedKey): never a truncated answer. */
export async function* queryAllPages(
  table: WellTable,
  input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey' | 'ConsistentRead'>,
): AsyncGenerator<Record<string, AttributeValue>> {
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await table.client.send(new QueryCommand({ ...input, TableName: table.tableName, ExclusiveStartKey: startKey, ConsistentRead: true }));
    yield* page.Items ?? [];
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}

/** Creates the table (PAY_PER_REQUEST) unless it exists, and waits until it is active. For tests and tools. */
export async function createWellTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'well', AttributeType: 'S' },
          { AttributeName: 'depth', AttributeType: 'N' },
        ],
        KeySchema: [
          { AttributeName: 'well', KeyType: 'HASH' },
          { AttributeName: 'depth', KeyType: 'RANGE' },
        ],
      }),
    );
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
  }
  await waitUntilTableExists({ client, maxWaitTime: 120, minDelay: 1, maxDelay: 5 }, { TableName: tableName });
}

/** Well-store test fixtures over the DynamoDB emulator: fresh tables, counted commands, synthetic rows. */
import { ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoClient, type AwsSettings } from '../../core/aws/clients';
import { interceptDynamo } from './dynamo-intercept';
import { CATALOG_KEY, createWellTable, WellStore, type WellRows } from '../../core/well/store';

let tables = 0;

/** A fresh table per test, so tests run concurrently without sharing state. */
export async function freshWellTable(settings: AwsSettings, prefix: string): Promise<{ client: DynamoDBClient; tableName: string; store: WellStore }> {
  const client = dynamoClient(settings);
  const tableName = `${prefix}-${++tables}`;
  await createWellTable(client, tableName);
  return { client, tableName, store: new WellStore({ client, tableName }) };
}

/**
 * Counts the requests a client sends, by command name, nothing changed: the SDK's commands as they are
 * sent (a middleware), and BatchWriteItem, which goes out without a command (core/aws/batch-write-item.ts),
 * at the HTTP handler.
 */
export function countCommands(client: DynamoDBClient): Map<string, number> {
  const counts = new Map<string, number>();
  const count = (name: string): void => void counts.set(name, (counts.get(name) ?? 0) + 1);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      count(context.commandName!);
      return next(args);
    },
    { step: 'initialize' },
  );
  interceptDynamo(client, (operation) => {
    if (operation === 'BatchWriteItem') count('BatchWriteItemCommand');
  });
  return counts;
}

/** rows × width synthetic pixels whose values identify the version, row and column. */
export function makeRows(depthsTenths: number[], width: number, version: number): WellRows {
  const pixels = new Uint8Array(depthsTenths.length * width);
  for (let r = 0; r < depthsTenths.length; r++) for (let c = 0; c < width; c++) pixels[r * width + c] = (version * 50 + r + c) % 256;
  return { depthsTenths, width, pixels };
}

export const range = (from: number, count: number): number[] => Array.from({ length: count }, (_, i) => from + i);

/** Every row item in the table (the catalog excluded), as hash key → depths, by a Scan. */
export async function tableRows(client: DynamoDBClient, tableName: string): Promise<Map<string, number[]>> {
  const rows = new Map<string, number[]>();
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey }));
    for (const item of page.Items ?? []) {
      const key = item.well!.S!;
      if (key === CATALOG_KEY) continue;
      rows.set(key, [...(rows.get(key) ?? []), Number(item.depth!.N)].sort((a, b) => a - b));
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return rows;
}

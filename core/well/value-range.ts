/**
 * The stored value range of a well kept in its catalog entry (the window of normalize=well). Ingests
 * write it with the entry; for an entry written before that, the store computes it once from the rows
 * and records it here, only while that very ingest is still the one served.
 */
import { ConditionalCheckFailedException, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { catalogKey, type CatalogEntry } from './catalog';
import type { WellTable } from './table';

export interface ValueRange {
  valueMin: number;
  valueMax: number;
}

/** Adds the range to `entry` in the catalog; nothing happens if the well was re-ingested meanwhile. */
export async function recordValueRange(table: WellTable, entry: CatalogEntry, range: ValueRange): Promise<void> {
  try {
    await table.client.send(
      new UpdateItemCommand({
        TableName: table.tableName,
        Key: catalogKey(),
        UpdateExpression: 'SET #wells.#w.#min = :min, #wells.#w.#max = :max',
        ConditionExpression: '#wells.#w.#generation = :generation AND #wells.#w.#ingestedAt = :ingestedAt',
        ExpressionAttributeNames: { '#wells': 'wells', '#w': entry.well, '#min': 'valueMin', '#max': 'valueMax', '#generation': 'generation', '#ingestedAt': 'ingestedAt' },
        ExpressionAttributeValues: {
          ':min': { N: String(range.valueMin) },
          ':max': { N: String(range.valueMax) },
          ':generation': { N: String(entry.generation) },
          ':ingestedAt': { S: entry.ingestedAt },
        },
      }),
    );
  } catch (err) {
    // A re-ingest replaced the entry: the new one carries its own range.
    if (!(err instanceof ConditionalCheckFailedException)) throw err;
  }
}

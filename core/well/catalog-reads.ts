/**
 * Strongly consistent reads of catalog entries, shared between concurrent callers.
 *
 * The promise of `read(well)` settles with a GetItem (ConsistentRead) that was sent after `read` was
 * called, so what it returns was the catalog's state at some moment during the call: the guarantee of
 * a read of one's own. Callers waiting while a GetItem is in flight do not join it (it was sent before
 * they asked); they share the next one, which projects every well they wait for. Under load a frame then
 * costs a fraction of a catalog read instead of one each. As everyone waits for the read in flight, one
 * that does not answer is given up after a timeout (a TimeoutError, which the service answers with 503)
 * rather than holding every frame behind it.
 *
 * It also remembers, for each well that exists, the entry of its latest read and when that read was
 * sent: `recent(well, maxAgeMs)` gives it while that is at most maxAgeMs ago (the entry was current at
 * a moment after the read was sent, so it is at most maxAgeMs old), for callers that accept that much
 * staleness. A failed read forgets everything, so an unreachable table is reported, not papered over.
 * `refreshIfOlder` reads a well again in the background before its entry gets too old, so that callers
 * of `recent` under steady use keep finding one instead of each in turn waiting for a read.
 */
import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { catalogKey, entryFromAttribute, type CatalogEntry } from './catalog';

/** Wells projected by one GetItem; more wait for the next. */
const MAX_WELLS_PER_READ = 50;
export const DEFAULT_CATALOG_READ_TIMEOUT_MS = 5000;

interface Seen {
  entry: CatalogEntry;
  /** performance.now() when the read that returned it was sent. */
  sentAt: number;
}

interface Waiter {
  resolve(entry: CatalogEntry | undefined): void;
  reject(err: unknown): void;
}

export class CatalogReads {
  private waiting = new Map<string, Waiter[]>();
  private inFlight = false;
  /** Only wells found: it grows with the catalog, not with the ids asked for. */
  private readonly latest = new Map<string, Seen>();
  /** Wells with a background read under way (refreshIfOlder). */
  private readonly refreshing = new Set<string>();

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly timeoutMs = DEFAULT_CATALOG_READ_TIMEOUT_MS,
  ) {}

  read(well: string): Promise<CatalogEntry | undefined> {
    return new Promise((resolve, reject) => {
      const waiters = this.waiting.get(well);
      if (waiters) waiters.push({ resolve, reject });
      else this.waiting.set(well, [{ resolve, reject }]);
      if (!this.inFlight) {
        this.inFlight = true;
        // Reads asked for in the same tick share the first GetItem too.
        queueMicrotask(() => this.send());
      }
    });
  }

  /** The entry of the latest read of `well` if that read was sent at most maxAgeMs ago and found it. */
  recent(well: string, maxAgeMs: number): CatalogEntry | undefined {
    const seen = this.latest.get(well);
    return seen && performance.now() - seen.sentAt <= maxAgeMs ? seen.entry : undefined;
  }

  /**
   * Starts a read of `well` in the background if the latest one found it and was sent more than ageMs
   * ago, unless one is under way; its outcome reaches later callers of `recent` (a failure, as any, makes
   * them read the catalog themselves).
   */
  refreshIfOlder(well: string, ageMs: number): void {
    const seen = this.latest.get(well);
    if (!seen || performance.now() - seen.sentAt <= ageMs || this.refreshing.has(well)) return;
    this.refreshing.add(well);
    this.read(well)
      .catch(() => undefined)
      .finally(() => this.refreshing.delete(well));
  }

  /** Records an entry that was current at a moment after sentAt (e.g. one this process just flipped to). */
  remember(entry: CatalogEntry, sentAt: number): void {
    const seen = this.latest.get(entry.well);
    if (!seen || seen.sentAt <= sentAt) this.latest.set(entry.well, { entry, sentAt });
  }

  /** Forgets every entry read so far: the next `recent` of any well is undefined. */
  forget(): void {
    this.latest.clear();
  }

  private send(): void {
    const batch = new Map<string, Waiter[]>();
    for (const [well, waiters] of this.waiting) {
      if (batch.size === MAX_WELLS_PER_READ) break;
      batch.set(well, waiters);
    }
    for (const well of batch.keys()) this.waiting.delete(well);
    if (batch.size === 0) {
      this.inFlight = false;
      return;
    }
    const sentAt = performance.now();
    this.fetch([...batch.keys()]).then(
      (entries) => {
        for (const [well, waiters] of batch) {
          const entry = entries.get(well);
          if (entry) this.remember(entry, sentAt);
          else this.latest.delete(well);
          for (const w of waiters) w.resolve(entry);
        }
      },
      (err: unknown) => {
        this.forget();
        for (const waiters of batch.values()) for (const w of waiters) w.reject(err);
      },
    ).finally(() => this.send());
  }

  private async fetch(wells: string[]): Promise<Map<string, CatalogEntry>> {
    const names: Record<string, string> = { '#wells': 'wells' };
    wells.forEach((well, i) => (names[`#w${i}`] = well));
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abort.abort();
        reject(Object.assign(new Error(`DynamoDB table "${this.tableName}": no answer to a catalog read within ${this.timeoutMs} ms`), { name: 'TimeoutError' }));
      }, this.timeoutMs);
    });
    const command = new GetItemCommand({
      TableName: this.tableName,
      Key: catalogKey(),
      ProjectionExpression: wells.map((_, i) => `#wells.#w${i}`).join(', '),
      ExpressionAttributeNames: names,
      ConsistentRead: true,
    });
    const sent = this.client.send(command, { abortSignal: abort.signal });
    sent.catch(() => undefined); // its failure after a timeout is already reported as the timeout
    const out = await Promise.race([sent, timeout]).finally(() => clearTimeout(timer));
    const found = out.Item?.wells?.M ?? {};
    const entries = new Map<string, CatalogEntry>();
    for (const well of wells) {
      // Own keys only: a well named "constructor" must not find Object.prototype's.
      if (Object.hasOwn(found, well)) entries.set(well, entryFromAttribute(well, found[well]!));
    }
    return entries;
  }
}

/** Plain HTTP answers for assertions, and waiting (with a deadline) for a service to get somewhere. */

export interface Answer {
  status: number;
  contentType: string;
  body: Buffer;
  /** Where the answer came from, after redirects and the URL's own normalisation (`/a/..` is `/`). */
  url: string;
}

export async function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(url, { headers });
  const body = Buffer.from(await response.arrayBuffer());
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', body, url: response.url };
}

/** The `detail` of a `{"detail": "..."}` error body, or undefined when the body is not that shape. */
export function detailOf(answer: Answer): string | undefined {
  if (!answer.contentType.startsWith('application/json')) return undefined;
  try {
    const parsed = JSON.parse(answer.body.toString('utf8')) as unknown;
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { detail?: unknown }).detail === 'string') return (parsed as { detail: string }).detail;
  } catch {
    return undefined;
  }
  return undefined;
}

/** The service's answer when a backing store is unreachable: 503 with a {"detail"} body. */
export const is503WithDetail = (answer: Answer): boolean => answer.status === 503 && detailOf(answer) !== undefined;

export function describe(answer: Answer): string {
  return `${answer.status} ${answer.contentType} ${answer.body.subarray(0, 300).toString('utf8')}`;
}

/**
 * Calls `probe` until it returns a value (not undefined) or the deadline passes; the deadline is a
 * bound on waiting for the condition, not a performance assertion. Returns the last probe result.
 */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, deadlineMs = 45_000, everyMs = 200): Promise<T> {
  const until = Date.now() + deadlineMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > until) throw new Error(`gave up waiting for ${what} after ${deadlineMs} ms${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

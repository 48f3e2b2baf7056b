/** The pages' one way to read the service's public API (same origin): a JSON answer, or an Error saying why not. */

export interface GetJsonOptions {
  /** The Accept header; default application/json. */
  accept?: string;
  signal?: AbortSignal;
}

/** GETs `path` and parses its JSON; a failed answer throws its `detail` (the API's error shape) or its status. */
export async function getJson<T>(path: string, options: GetJsonOptions = {}): Promise<T> {
  const res = await fetch(path, { headers: { Accept: options.accept ?? 'application/json' }, signal: options.signal });
  if (!res.ok) {
    let detail = `${path} answered ${res.status} ${res.statusText}`.trimEnd();
    try {
      detail = ((await res.json()) as { detail?: string }).detail ?? detail;
    } catch {
      // not JSON: keep the status line
    }
    throw new Error(detail);
  }
  return (await res.json()) as T;
}

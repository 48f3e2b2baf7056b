/**
 * Strong entity tags (RFC 9110 §8.8.3) for data answers: a tag names one version of the data and one
 * normalised query, so two requests meaning the same thing (`state=al` / `state=AL`, parameters in another
 * order) share a tag, and a new datamart or well ingest changes every tag derived from it.
 *
 * A compressed representation is another entity, so its tag carries the coding (`"<tag>-br"`), as strong
 * tags must differ between representations; `If-None-Match` compares tags with the coding removed, since a
 * client holding any coding of the current version holds the current version (RFC 9110 §13.1.2 uses the
 * weak comparison for If-None-Match).
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { ContentCoding } from './encoding';

/** The parameters that select an answer, already validated; undefined ones are left out. */
export type QueryParameters = Readonly<Record<string, string | number | boolean | undefined>>;

/** `a=1&b=x` with keys sorted and undefined values left out. */
export function normalisedQuery(parameters: QueryParameters): string {
  return Object.keys(parameters)
    .filter((key) => parameters[key] !== undefined)
    .sort()
    .map((key) => `${key}=${String(parameters[key])}`)
    .join('&');
}

/** `"<27 base64url chars>"`: a SHA-1 of the data version and the normalised query (or any other string). */
export function strongEtag(version: string, query: QueryParameters | string = ''): string {
  const selector = typeof query === 'string' ? query : normalisedQuery(query);
  return `"${createHash('sha1').update(version).update('\0').update(selector).digest('base64url')}"`;
}

/** A tag for exactly these bytes (for small answers with no version of their own, such as /years). */
export function contentEtag(body: Uint8Array): string {
  return `"${createHash('sha1').update(body).digest('base64url')}"`;
}

/** The tag of one coding of an entity: identity keeps the entity's tag. */
export function codedEtag(etag: string, coding: ContentCoding): string {
  return coding === 'identity' ? etag : `${etag.slice(0, -1)}-${coding}"`;
}

const TAG = /(?:W\/)?"([^"]*)"/g;
const CODING_SUFFIX = /-(?:br|gzip)$/;

/** Whether `If-None-Match` names the entity `etag` (any coding of it), or is `*`. */
export function ifNoneMatchHits(headers: IncomingHttpHeaders, etag: string): boolean {
  const header = headers['if-none-match'];
  if (!header) return false;
  if (header.trim() === '*') return true;
  const wanted = etag.slice(1, -1);
  for (const [, opaque] of header.matchAll(TAG)) {
    if (opaque !== undefined && opaque.replace(CODING_SUFFIX, '') === wanted) return true;
  }
  return false;
}

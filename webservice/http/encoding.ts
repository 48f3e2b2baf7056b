/**
 * Content codings the service answers with, chosen by `Accept-Encoding` through negotiator (the same
 * negotiation the compression middleware and Express use): brotli preferred, then gzip, else identity.
 */
import type { IncomingHttpHeaders } from 'node:http';
import Negotiator from 'negotiator';

export type ContentCoding = 'br' | 'gzip' | 'identity';

/** negotiator ≥ 1 takes the server's order for codings the client rates equally; its types predate that. */
interface PreferringNegotiator {
  encoding(available: readonly string[], options: { preferred: readonly string[] }): string | undefined;
}

const OFFERED: ContentCoding[] = ['br', 'gzip', 'identity'];

/** The coding to answer with; identity when nothing else is acceptable (even if identity is refused). */
export function negotiateCoding(headers: IncomingHttpHeaders): ContentCoding {
  const accepted = headers['accept-encoding'];
  if (!accepted) return 'identity';
  const negotiator = new Negotiator({ headers }) as unknown as PreferringNegotiator;
  return (negotiator.encoding(OFFERED, { preferred: OFFERED }) as ContentCoding | undefined) ?? 'identity';
}

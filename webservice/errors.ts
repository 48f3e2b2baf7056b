/** HTTP errors with the original service's body shape: {"detail": "..."}. */

/** The body of every error response (documented in the OpenAPI document by each route). */
export interface ErrorDetail {
  detail: string;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(detail);
    this.name = 'HttpError';
  }
}

export const badRequest = (detail: string): HttpError => new HttpError(400, detail);
export const notFound = (detail: string): HttpError => new HttpError(404, detail);

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE', 'EAI_AGAIN']);
const UNREACHABLE_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'NetworkingError', 'ServiceUnavailable', 'ThrottlingException', 'ProvisionedThroughputExceededException', 'RequestLimitExceeded', 'InternalServerError', 'InternalError']);

/** True when an error means a backing store (S3, DynamoDB) could not be reached or is unavailable. */
export function isStoreUnavailable(err: unknown): boolean {
  let current: unknown = err;
  for (let depth = 0; current && depth < 5; depth++) {
    const e = current as { code?: string; name?: string; errors?: unknown[]; $metadata?: { httpStatusCode?: number }; cause?: unknown };
    if (e.code && UNREACHABLE_CODES.has(e.code)) return true;
    if (e.name && UNREACHABLE_NAMES.has(e.name)) return true;
    if (e.$metadata?.httpStatusCode !== undefined && e.$metadata.httpStatusCode >= 500) return true;
    if (Array.isArray(e.errors) && e.errors.some((inner) => isStoreUnavailable(inner))) return true;
    current = e.cause;
  }
  return false;
}

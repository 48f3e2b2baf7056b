/**
 * `Server-Timing: app;dur=<ms>` on every answer (W3C Server Timing; browsers' developer tools show it for
 * each request): the service's own time for it, from the request reaching the app to its headers being
 * written. It leaves out what no server can see of itself: waiting for its thread before that, and the
 * network and the client after. The bench reads it as the service's time per request beside what its
 * client measured.
 */
import type { ServerResponse } from 'node:http';
import onHeaders from 'on-headers';

export const SERVER_TIMING = 'Server-Timing';

/** The header's value for an answer to a request that reached the app at `receivedAt` (performance.now()). */
export function serverTiming(receivedAt: number): string {
  return `app;dur=${(performance.now() - receivedAt).toFixed(2)}`;
}

/**
 * Adds the header when `res` writes its headers, whoever writes them (Express's routes, its error
 * handler, a stream). The early path, which writes its headers in one call, puts it in them itself.
 */
export function timeWhenHeadersGo(res: ServerResponse, receivedAt: number): void {
  onHeaders(res, () => res.setHeader(SERVER_TIMING, serverTiming(receivedAt)));
}

/** The `app` duration of a Server-Timing header, in ms; undefined when there is none. */
export function appDuration(header: string | string[] | undefined): number | undefined {
  const match = /(?:^|,)\s*app;dur=([0-9.]+)/.exec(Array.isArray(header) ? header.join(',') : (header ?? ''));
  return match ? Number(match[1]) : undefined;
}

/**
 * Early answers: prepared responses served before Express and tsoa see the request.
 *
 * An answer is remembered only after the full path (routing, tsoa's validation, the controller) produced
 * it for a request, keyed by that request's exact URL and Accept header; it is then served directly to a
 * byte-identical request for as long as its validity check holds (the data version it was prepared from
 * is still the one the full path would use). So nothing is answered early that was not first validated,
 * and the OpenAPI contract is the full path's by construction. Anything else, including a request with
 * an Origin header (CORS is decided by its middleware), HEAD, or a coding not prepared yet, goes through
 * Express as usual.
 *
 * This is what lets a small cached answer approach what Node's bare http server can do: the full path
 * costs several times more per request than writing prepared bytes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Express } from 'express';
import { SizeBoundedLru } from '../cache/lru-index';
import { writePreparedNow, type PreparedResponse } from './prepared';
import { SERVER_TIMING, serverTiming, timeWhenHeadersGo } from './server-timing';

interface EarlyAnswer {
  prepared: PreparedResponse;
  isCurrent: () => boolean;
}

/** Memory for remembered answers (bodies are usually shared with the views that made them). */
const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;

export class EarlyAnswers {
  private readonly answers = new Map<string, EarlyAnswer>();
  private readonly lru: SizeBoundedLru<string>;

  constructor(maxBytes = DEFAULT_MAX_BYTES) {
    this.lru = new SizeBoundedLru(maxBytes);
  }

  private static keyOf(req: IncomingMessage & { originalUrl?: string }): string | undefined {
    // Express rewrites req.url inside mounted routers; originalUrl is what the client sent.
    const url = req.originalUrl ?? req.url;
    if (req.method !== 'GET' || req.headers.origin !== undefined || url === undefined) return undefined;
    return `${url}\n${req.headers.accept ?? ''}`;
  }

  /** Remembers the answer the full path just gave to `req`, valid while `isCurrent()` is true. */
  remember(req: IncomingMessage, prepared: PreparedResponse, isCurrent: () => boolean): void {
    const key = EarlyAnswers.keyOf(req);
    if (key === undefined || !this.lru.fits(prepared.body.length)) return;
    this.answers.set(key, { prepared, isCurrent });
    for (const evicted of this.lru.add(key, prepared.body.length)) this.answers.delete(evicted);
  }

  /** Answers `req` (which reached the app at `receivedAt`) from memory when it can; false when the request must take the full path. */
  answer(req: IncomingMessage, res: ServerResponse, receivedAt: number): boolean {
    if (this.answers.size === 0) return false;
    const key = EarlyAnswers.keyOf(req);
    if (key === undefined) return false;
    const found = this.answers.get(key);
    if (!found) return false;
    if (!found.isCurrent()) {
      this.answers.delete(key);
      this.lru.delete(key);
      return false;
    }
    return writePreparedNow(req, res, found.prepared, { [SERVER_TIMING]: serverTiming(receivedAt) });
  }

  get size(): number {
    return this.answers.size;
  }
}

type Handle = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => void;

/**
 * Puts `early` in front of the app: every server built from it (`http.createServer(app)`, `app.listen`)
 * tries the remembered answers first. Express's app function calls `app.handle`, which is wrapped here.
 * Every answer carries the service's time for it (server-timing.ts): an early one in its own headers,
 * any other when its headers go.
 */
export function answerEarly(app: Express, early: EarlyAnswers): void {
  const target = app as unknown as { handle: Handle };
  const handle = target.handle.bind(app);
  target.handle = (req, res, next) => {
    const receivedAt = performance.now();
    if (early.answer(req, res, receivedAt)) return;
    timeWhenHeadersGo(res, receivedAt);
    handle(req, res, next);
  };
}

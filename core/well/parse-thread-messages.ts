/** The messages between the ingest (core/well/threaded-parse.ts) and its parse thread (parse-thread.ts). */

export interface ParseThreadSettings {
  /** Names the input in error messages. */
  source: string;
  /** Pixels per stored row: batches leave the thread resized to it. */
  imagesSize: number;
  /** Rows per batch. */
  batchRows: number;
  /** Rows of the first batch (at most batchRows). */
  firstBatchRows: number;
  /** Batches the thread may hand out before the main thread has taken them. */
  credits: number;
}

/**
 * Main thread → parse thread: `start` opens a parse (a session; a thread serves one after another), then
 * its input. Every message names its session: one of an ended session is dropped.
 */
export type ToParseThread = { session: number } & (
  | { type: 'start'; settings: ParseThreadSettings }
  | { type: 'chunk'; bytes: Uint8Array }
  | { type: 'end' }
  | { type: 'failed'; message: string }
  | { type: 'credit' }
);

/** Parse thread → main thread, for one session; `ready` (session 0) once the thread has loaded its modules. */
export type FromParseThread = { session: number } & (
  | { type: 'ready' }
  | { type: 'read' }
  | { type: 'batch'; inputWidth: number; depthsTenths: Float64Array; pixels: Uint8Array }
  | { type: 'done'; width: number; rowsRead: number; rowsDropped: number; rowsKept: number; resizeMs: number }
  | { type: 'error'; message: string; rejected: boolean }
);

/** What a parse thread is started with (its workerData). */
export interface ParseThreadData {
  wellParseThread: true;
}

/** A message without its session, which the sending side adds. */
export type WithoutSession<T> = T extends unknown ? Omit<T, 'session'> : never;

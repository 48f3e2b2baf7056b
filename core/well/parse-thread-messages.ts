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

/** Main thread → parse thread: `start` first (a thread may be started before its ingest is known), then the input. */
export type ToParseThread =
  | { type: 'start'; settings: ParseThreadSettings }
  | { type: 'chunk'; bytes: Uint8Array }
  | { type: 'end' }
  | { type: 'failed'; message: string }
  | { type: 'credit' };

/** Parse thread → main thread. */
export type FromParseThread =
  | { type: 'read' }
  | { type: 'batch'; inputWidth: number; depthsTenths: Float64Array; pixels: Uint8Array }
  | { type: 'done'; width: number; rowsRead: number; rowsDropped: number; rowsKept: number; resizeMs: number }
  | { type: 'error'; message: string; rejected: boolean };

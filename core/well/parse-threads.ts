/**
 * The well ingest's parse threads (parse-thread.ts): started, kept idle between ingests, and handed to the
 * next one. Starting a thread and loading csv-parse in it is work done once per Lambda container, which
 * belongs to its init phase (lambda/well.ts calls `prestart` at module scope), not to every ingest; a warm
 * container's next ingest also finds csv-parse's loop already optimised in the thread it reuses.
 *
 * A thread whose parse ended normally (`done`) goes back to be the idle one (`release`); one whose parse
 * failed, was rejected or was abandoned is terminated instead (`discard`): a thread is reused only in a
 * known state. An idle thread that died (its script failed to load) is replaced at `take`, so such a
 * failure surfaces in the ingest that needs the thread. Idle threads do not keep the process alive once
 * ready.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FromParseThread, ParseThreadData } from './parse-thread-messages';

/** The thread's script in the Lambda bundle, beside the handler (infrastructure/build/lambda.ts). */
export const PARSE_THREAD_BUNDLE = 'well-parse-thread.js';

const PARSE_THREAD_YOUNG_MB = 8;

/**
 * The thread's script and Node options: beside this module's bundle (the Lambda), or the TypeScript
 * source run through tsx, as this module is (tests, tools, the bench).
 */
function parseThreadScript(): { script: string; eval: boolean } {
  if (!import.meta.filename.endsWith('.ts')) return { script: path.join(import.meta.dirname, PARSE_THREAD_BUNDLE), eval: false };
  // A worker does not inherit tsx's loader: the thread loads its TypeScript through tsx's API.
  const source = pathToFileURL(path.join(import.meta.dirname, 'parse-thread.ts')).href;
  const api = import.meta.resolve('tsx/esm/api');
  return { script: `import(${JSON.stringify(api)}).then(({ tsImport }) => tsImport(${JSON.stringify(source)}, ${JSON.stringify(source)}))`, eval: true };
}

/** A running parse thread and the sessions it served. */
export class ParseThread {
  exited = false;
  /** Resolves once the thread has loaded its modules, or has ended. */
  readonly ready: Promise<void>;
  private sessions = 0;

  constructor(readonly worker: Worker) {
    this.ready = new Promise((resolve) => {
      const onReady = (message: FromParseThread): void => {
        if (message.type !== 'ready') return;
        worker.off('message', onReady);
        resolve();
      };
      worker.on('message', onReady);
      worker.once('exit', () => {
        this.exited = true;
        worker.off('message', onReady);
        resolve();
      });
    });
    // Errors while it idles end it (exit above); a session listens for its own.
    worker.on('error', () => undefined);
  }

  /** A new session id: messages of an earlier session are then told apart. */
  nextSession(): number {
    return ++this.sessions;
  }
}

function startParseThread(): ParseThread {
  const thread = parseThreadScript();
  const data: ParseThreadData = { wellParseThread: true };
  // A small young generation: the thread makes short-lived strings by the million (csv-parse's cells), and
  // with V8's default its heap grew with the file's length (peak RSS 127 MB at 1×, 189 MB at 50×).
  return new ParseThread(new Worker(thread.script, { workerData: data, eval: thread.eval, resourceLimits: { maxYoungGenerationSizeMb: PARSE_THREAD_YOUNG_MB } }));
}

export class ParseThreads {
  private idle: ParseThread | undefined;

  /** Starts a thread for the next ingest unless one is idle already. Returns the idle thread. */
  prestart(): ParseThread {
    if (this.idle && !this.idle.exited) return this.idle;
    const thread = startParseThread();
    this.idle = thread;
    // It keeps the process alive until it is ready (someone may be waiting for that), not while it idles.
    void thread.ready.then(() => {
      if (this.idle === thread) thread.worker.unref();
    });
    return thread;
  }

  /** The idle thread if it still runs, else a new one; give it back with `release` or `discard`. */
  take(): ParseThread {
    const idle = this.idle;
    this.idle = undefined;
    if (idle && !idle.exited) {
      idle.worker.ref();
      return idle;
    }
    return startParseThread();
  }

  /** A thread whose session ended with `done`: idle for the next ingest (or ended, if one is idle already). */
  async release(thread: ParseThread): Promise<void> {
    if (thread.exited) return;
    if (this.idle && !this.idle.exited) return this.discard(thread);
    thread.worker.unref();
    this.idle = thread;
  }

  /** Ends a thread (its session failed or was abandoned). */
  async discard(thread: ParseThread): Promise<void> {
    if (this.idle === thread) this.idle = undefined;
    await thread.worker.terminate();
  }
}

/** The process's threads: the Lambda's init starts one ahead, the ingests take it and give it back. */
export const parseThreads = new ParseThreads();

/**
 * Starting the well ingest's parse thread (parse-thread.ts), and keeping one started ahead of the ingest
 * that will use it. Starting a thread and loading csv-parse in it is work done once per Lambda container,
 * which belongs to its init phase (lambda/well.ts calls `prestart` at module scope), not to an ingest.
 *
 * Each thread serves one ingest and is terminated after it (threaded-parse.ts): no state of one ingest
 * reaches the next. A thread started ahead that died before it was taken (its script failed to load) is
 * replaced by a new one at `take`, so such a failure surfaces in the ingest that needs the thread.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** The thread's script in the Lambda bundle, beside the handler (infrastructure/build/lambda.ts). */
export const PARSE_THREAD_BUNDLE = 'well-parse-thread.js';

/** Marks a worker as the parse thread (parse-thread.ts runs only then). */
export const PARSE_THREAD_MARK = 'wellParseThread';

const PARSE_THREAD_YOUNG_MB = 8;

/**
 * The thread's script and Node options: beside this module's bundle (the Lambda), or the TypeScript
 * source run through tsx, as this module is (tests, tools, the bench).
 */
export function parseThreadScript(): { script: string; eval: boolean } {
  if (!import.meta.filename.endsWith('.ts')) return { script: path.join(import.meta.dirname, PARSE_THREAD_BUNDLE), eval: false };
  // A worker does not inherit tsx's loader: the thread loads its TypeScript through tsx's API.
  const source = pathToFileURL(path.join(import.meta.dirname, 'parse-thread.ts')).href;
  const api = import.meta.resolve('tsx/esm/api');
  return { script: `import(${JSON.stringify(api)}).then(({ tsImport }) => tsImport(${JSON.stringify(source)}, ${JSON.stringify(source)}))`, eval: true };
}

function startParseThread(): Worker {
  const thread = parseThreadScript();
  // A small young generation: the thread makes short-lived strings by the million (csv-parse's cells), and
  // with V8's default its heap grew with the file's length (peak RSS 127 MB at 1×, 189 MB at 50×).
  return new Worker(thread.script, { workerData: { [PARSE_THREAD_MARK]: true }, eval: thread.eval, resourceLimits: { maxYoungGenerationSizeMb: PARSE_THREAD_YOUNG_MB } });
}

interface Spare {
  worker: Worker;
  exited: boolean;
}

export class ParseThreads {
  private spare: Spare | undefined;

  /**
   * Starts a thread for the next ingest unless one is waiting already, and returns it. It does not keep
   * the process alive while it waits.
   */
  prestart(): Worker {
    if (this.spare && !this.spare.exited) return this.spare.worker;
    const spare: Spare = { worker: startParseThread(), exited: false };
    spare.worker.once('exit', () => {
      spare.exited = true;
      if (this.spare === spare) this.spare = undefined;
    });
    // A thread that fails while it waits is replaced at take(); the ingest that then needs one sees its error.
    spare.worker.on('error', () => undefined);
    spare.worker.unref();
    this.spare = spare;
    return spare.worker;
  }

  /** The thread started ahead if it is still running, else a new one; it is the caller's to terminate. */
  take(): Worker {
    const spare = this.spare;
    this.spare = undefined;
    if (spare && !spare.exited) {
      spare.worker.ref();
      return spare.worker;
    }
    return startParseThread();
  }
}

/** The process's threads: the Lambda's init starts one ahead, the ingests take it. */
export const parseThreads = new ParseThreads();

'use strict';
/**
 * The Lambda-like child process of invoke-local.ts (SPEC §6.1). Started with Lambda's environment
 * (NODE_PATH = the layer, cwd = the task folder), it receives the event over IPC, runs the handler
 * through lambda-local (context object, timeout, environment), logs START/END/REPORT lines as
 * structured JSON on stderr, and sends back {ok, result} or {ok: false, error}. CommonJS on purpose:
 * it runs on plain node, without the project's TypeScript loader.
 */
const [lambdaLocalPath, configJson] = process.argv.slice(2);
/** @type {{handlerFile: string, handlerName: string, functionName: string, memoryMb: number, timeoutMs: number, region: string}} */
const config = JSON.parse(configJson);
const lambdaLocal = require(lambdaLocalPath);

const ORDER = { debug: 10, info: 20, warn: 30, error: 40 };
const threshold = ORDER[(process.env.LOG_LEVEL || 'info').toLowerCase()] || ORDER.info;

function log(level, msg, fields) {
  if (ORDER[level] < threshold) return;
  process.stderr.write(JSON.stringify({ time: new Date().toISOString(), level, component: 'lambda-runtime', msg, ...fields }) + '\n');
}

// lambda-local's own messages: START is kept; its result and error dumps are replaced by END/REPORT
// below (the result goes to the parent, which prints it on stdout).
lambdaLocal.setLogger({
  transports: [],
  log(level, message) {
    if (typeof message === 'string' && message.startsWith('START')) log('info', message, { function: config.functionName });
  },
});

function report(requestId, started) {
  const durationMs = Math.round(performance.now() - started);
  log('info', `END RequestId: ${requestId}`);
  log('info', `REPORT RequestId: ${requestId}`, {
    durationMs,
    memorySizeMb: config.memoryMb,
    maxMemoryUsedMb: Math.round(process.resourceUsage().maxRSS / 1024),
  });
}

let finished = false;
function finish(message) {
  if (finished) return;
  finished = true;
  process.send(message, () => process.exit(message.ok ? 0 : 1));
}

function errorDetail(error, fallbackType) {
  const e = error && typeof error === 'object' ? error : { errorMessage: String(error) };
  return {
    errorType: e.errorType || e.name || fallbackType,
    errorMessage: e.errorMessage || e.message || String(error),
    stackTrace: Array.isArray(e.stackTrace) ? e.stackTrace : typeof e.stack === 'string' ? e.stack.split('\n').slice(1).map((l) => l.trim()) : [],
  };
}

function fail(detail) {
  log('error', `Invoke Error: ${detail.errorType}: ${detail.errorMessage}`, detail);
  finish({ ok: false, error: detail });
}

// As Lambda's runtime does: an error escaping the handler's promise chain fails the invocation.
process.on('uncaughtException', (error) => fail(errorDetail(error, 'Runtime.UncaughtException')));
process.on('unhandledRejection', (reason) => fail(errorDetail(reason, 'Runtime.UnhandledPromiseRejection')));

process.once('message', (event) => {
  let requestId = 'unknown';
  const started = performance.now();
  lambdaLocal
    .execute({
      event,
      lambdaPath: config.handlerFile,
      lambdaHandler: config.handlerName,
      timeoutMs: config.timeoutMs,
      region: config.region,
      verboseLevel: 3,
      callbackWaitsForEmptyEventLoop: false,
      contextOverwrite(ctx) {
        requestId = ctx.awsRequestId;
        ctx.functionName = config.functionName;
        ctx.memoryLimitInMB = String(config.memoryMb);
        ctx.invokedFunctionArn = `arn:aws:lambda:${config.region}:000000000000:function:${config.functionName}`;
      },
    })
    .then(
      (result) => {
        report(requestId, started);
        finish({ ok: true, result: result === undefined ? null : result });
      },
      (error) => {
        report(requestId, started);
        fail(errorDetail(error, 'Error'));
      },
    );
});

/**
 * Synchronous invocation (RequestResponse) with the last 4 KB of the function's log (LogType Tail).
 * A function error (the handler threw, timed out, ran out of memory) becomes a thrown
 * LambdaFunctionError carrying Lambda's errorType/errorMessage and the log tail, so `make` fails with it.
 * The SDK sets no request timeout of its own: a connection lost mid-invocation would wait forever, so
 * each request is abandoned a margin after the function's own timeout (by then Lambda has answered).
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { isAwsError } from './errors';
import { waitUntilReady, type WaitOptions } from './wait';

export interface Invocation {
  /** The handler's result, parsed from JSON (or the raw text when it is not JSON). */
  result: unknown;
  logTail: string;
  statusCode: number;
}

export class LambdaFunctionError extends Error {
  constructor(
    message: string,
    readonly errorType: string,
    readonly logTail: string,
  ) {
    super(message);
    this.name = 'LambdaFunctionError';
  }
}

function parsePayload(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Beyond the function's timeout: Lambda's own start-up (init up to 10 s) and the answer's way back. */
export const INVOKE_MARGIN_MS = 30_000;

/** How long a synchronous invocation of a function with this timeout is waited for. */
export function invokeTimeoutMs(functionTimeoutS: number): number {
  return functionTimeoutS * 1000 + INVOKE_MARGIN_MS;
}

async function send(client: LambdaClient, functionName: string, event: unknown, timeoutMs: number): Promise<Invocation> {
  const command = new InvokeCommand({
    FunctionName: functionName,
    InvocationType: 'RequestResponse',
    LogType: 'Tail',
    Payload: Buffer.from(JSON.stringify(event)),
  });
  const out = await client.send(command, { abortSignal: AbortSignal.timeout(timeoutMs) }).catch((err: unknown) => {
    const name = (err as { name?: string }).name;
    if (name !== 'AbortError' && name !== 'TimeoutError') throw err;
    throw new Error(
      `Lambda ${functionName}: no answer within ${Math.round(timeoutMs / 1000)} s (its timeout plus ${INVOKE_MARGIN_MS / 1000} s): the connection was probably lost; its outcome is in its CloudWatch log group`,
    );
  });
  const logTail = out.LogResult ? Buffer.from(out.LogResult, 'base64').toString('utf8') : '';
  const result = parsePayload(out.Payload ? Buffer.from(out.Payload).toString('utf8') : '');
  if (out.FunctionError) {
    const body = (typeof result === 'object' && result !== null ? result : {}) as { errorType?: unknown; errorMessage?: unknown };
    const errorType = typeof body.errorType === 'string' ? body.errorType : out.FunctionError;
    const detail = typeof body.errorMessage === 'string' ? body.errorMessage : typeof result === 'string' ? result : JSON.stringify(result);
    throw new LambdaFunctionError(`Lambda ${functionName} failed: ${errorType}: ${detail}`, errorType, logTail);
  }
  return { result, logTail, statusCode: out.StatusCode ?? 200 };
}

/** Invokes once; a function re-activating after weeks idle (ResourceNotReadyException) is waited for and invoked again. */
export async function invokeFunction(client: LambdaClient, functionName: string, event: unknown, wait: WaitOptions, timeoutMs: number): Promise<Invocation> {
  try {
    return await send(client, functionName, event, timeoutMs);
  } catch (err) {
    if (!isAwsError(err, 'ResourceNotReadyException')) throw err;
    await waitUntilReady(client, functionName, wait);
    return send(client, functionName, event, timeoutMs);
  }
}

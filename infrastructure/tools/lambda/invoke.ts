/**
 * Synchronous invocation (RequestResponse) with the last 4 KB of the function's log (LogType Tail).
 * A function error (the handler threw, timed out, ran out of memory) becomes a thrown
 * LambdaFunctionError carrying Lambda's errorType/errorMessage and the log tail, so `make` fails with it.
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

async function send(client: LambdaClient, functionName: string, event: unknown): Promise<Invocation> {
  const out = await client.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'RequestResponse',
      LogType: 'Tail',
      Payload: Buffer.from(JSON.stringify(event)),
    }),
  );
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
export async function invokeFunction(client: LambdaClient, functionName: string, event: unknown, wait: WaitOptions): Promise<Invocation> {
  try {
    return await send(client, functionName, event);
  } catch (err) {
    if (!isAwsError(err, 'ResourceNotReadyException')) throw err;
    await waitUntilReady(client, functionName, wait);
    return send(client, functionName, event);
  }
}

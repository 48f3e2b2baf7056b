/**
 * Lambda accepts one change at a time: after CreateFunction the function is Pending, after an update its
 * LastUpdateStatus is InProgress, and a second call before it settles fails with ResourceConflictException.
 * waitUntilReady polls GetFunctionConfiguration until State is Active and LastUpdateStatus Successful,
 * for a bounded number of polls; Failed states fail with Lambda's own reason.
 */
import { GetFunctionConfigurationCommand, type FunctionConfiguration, type LambdaClient } from '@aws-sdk/client-lambda';

export interface WaitOptions {
  /** Pause between polls. */
  intervalMs: number;
  /** Give up after this long (counted in polls, so tests need no clock). */
  timeoutMs: number;
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_WAIT: WaitOptions = { intervalMs: 2_000, timeoutMs: 5 * 60_000 };

export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitUntilReady(client: LambdaClient, functionName: string, options: WaitOptions = DEFAULT_WAIT): Promise<FunctionConfiguration> {
  const sleep = options.sleep ?? realSleep;
  const polls = Math.max(1, Math.ceil(options.timeoutMs / Math.max(1, options.intervalMs)));
  let last: FunctionConfiguration | undefined;
  for (let poll = 0; poll <= polls; poll++) {
    if (poll > 0) await sleep(options.intervalMs);
    last = await client.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
    if (last.State === 'Failed') throw new Error(`Lambda ${functionName} failed to become active: ${last.StateReasonCode ?? ''} ${last.StateReason ?? ''}`.trim());
    if (last.LastUpdateStatus === 'Failed') throw new Error(`Lambda ${functionName} update failed: ${last.LastUpdateStatusReasonCode ?? ''} ${last.LastUpdateStatusReason ?? ''}`.trim());
    // Inactive (idle for weeks) takes updates; an invocation re-activates it (see invoke.ts).
    const active = last.State === undefined || last.State === 'Active' || last.State === 'Inactive';
    const updated = last.LastUpdateStatus === undefined || last.LastUpdateStatus === 'Successful';
    if (active && updated) return last;
  }
  throw new Error(`Lambda ${functionName} not ready after ${Math.round(options.timeoutMs / 1000)} s (State ${last?.State}, LastUpdateStatus ${last?.LastUpdateStatus})`);
}

/**
 * Sees (and may answer) every request a DynamoDB client sends, at its HTTP handler: the SDK's commands
 * and core/aws/batch-write-item.ts's BatchWriteItem requests alike, which a middleware on the client's
 * stack would not see.
 */
import { Readable } from 'node:stream';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { HttpRequest, HttpResponse } from '@smithy/types';

/** An answer given instead of sending the request: DynamoDB's status and JSON body. */
export interface InjectedAnswer {
  status: number;
  body: unknown;
}

/** `operation` is the JSON protocol's name (`BatchWriteItem`, `Query`...); `request` is the signed request. */
export type DynamoInterceptor = (operation: string, request: HttpRequest) => void | InjectedAnswer | Promise<void | InjectedAnswer>;

export function interceptDynamo(client: DynamoDBClient, interceptor: DynamoInterceptor): void {
  const handler = client.config.requestHandler;
  const send = handler.handle.bind(handler);
  handler.handle = async (request: HttpRequest, options?: unknown) => {
    const target = String(request.headers['x-amz-target'] ?? '');
    const answer = await interceptor(target.slice(target.indexOf('.') + 1), request);
    if (!answer) return send(request, options as never);
    const response: HttpResponse = {
      statusCode: answer.status,
      headers: { 'content-type': 'application/x-amz-json-1.0' },
      body: Readable.from([Buffer.from(JSON.stringify(answer.body))]),
    };
    return { response };
  };
}

/** A non-retryable DynamoDB error for `interceptDynamo` to answer with. */
export const validationError = (message: string): InjectedAnswer => ({ status: 400, body: { __type: 'com.amazon.coral.validate#ValidationException', message } });

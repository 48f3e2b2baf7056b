/**
 * One GET on a kept-alive connection of `agent`, its body read and dropped: the answer's status and the
 * service's own time for it (its Server-Timing `app` duration, when it sends one).
 */
import { get, type Agent } from 'node:http';
import { appDuration } from '../webservice/http/server-timing';

export interface KeptAliveAnswer {
  status: number;
  serverMs: number | undefined;
}

export function keptAliveGet(url: string, agent: Agent, headers: Record<string, string>): Promise<KeptAliveAnswer> {
  return new Promise<KeptAliveAnswer>((resolve, reject) => {
    get(url, { agent, headers }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, serverMs: appDuration(res.headers['server-timing']) }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

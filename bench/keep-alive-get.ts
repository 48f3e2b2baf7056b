/** One GET on a kept-alive connection of `agent`, its body read and dropped: the answer's status. */
import { get, type Agent } from 'node:http';

export function keptAliveGet(url: string, agent: Agent, headers: Record<string, string>): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    get(url, { agent, headers }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    }).on('error', reject);
  });
}

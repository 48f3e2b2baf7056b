/**
 * The limit of this machine for an answer: a bare node:http server, in its own process (not beside
 * autocannon in the bench's), answering every request with the same bytes and Content-Type as the
 * service's answer it is compared with.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, startProcess, stopProcess, waitForHttp } from './processes';

export interface BareServer {
  url: string;
  pid: number;
  stop: () => Promise<void>;
}

/** `name` keeps the body and log files of two bare servers in one work folder apart. */
export async function startBareServer(workDir: string, body: Buffer, contentType: string, name = 'bare'): Promise<BareServer> {
  const bodyFile = path.join(workDir, `${name}-body`);
  writeFileSync(bodyFile, body);
  const port = await freePort();
  const script = `const body = require('fs').readFileSync(${JSON.stringify(bodyFile)});
require('http').createServer((req, res) => { res.writeHead(200, { 'Content-Type': ${JSON.stringify(contentType)}, 'Content-Length': body.length }); res.end(body); }).listen(${port}, '127.0.0.1');`;
  const proc = startProcess({ name: `${name} node:http server`, command: process.execPath, args: ['-e', script], cwd: workDir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, logFile: path.join(workDir, `${name}-server.log`) });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/`, proc);
  return { url, pid: proc.pid, stop: () => stopProcess(proc) };
}

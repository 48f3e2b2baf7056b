/**
 * A local HTTPS server standing in for the internet (nodejs.org's release folder): a certificate
 * authority and a server certificate for 127.0.0.1 made with openssl for this run, files served from a
 * folder, every request path recorded. Clients trust it through the CA file (curl: CURL_CA_BUNDLE).
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:https';
import path from 'node:path';

export interface StandIn {
  url: string;
  caFile: string;
  requests: string[];
  close(): Promise<void>;
}

function makeCertificates(dir: string): { caFile: string; key: Buffer; cert: Buffer } {
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=test-instance CA', '-keyout', file('ca.key'), '-out', file('ca.pem'));
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', file('server.key'), '-out', file('server.csr'));
  const extensions = file('server.ext');
  execFileSync('sh', ['-c', `printf 'subjectAltName=IP:127.0.0.1\\nbasicConstraints=CA:FALSE\\n' > "$1"`, 'sh', extensions]);
  openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-days', '1', '-extfile', extensions, '-out', file('server.pem'));
  return { caFile: file('ca.pem'), key: readFileSync(file('server.key')), cert: readFileSync(file('server.pem')) };
}

/** Serves `root` over HTTPS on a free port of 127.0.0.1; certificates are written to `certDir`. */
export async function startStandIn(root: string, certDir: string): Promise<StandIn> {
  const { caFile, key, cert } = makeCertificates(certDir);
  const requests: string[] = [];
  const server = createServer({ key, cert }, (req, res) => {
    const urlPath = decodeURIComponent(new URL(req.url ?? '/', 'https://127.0.0.1').pathname);
    requests.push(urlPath);
    const file = path.join(root, path.normalize(urlPath));
    if (!file.startsWith(root + path.sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-length': statSync(file).size });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `https://127.0.0.1:${port}`,
    caFile,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * An HTTP proxy in front of an emulator that passes everything through except the requests a rule
 * picks: those are held (optionally after forwarding the first bytes of their body), so a test can kill
 * the process that sent them in the middle of a write. When the sender dies, the partial request to the
 * emulator is aborted, as a dying client's connection would be.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HoldRule {
  /** Called for every request; true holds it. */
  hold(req: IncomingMessage): boolean;
  /** Body bytes forwarded to the emulator before holding (default 0: the emulator sees nothing). */
  forwardBodyBytes?(req: IncomingMessage): number;
}

export interface HoldProxy {
  endpoint: string;
  /** Resolves when the first request is held. */
  firstHeld: Promise<{ method: string; url: string }>;
  /** Requests held so far. */
  readonly heldCount: number;
  /** Stops holding: later requests pass through. */
  passThrough(): void;
  close(): Promise<void>;
}

export async function startHoldProxy(target: string, rule: HoldRule): Promise<HoldProxy> {
  const upstream = new URL(target);
  let holding = true;
  let heldCount = 0;
  let onHeld: (value: { method: string; url: string }) => void = () => undefined;
  const firstHeld = new Promise<{ method: string; url: string }>((resolve) => (onHeld = resolve));

  const forward = (req: IncomingMessage, res: ServerResponse): http.ClientRequest => {
    const out = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', () => res.destroy());
    return out;
  };

  const server = http.createServer((req, res) => {
    if (!(holding && rule.hold(req))) {
      req.pipe(forward(req, res));
      return;
    }
    heldCount++;
    const allowance = rule.forwardBodyBytes?.(req) ?? 0;
    const out = allowance > 0 ? forward(req, res) : undefined;
    let sent = 0;
    let announced = false;
    const announce = (): void => {
      if (announced) return;
      announced = true;
      onHeld({ method: req.method ?? '', url: req.url ?? '' });
    };
    req.on('data', (chunk: Buffer) => {
      if (!out || sent >= allowance) {
        announce();
        return;
      }
      const part = chunk.subarray(0, allowance - sent);
      sent += part.length;
      out.write(part);
      if (sent >= allowance) announce();
    });
    req.on('end', announce);
    if (allowance === 0) announce();
    // The sender died (or gave up): the emulator sees its half-sent request aborted.
    req.socket.on('close', () => out?.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    firstHeld,
    get heldCount() {
      return heldCount;
    },
    passThrough() {
      holding = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

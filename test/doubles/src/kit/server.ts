import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { testCertificate } from './certificate.js';
import { FaultInjector, type ErrorReply, type FaultPlan } from './faults.js';

/** One request as the double saw it, for assertions. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  at: number;
}

/** Options of {@link startDouble}. */
export interface DoubleOptions {
  /** Serve HTTPS with the run's test certificate. */
  https?: boolean;
  /** Port; 0 (default) picks a free one. */
  port?: number;
  /** Random faults from the start. */
  faults?: FaultPlan;
  /** Added to every answer, in ms, as a far-away service would be (benchmarks). */
  latencyMs?: number;
  /** How this API answers 429 and 503 (status, headers, error body). */
  errorReply: ErrorReply;
  /** The API itself. Thrown errors become a 500. */
  handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
}

/** A running double. */
export interface RunningDouble {
  /** `http(s)://127.0.0.1:PORT`, no trailing slash. */
  url: string;
  port: number;
  faults: FaultInjector;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** Stops the server and drops open connections. */
  close(): Promise<void>;
}

/**
 * Starts an API double on 127.0.0.1 with request recording and fault injection in front of
 * `handler`. Only loopback is ever bound.
 */
export async function startDouble(options: DoubleOptions): Promise<RunningDouble> {
  const faults = new FaultInjector(options.faults);
  const requests: RecordedRequest[] = [];
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, at: Date.now() });
    if (faults.apply(req, res, options.errorReply)) return;
    const delay = options.latencyMs ? new Promise((r) => setTimeout(r, options.latencyMs)) : Promise.resolve();
    delay
      .then(() => options.handler(req, res))
      .catch((err: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String((err as Error)?.stack ?? err));
        } else res.destroy();
      });
  };
  const server = options.https
    ? https.createServer(await testCertificate(), listener)
    : http.createServer(listener);
  // Like a real service, keep idle connections open well past a poll interval. Node's client closes
  // a kept connection one second before the server's advertised timeout: a 1 s timeout here
  // would make every request open a new connection, which no production client pays.
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${options.https ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    faults,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * A front for the test server, built on the doubles kit: every request passes the kit's fault
 * injector (429/503 with Retry-After, reset, timeout) before it is forwarded.
 * @packageDocumentation
 */
import http from 'node:http';
import { startDouble, type RunningDouble } from '@filing-sync/doubles';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade']);

/**
 * Starts a proxy on loopback in front of `upstream` (`http://127.0.0.1:PORT`); with `https`, it
 * serves the kit's test certificate (call `trustTestCertificate()` first).
 */
export async function startFaultProxy(upstream: string, options: { https?: boolean } = {}): Promise<RunningDouble> {
  const agent = new http.Agent({ keepAlive: true });
  const target = new URL(upstream);
  return startDouble({
    https: options.https ?? false,
    errorReply(res, status, retryAfterSeconds) {
      const body = `<html><body><h1>${status === 429 ? 'Too Many Requests' : 'Service Unavailable'}</h1></body></html>`;
      res.writeHead(status, { 'retry-after': String(retryAfterSeconds), 'content-type': 'text/html', 'content-length': String(body.length) });
      res.end(body);
    },
    handler: (req, res) =>
      new Promise<void>((resolve) => {
        const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !HOP_BY_HOP.has(k)));
        const forward = http.request(
          { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...headers, host: target.host }, agent },
          (upstreamRes) => {
            const back = Object.fromEntries(Object.entries(upstreamRes.headers).filter(([k]) => !HOP_BY_HOP.has(k)));
            res.writeHead(upstreamRes.statusCode ?? 502, back as http.OutgoingHttpHeaders);
            upstreamRes.pipe(res);
            upstreamRes.once('end', () => resolve());
          },
        );
        forward.once('error', () => {
          res.destroy();
          resolve();
        });
        // A client that goes away mid-upload must not leave a half-sent request upstream.
        req.once('aborted', () => forward.destroy());
        res.once('close', () => {
          if (!res.writableFinished) forward.destroy();
          resolve();
        });
        req.pipe(forward);
      }),
  });
}

import https from 'node:https';
import tls from 'node:tls';
import { generate } from 'selfsigned';
import { Agent, setGlobalDispatcher } from 'undici';

/** A key pair and certificate for `127.0.0.1` and `localhost`, generated for this test run. */
export interface TestCertificate {
  key: string;
  cert: string;
}

let cached: Promise<TestCertificate> | undefined;

/**
 * The test run's certificate, generated once per process (the SDKs under test refuse plain HTTP
 * for custom hosts, so doubles serve HTTPS with it).
 */
export function testCertificate(): Promise<TestCertificate> {
  cached ??= generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: new Date(Date.now() - 3_600_000),
    notAfterDate: new Date(Date.now() + 2 * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
    ],
  }).then((pems) => ({ key: pems.private, cert: pems.cert }));
  return cached;
}

let trusted = false;

/**
 * Makes this process trust the test certificate for every HTTP stack the SDKs use: Node's
 * `https` agent (node-fetch, axios) and the global `fetch` dispatcher (undici).
 * Call once before starting clients; later calls do nothing.
 */
export async function trustTestCertificate(): Promise<void> {
  if (trusted) return;
  const { cert } = await testCertificate();
  // One secure context for every connection: a `ca` list alone is parsed again (some 140 roots)
  // for each new connection, which costs tens of milliseconds of CPU per request.
  const ca = [...tls.rootCertificates, cert];
  const secureContext = tls.createSecureContext({ ca });
  https.globalAgent.options.secureContext = secureContext;
  // Kept as well for clients that build their own agent from the global agent's CA list (box-node-sdk's).
  https.globalAgent.options.ca = ca;
  setGlobalDispatcher(new Agent({ connect: { secureContext } }));
  trusted = true;
}

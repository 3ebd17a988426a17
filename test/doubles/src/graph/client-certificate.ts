import { X509Certificate } from 'node:crypto';
import { generate } from 'selfsigned';

/** A certificate an app registration authenticates with (client-credentials with a certificate). */
export interface ClientCertificate {
  certificatePem: string;
  privateKeyPem: string;
  /** SHA-256 thumbprint, hex, as MSAL's `thumbprintSha256` wants it. */
  thumbprintSha256: string;
}

/** Generates a throw-away client certificate for an app registration in the Graph double. */
export async function makeClientCertificate(): Promise<ClientCertificate> {
  const pems = await generate([{ name: 'commonName', value: 'filing-sync test app' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: new Date(Date.now() - 3_600_000),
    notAfterDate: new Date(Date.now() + 86_400_000),
  });
  const thumbprintSha256 = new X509Certificate(pems.cert).fingerprint256.replace(/:/g, '').toLowerCase();
  return { certificatePem: pems.cert, privateKeyPem: pems.private, thumbprintSha256 };
}

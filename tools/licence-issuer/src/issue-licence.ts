import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { LicencePayloadSchema, signLicence, validateConfig, type LicencePayload, type TrustedLicenceKey } from '@filing-sync/core';

/** What the vendor states in a licence; `issuedAt` defaults to now. */
export type LicenceTerms = Omit<LicencePayload, 'version' | 'issuedAt' | 'keyId'> & { issuedAt?: string };

/**
 * Issues a licence: checks the terms against the licence schema (throws a ConfigError naming each
 * bad field) and signs them with the Ed25519 private key (PEM) of `keyId`. Returns the file text.
 * @public
 */
export function issueLicence(terms: LicenceTerms, privateKeyPem: string, keyId: string): string {
  const payload: LicencePayload = { version: 1, ...terms, issuedAt: terms.issuedAt ?? new Date().toISOString(), keyId };
  validateConfig(structuredClone(payload) as unknown as Record<string, unknown>, [{ path: '', schema: LicencePayloadSchema }]);
  const key = createPrivateKey(privateKeyPem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`the signing key is ${key.asymmetricKeyType}, expected ed25519`);
  return signLicence(payload, key);
}

/** A new signing key pair: the private key (PKCS#8 PEM) to keep offline, and the entry a build trusts. @public */
export function makeKeyPair(keyId: string): { privateKeyPem: string; trusted: TrustedLicenceKey } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    trusted: { keyId, publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(), development: false },
  };
}

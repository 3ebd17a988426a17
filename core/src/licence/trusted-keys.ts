/**
 * A public key this build accepts licences from.
 * @public
 */
export interface TrustedLicenceKey {
  /** The `keyId` a licence names (so keys can be rotated: old and new trusted side by side). */
  keyId: string;
  /** Ed25519 public key, SPKI PEM. */
  publicKey: string;
  /** A published development key: anyone can sign with it. Hosts warn when a licence uses it. */
  development: boolean;
}

/**
 * The licence keys this build carries. In the repository this is the DEVELOPMENT key only (its
 * private half is published in `tools/licence-issuer/dev-keys/` so `npm start` and the tests can
 * issue licences). A vendor's release build replaces this list with its own public key(s), made
 * with `filing-sync-licence keygen`, before `npm run build`; the private key never enters the
 * repository. Licences are checked against this list only: a key cannot be added at run time,
 * or any administrator could sign their own licence.
 * @public
 */
export const TRUSTED_LICENCE_KEYS: readonly TrustedLicenceKey[] = [
  {
    keyId: 'development-2026',
    publicKey: '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAbysdhN4CUO/hz9a3IFP2bFxKyqk/b4td/aRZgBShIRA=\n-----END PUBLIC KEY-----\n',
    development: true,
  },
];

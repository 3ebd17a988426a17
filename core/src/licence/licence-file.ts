import { sign, type KeyLike } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';

/** The file name a licence has in the install folder. @public */
export const LICENCE_FILE_NAME = 'Sync-license.lic';

/**
 * What a licence states. Every field is signed; nothing else is accepted in the payload.
 * @public
 */
export const LicencePayloadSchema = Type.Object(
  {
    version: Type.Literal(1, { description: 'Licence format version.' }),
    licensee: Type.String({ minLength: 1, description: 'Who the licence is issued to.' }),
    tenant: Type.String({ minLength: 1, description: 'The filing-service tenant it covers (source.tenant).' }),
    variant: Type.Union([Type.Literal('service'), Type.Literal('desktop'), Type.Literal('both')], { description: 'Which host may run under it.' }),
    expiresAt: Type.String({ format: 'date-time', description: 'End of validity, ISO 8601.' }),
    maxLocations: Type.Integer({ minimum: 1, description: 'Most locations the tenant may sync.' }),
    issuedAt: Type.String({ format: 'date-time', description: 'When it was signed, ISO 8601.' }),
    keyId: Type.String({ minLength: 1, description: 'Which vendor key signed it.' }),
  },
  { additionalProperties: false },
);

/** A licence payload. @public */
export type LicencePayload = Static<typeof LicencePayloadSchema>;

/**
 * `Sync-license.lic` as stored: the readable payload and an Ed25519 signature (base64) over
 * {@link canonicalPayloadBytes} of it.
 * @public
 */
export interface LicenceFile {
  payload: LicencePayload;
  signature: string;
}

/**
 * The bytes a signature covers: the payload as JSON with its keys sorted and no white space, so
 * the file may be re-indented without breaking the signature. The payload is flat, so sorting the
 * top-level keys makes the form unique.
 * @public
 */
export function canonicalPayloadBytes(payload: Record<string, unknown>): Buffer {
  return Buffer.from(JSON.stringify(payload, Object.keys(payload).sort()), 'utf8');
}

/**
 * Signs a payload with an Ed25519 private key and returns the file text (vendor side: the
 * licence issuer, and tests with the development key). Throws when the key is not Ed25519.
 * @public
 */
export function signLicence(payload: LicencePayload, privateKey: KeyLike): string {
  const signature = sign(null, canonicalPayloadBytes(payload), privateKey).toString('base64');
  const file: LicenceFile = { payload, signature };
  return `${JSON.stringify(file, null, 2)}\n`;
}

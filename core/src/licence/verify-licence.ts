import { verify, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { validateConfig } from '../config/validate-config.js';
import { LicenceError } from './licence-error.js';
import { LICENCE_FILE_NAME, LicencePayloadSchema, canonicalPayloadBytes, type LicencePayload } from './licence-file.js';
import { TRUSTED_LICENCE_KEYS, type TrustedLicenceKey } from './trusted-keys.js';

/** What the licence must allow. */
export interface LicenceExpectation {
  /** The tenant this connector syncs for (`source.tenant`). */
  tenant: string | undefined;
  /** Skip the tenant check (`license verify` without a tenant to compare with). */
  anyTenant?: boolean;
  /** The host asking. A licence for `both` suits either. */
  variant: 'service' | 'desktop';
  /** The time to judge expiry by (now by default). */
  now?: Date;
  /** Keys to accept (the build's {@link TRUSTED_LICENCE_KEYS} by default). */
  keys?: readonly TrustedLicenceKey[];
}

/** A licence that passed every check. @public */
export interface VerifiedLicence {
  /** The file it was read from. */
  path: string;
  payload: LicencePayload;
  /** The key that signed it. */
  key: TrustedLicenceKey;
  /** Whole days until it expires (0 on its last day). */
  daysLeft: number;
}

/** Where to look for the licence. */
export interface LicenceLocation {
  /** `--license FILE` or the config's `license` key; when given, it is the only place looked at. */
  configured?: string | undefined;
  /** The folder relative paths are resolved against (the config file's folder). */
  baseDir: string;
  /** The host's install folder, looked in after `baseDir`. */
  installDir?: string | undefined;
}

/**
 * The files the licence is looked for in, in order: the configured path alone, or else
 * `Sync-license.lic` beside the config file, then in the install folder.
 * @public
 */
export function licenceCandidates(where: LicenceLocation): string[] {
  if (where.configured) return [resolve(where.baseDir, where.configured)];
  const list = [join(where.baseDir, LICENCE_FILE_NAME)];
  if (where.installDir) list.push(join(resolve(where.installDir), LICENCE_FILE_NAME));
  return [...new Set(list)];
}

/**
 * Finds and verifies the licence. Throws {@link LicenceError} with a distinct `problem` and a
 * message saying what to do: `missing` (no file at any candidate), `malformed`, `bad-signature`,
 * `wrong-tenant`, `wrong-variant`, `expired`.
 * @public
 */
export function checkLicence(where: LicenceLocation, expected: LicenceExpectation): VerifiedLicence {
  const candidates = licenceCandidates(where);
  for (const path of candidates) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      throw new LicenceError(
        'missing',
        `The licence file ${path} cannot be read (${(err as Error).message}).`,
        'Give the account the connector runs under read access to the file, then start again.',
      );
    }
    return verifyLicence(text, path, expected);
  }
  const folder = dirname(candidates[candidates.length - 1]!);
  throw new LicenceError(
    'missing',
    `No licence file: looked for ${candidates.join(' and ')}. Syncing does not start without one.`,
    `Place the ${LICENCE_FILE_NAME} you received from your vendor in ${folder}, or give its path with --license FILE ` +
      '(or the "license" key of the config), then start again.',
  );
}

/**
 * Verifies a licence's text (read from `path`, named in messages) offline: its form, its Ed25519
 * signature against a trusted key, then tenant, variant and expiry. Throws {@link LicenceError}.
 * @public
 */
export function verifyLicence(text: string, path: string, expected: LicenceExpectation): VerifiedLicence {
  const malformed = (detail: string) =>
    new LicenceError(
      'malformed',
      `${path} is not a readable filing-sync licence: ${detail}.`,
      'Use the licence file exactly as you received it, without editing it; if it was damaged on the way, ask your vendor to send it again.',
    );
  let file: unknown;
  try {
    file = JSON.parse(text);
  } catch (err) {
    throw malformed(`it is not JSON (${(err as Error).message})`);
  }
  if (file === null || typeof file !== 'object' || Array.isArray(file)) throw malformed('expected an object with "payload" and "signature"');
  const { payload, signature } = file as { payload?: unknown; signature?: unknown };
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) throw malformed('"payload" is missing or not an object');
  if (typeof signature !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) throw malformed('"signature" is missing or not base64');
  try {
    validateConfig(structuredClone(payload) as Record<string, unknown>, [{ path: '', schema: LicencePayloadSchema }]);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw malformed(err.issues.map((i) => `${i.key ? `payload.${i.key}` : 'payload'}: expected ${i.expected}`).join('; '));
  }
  const p = payload as LicencePayload;

  const key = (expected.keys ?? TRUSTED_LICENCE_KEYS).find((k) => k.keyId === p.keyId);
  if (!key) {
    throw new LicenceError(
      'bad-signature',
      `The licence ${path} is signed with key "${p.keyId}", which this build of filing-sync does not trust.`,
      'Use the licence issued for this build, or install the filing-sync build your vendor supplied with this licence.',
    );
  }
  const valid = verify(null, canonicalPayloadBytes(p as unknown as Record<string, unknown>), createPublicKey(key.publicKey), Buffer.from(signature, 'base64'));
  if (!valid) {
    throw new LicenceError(
      'bad-signature',
      `The licence ${path} fails its signature check: it was changed after it was issued.`,
      'Replace it with the original file from your vendor; any edit to a licence, even of one character in its payload, invalidates it.',
    );
  }

  if (!expected.anyTenant && p.tenant !== expected.tenant) {
    throw new LicenceError(
      'wrong-tenant',
      `The licence ${path} is for tenant "${p.tenant}", but this connector is configured for ${expected.tenant === undefined ? 'no tenant' : `tenant "${expected.tenant}"`} (source.tenant). Nothing is synced for "${expected.tenant ?? ''}".`,
      `Use the licence issued for tenant "${expected.tenant ?? ''}", or correct source.tenant if that is what is wrong.`,
    );
  }
  if (p.variant !== 'both' && p.variant !== expected.variant) {
    throw new LicenceError(
      'wrong-variant',
      `The licence ${path} covers the ${p.variant} variant of filing-sync only; this is the ${expected.variant} variant.`,
      `Ask your vendor for a licence for the ${expected.variant} variant (or "both"), or run the ${p.variant} program this licence is for.`,
    );
  }
  const now = expected.now ?? new Date();
  const expiresAt = new Date(p.expiresAt);
  if (expiresAt.getTime() <= now.getTime()) {
    throw new LicenceError(
      'expired',
      `The licence for tenant "${p.tenant}" (${p.licensee}) expired on ${expiresAt.toISOString()}. Nothing is synced; filings wait at the filing service.`,
      `Ask your vendor to renew it, put the new ${LICENCE_FILE_NAME} in place of ${path} and restart.`,
    );
  }
  return { path, payload: p, key, daysLeft: Math.floor((expiresAt.getTime() - now.getTime()) / 86_400_000) };
}

import { expect } from 'chai';
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LicenceError, type LicenceProblem } from './licence-error.js';
import { LICENCE_FILE_NAME, signLicence, type LicencePayload } from './licence-file.js';
import { checkLicence, licenceCandidates, verifyLicence } from './verify-licence.js';
import type { TrustedLicenceKey } from './trusted-keys.js';

const NOW = new Date('2026-11-28T12:00:00Z');

function keyPair(keyId: string): { key: TrustedLicenceKey; privateKey: KeyObject } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return { key: { keyId, publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(), development: false }, privateKey };
}

const vendor = keyPair('vendor-1');
const keys = [vendor.key];

function payload(over: Partial<LicencePayload> = {}): LicencePayload {
  return {
    version: 1, licensee: 'Acme Architects Ltd', tenant: 'acme', variant: 'service',
    expiresAt: '2027-11-30T00:00:00Z', maxLocations: 250, issuedAt: '2026-11-01T09:00:00Z', keyId: 'vendor-1', ...over,
  };
}

function problemOf(fn: () => unknown): { problem: LicenceProblem; message: string; action: string } {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(LicenceError);
    const e = err as LicenceError;
    return { problem: e.problem, message: e.message, action: e.action };
  }
  expect.fail('the licence was accepted');
}

describe('licence verification', () => {
  const expectation = { tenant: 'acme', variant: 'service' as const, now: NOW, keys };

  it('accepts a licence signed by a trusted key, for the tenant and variant, before its expiry', () => {
    const v = verifyLicence(signLicence(payload(), vendor.privateKey), 'Sync-license.lic', expectation);
    expect(v.payload.licensee).to.equal('Acme Architects Ltd');
    expect(v.key.keyId).to.equal('vendor-1');
    expect(v.daysLeft).to.equal(366);
    // "both" suits either host; re-indenting the file keeps the signature valid.
    const both = JSON.parse(signLicence(payload({ variant: 'both' }), vendor.privateKey)) as unknown;
    expect(verifyLicence(JSON.stringify(both), 'x.lic', { ...expectation, variant: 'desktop' }).payload.variant).to.equal('both');
  });

  it('refuses each failure with its own problem and a message that says what to do', () => {
    const seen = new Map<LicenceProblem, string>();
    const record = (r: ReturnType<typeof problemOf>) => {
      seen.set(r.problem, r.message);
      return r;
    };

    let r = record(problemOf(() => verifyLicence('{"payload": {', 'a.lic', expectation)));
    expect(r.problem).to.equal('malformed');
    expect(r.message).to.match(/a\.lic is not a readable filing-sync licence: it is not JSON/);
    expect(r.action).to.match(/exactly as you received it/);

    const partial = JSON.parse(signLicence(payload(), vendor.privateKey)) as { payload: Record<string, unknown>; signature: string };
    delete partial.payload['expiresAt'];
    partial.payload['maxLocations'] = 'many';
    r = problemOf(() => verifyLicence(JSON.stringify(partial), 'b.lic', expectation));
    expect(r.problem).to.equal('malformed');
    expect(r.message).to.include('payload.expiresAt').and.to.include('payload.maxLocations');

    const tampered = JSON.parse(signLicence(payload(), vendor.privateKey)) as { payload: LicencePayload; signature: string };
    tampered.payload.maxLocations = 10_000;
    r = record(problemOf(() => verifyLicence(JSON.stringify(tampered), 'c.lic', expectation)));
    expect(r.problem).to.equal('bad-signature');
    expect(r.message).to.match(/changed after it was issued/);
    expect(r.action).to.match(/original file from your vendor/);

    const forger = keyPair('vendor-1');
    r = problemOf(() => verifyLicence(signLicence(payload(), forger.privateKey), 'd.lic', expectation));
    expect(r.problem).to.equal('bad-signature');
    r = problemOf(() => verifyLicence(signLicence(payload({ keyId: 'someone-else' }), forger.privateKey), 'e.lic', expectation));
    expect(r.problem).to.equal('bad-signature');
    expect(r.message).to.match(/key "someone-else", which this build of filing-sync does not trust/);

    r = record(problemOf(() => verifyLicence(signLicence(payload({ expiresAt: '2026-11-01T00:00:00Z' }), vendor.privateKey), 'f.lic', expectation)));
    expect(r.problem).to.equal('expired');
    expect(r.message).to.match(/tenant "acme" \(Acme Architects Ltd\) expired on 2026-11-01T00:00:00.000Z/);
    expect(r.action).to.match(/renew/);

    r = record(problemOf(() => verifyLicence(signLicence(payload({ tenant: 'other' }), vendor.privateKey), 'g.lic', expectation)));
    expect(r.problem).to.equal('wrong-tenant');
    expect(r.message).to.match(/is for tenant "other", but this connector is configured for tenant "acme" \(source\.tenant\)/);

    r = record(problemOf(() => verifyLicence(signLicence(payload({ variant: 'desktop' }), vendor.privateKey), 'h.lic', expectation)));
    expect(r.problem).to.equal('wrong-variant');
    expect(r.message).to.match(/covers the desktop variant of filing-sync only; this is the service variant/);

    expect(new Set(seen.values()).size).to.equal(seen.size);
  });

  it('looks for Sync-license.lic beside the config, then in the install folder; a configured path alone', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'filing-sync-licence-'));
    const install = join(dir, 'install');
    expect(licenceCandidates({ baseDir: dir, installDir: install })).to.deep.equal([join(dir, LICENCE_FILE_NAME), join(install, LICENCE_FILE_NAME)]);
    expect(licenceCandidates({ configured: 'keys/my.lic', baseDir: dir, installDir: install })).to.deep.equal([join(dir, 'keys/my.lic')]);

    const missing = problemOf(() => checkLicence({ baseDir: dir, installDir: install }, expectation));
    expect(missing.problem).to.equal('missing');
    expect(missing.message).to.include(join(dir, LICENCE_FILE_NAME)).and.include(join(install, LICENCE_FILE_NAME));
    expect(missing.action).to.match(/--license FILE/);

    await writeFile(join(dir, LICENCE_FILE_NAME), signLicence(payload(), vendor.privateKey));
    expect(checkLicence({ baseDir: dir, installDir: install }, expectation).path).to.equal(join(dir, LICENCE_FILE_NAME));
  });

  it('carries Ed25519 keys in the build, and refuses a licence naming one that it did not sign', async () => {
    const { TRUSTED_LICENCE_KEYS } = await import('./trusted-keys.js');
    expect(TRUSTED_LICENCE_KEYS).not.to.be.empty;
    for (const k of TRUSTED_LICENCE_KEYS) expect(createPublicKey(k.publicKey).asymmetricKeyType, k.keyId).to.equal('ed25519');
    const r = problemOf(() => verifyLicence(signLicence(payload({ keyId: TRUSTED_LICENCE_KEYS[0]!.keyId }), vendor.privateKey), 'i.lic', { tenant: 'acme', variant: 'service', now: NOW }));
    expect(r.problem).to.equal('bad-signature');
  });
});

import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, verifyLicence } from '@filing-sync/core';
import { issueLicence, makeKeyPair } from './issue-licence.js';

const CLI = fileURLToPath(new URL('./cli.js', import.meta.url));
const terms = { licensee: 'Acme Architects Ltd', tenant: 'acme', variant: 'service' as const, expiresAt: '2030-01-01T00:00:00.000Z', maxLocations: 40 };

describe('licence issuer', () => {
  it('issues licences the hosts verify against the new public key, and only against it', () => {
    const { privateKeyPem, trusted } = makeKeyPair('acme-2027');
    const text = issueLicence(terms, privateKeyPem, 'acme-2027');
    const v = verifyLicence(text, 'Sync-license.lic', { tenant: 'acme', variant: 'service', keys: [trusted] });
    expect(v.payload).to.include({ ...terms, version: 1, keyId: 'acme-2027' });
    const other = makeKeyPair('acme-2027').trusted;
    expect(() => verifyLicence(text, 'Sync-license.lic', { tenant: 'acme', variant: 'service', keys: [other] })).to.throw(/fails its signature check/);
  });

  it('refuses terms that would make an unreadable licence, naming each field', () => {
    const { privateKeyPem } = makeKeyPair('k');
    expect(() => issueLicence({ ...terms, tenant: '', maxLocations: 0 }, privateKeyPem, 'k'))
      .to.throw(ConfigError)
      .with.property('message')
      .that.matches(/tenant/)
      .and.matches(/maxLocations/);
  });

  it('keygen writes a private key only its owner can read; issue signs with it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'licence-issuer-'));
    const keygen = spawnSync(process.execPath, [CLI, 'keygen', '--key-id', 'vendor-2027', '--out', dir], { encoding: 'utf8' });
    expect(keygen.status, keygen.stderr).to.equal(0);
    expect((await stat(join(dir, 'vendor-2027.private.pem'))).mode & 0o077).to.equal(0);
    const trusted = JSON.parse(keygen.stdout.slice(keygen.stdout.indexOf('{'))) as { keyId: string; publicKey: string; development: boolean };
    expect(trusted).to.include({ keyId: 'vendor-2027', development: false });
    const out = join(dir, 'Sync-license.lic');
    const issue = spawnSync(process.execPath, [
      CLI, 'issue', '--key', join(dir, 'vendor-2027.private.pem'), '--licensee', 'Acme', '--tenant', 'acme', '--variant', 'both',
      '--expires', '2030-06-30', '--max-locations', '25', '--out', out,
    ], { encoding: 'utf8' });
    expect(issue.status, issue.stderr).to.equal(0);
    const v = verifyLicence(await readFile(out, 'utf8'), out, { tenant: 'acme', variant: 'desktop', keys: [trusted] });
    expect(v.payload).to.include({ variant: 'both', expiresAt: '2030-06-30T23:59:59.000Z', maxLocations: 25, keyId: 'vendor-2027' });
    const bad = spawnSync(process.execPath, [CLI, 'issue', '--key', join(dir, 'vendor-2027.private.pem'), '--licensee', 'A', '--tenant', 'a', '--variant', 'all', '--expires', '2030-01-01', '--max-locations', '1'], { encoding: 'utf8' });
    expect(bad.status).not.to.equal(0);
    expect(bad.stderr).to.match(/expected service, desktop or both/);
  });
});

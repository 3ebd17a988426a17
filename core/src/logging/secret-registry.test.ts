import { expect } from 'chai';
import { ProviderBroker } from '../boot/credential-broker.js';
import type { Credential, CredentialProvider } from '../contracts/credential-provider.js';
import { SecretRegistry } from './secret-registry.js';

describe('SecretRegistry', () => {
  it('blanks configured secrets for good, and the most recent issued ones', () => {
    const secrets = new SecretRegistry();
    secrets.add('config-secret-1');
    for (let i = 0; i < SecretRegistry.ISSUED_KEPT + 10; i++) secrets.addIssued(`access-token-${i}`);
    expect(secrets.scrub('config-secret-1')).to.equal('[redacted]');
    // Tokens rotate: the oldest ones are let go, the current ones never.
    expect(secrets.scrub('access-token-0 ')).to.equal('access-token-0 ');
    expect(secrets.scrub(`Bearer access-token-${SecretRegistry.ISSUED_KEPT + 9} refused`)).to.equal('Bearer [redacted] refused');
    expect(secrets.size).to.equal(1 + SecretRegistry.ISSUED_KEPT);
  });

  it('a token issued again counts as the newest, so a long-lived one is not let go', () => {
    const secrets = new SecretRegistry();
    secrets.addIssued('long-lived-refresh-token');
    for (let i = 0; i < SecretRegistry.ISSUED_KEPT - 1; i++) {
      secrets.addIssued(`access-token-${i}`);
      secrets.addIssued('long-lived-refresh-token');
    }
    for (let i = 0; i < 10; i++) secrets.addIssued(`later-${i}`);
    expect(secrets.scrub('long-lived-refresh-token')).to.equal('[redacted]');
  });
});

describe('ProviderBroker: credentials it hands out become secrets', () => {
  it('registers bearer tokens, passwords and secret values', async () => {
    const secrets = new SecretRegistry();
    const given: Record<string, Credential> = {
      graph: { type: 'bearer', accessToken: 'eyJ-access-token-value' },
      webdav: { type: 'basic', username: 'ana', password: 'dav-password-value' },
      egnyte: { type: 'secret', values: { apiKey: 'egnyte-api-key-value' } },
    };
    const provider: CredentialProvider = { resources: Object.keys(given), get: async (r) => given[r.resource]!, invalidate: () => {} };
    const broker = new ProviderBroker([provider], secrets);
    for (const resource of Object.keys(given)) await broker.get({ resource });
    expect(secrets.scrub('eyJ-access-token-value dav-password-value egnyte-api-key-value ana')).to.equal('[redacted] [redacted] [redacted] ana');
  });
});

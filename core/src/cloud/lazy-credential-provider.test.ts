import { expect } from 'chai';
import type { Credential, CredentialProvider, CredentialRequest } from '../contracts/credential-provider.js';
import { AuthError, TransientError } from '../errors.js';
import { lazyCredentialProvider } from './lazy-credential-provider.js';

/** A provider that counts its calls and hands out numbered tokens. */
function countingProvider(): CredentialProvider & { gets: number; invalidated: CredentialRequest[] } {
  const p = {
    resources: ['box'],
    gets: 0,
    invalidated: [] as CredentialRequest[],
    async get(): Promise<Credential> {
      p.gets++;
      return { type: 'bearer', accessToken: `token-${p.gets}` };
    },
    invalidate(request: CredentialRequest) {
      p.invalidated.push(request);
    },
  };
  return p;
}

describe('lazyCredentialProvider', () => {
  it('loads nothing until the first get, then loads once for concurrent requests', async () => {
    let loads = 0;
    const inner = countingProvider();
    const provider = lazyCredentialProvider(['box'], async () => {
      loads++;
      return inner;
    });
    expect(provider.resources).to.deep.equal(['box']);
    expect(loads).to.equal(0);
    const tokens = await Promise.all([provider.get({ resource: 'box' }), provider.get({ resource: 'box' })]);
    await provider.get({ resource: 'box' });
    expect(loads).to.equal(1);
    expect(inner.gets).to.equal(3);
    expect(tokens.map((t) => (t.type === 'bearer' ? t.accessToken : ''))).to.have.members(['token-1', 'token-2']);
  });

  it('passes invalidate on once loaded, and ignores it before', async () => {
    const inner = countingProvider();
    const provider = lazyCredentialProvider(['box'], async () => inner);
    provider.invalidate({ resource: 'box' });
    await provider.get({ resource: 'box' });
    provider.invalidate({ resource: 'box', account: 'a' });
    expect(inner.invalidated).to.deep.equal([{ resource: 'box', account: 'a' }]);
  });

  it('rejects as the load does, and loads again on the next get', async () => {
    let loads = 0;
    const provider = lazyCredentialProvider(['box'], async () => {
      loads++;
      if (loads === 1) throw new TransientError('module not ready');
      if (loads === 2) throw new AuthError('bad app config');
      return countingProvider();
    });
    await provider.get({ resource: 'box' }).then(() => expect.fail('resolved'), (err) => expect(err).to.be.instanceOf(TransientError));
    await provider.get({ resource: 'box' }).then(() => expect.fail('resolved'), (err) => expect(err).to.be.instanceOf(AuthError));
    expect(await provider.get({ resource: 'box' })).to.deep.equal({ type: 'bearer', accessToken: 'token-1' });
    expect(loads).to.equal(3);
  });

  it('rejects an aborted request without loading', async () => {
    let loads = 0;
    const provider = lazyCredentialProvider(['box'], async () => {
      loads++;
      return countingProvider();
    });
    await provider.get({ resource: 'box' }, AbortSignal.abort()).then(() => expect.fail('resolved'), (err) => expect((err as Error).name).to.equal('AbortError'));
    expect(loads).to.equal(0);
  });
});

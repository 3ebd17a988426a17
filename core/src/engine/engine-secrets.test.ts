import { expect } from 'chai';
import { LeaseLost } from '../contracts/lease.js';
import { ConfigError, PermanentError, TransientError } from '../errors.js';
import { SecretRegistry } from '../logging/secret-registry.js';
import { memorySinks, memorySource, testEngine, testFiling, useTempStore } from './engine.test.util.js';

describe('Engine: no secret in what it records, reports or shows', () => {
  const t = useTempStore('fs-engine-secrets-');

  const filing = (id: string) => testFiling(id);

  it('blanks a token an error message carries in the reported reason, the stored error and the observer', async () => {
    const secrets = new SecretRegistry();
    secrets.addIssued('eyJ-issued-access-token');
    const sinks = memorySinks(async (name) => {
      // As an SDK may do: the request, token and all, in the message.
      throw name.includes('Crane') && failures++ === 0
        ? new PermanentError('PUT https://host/upload?access_token=eyJ-issued-access-token failed: 400')
        : new TransientError('Authorization: Bearer eyJ-issued-access-token was refused');
    });
    let failures = 0;
    const source = memorySource([filing('F1')]);
    const seen: string[] = [];
    await testEngine({ ...t, source, sinks, secrets, observer: { pending: (_f, _t, err) => seen.push(err.message) } }).run({ once: true });
    const reason = source.reports[0]!.outcomes[0]!.reason!;
    expect(reason).to.contain('access_token=[redacted]').and.not.contain('eyJ');
    expect(t.store.targets('F1')[0]!.reason).to.not.contain('eyJ');

    // Not written this time: the error stays with the filing, blanked.
    const again = memorySource([filing('F2')]);
    await testEngine({ ...t, source: again, sinks, secrets, observer: { pending: (_f, _t, err) => seen.push(err.message) } }).run({ once: true });
    expect(t.store.targets('F2')[0]!.lastError).to.contain('Bearer [redacted]').and.not.contain('eyJ');
    expect(seen).to.have.length(1);
    expect(seen[0]).to.not.contain('eyJ');
  });

  it('blanks it in the reason of a lost lease and in an error that ends the run', async () => {
    const secrets = new SecretRegistry();
    secrets.addIssued('eyJ-issued-access-token');
    const memory = memorySource([filing('F1')]);
    let polls = 0;
    const source = {
      ...memory,
      poll: async (...args: Parameters<typeof memory.poll>) => {
        if (polls++ === 0) throw new LeaseLost('Claim refused for lease (token eyJ-issued-access-token): held by another connector.');
        throw new ConfigError([{ key: 'source.url', expected: 'an API', found: 'https://host/?t=eyJ-issued-access-token' }]);
      },
    };
    const states: string[] = [];
    const run = testEngine({ ...t, source, sinks: memorySinks(), secrets, observer: { lease: (s) => s.state === 'lost' && states.push(s.reason) } }).run({ once: true });
    const err = await run.then(() => undefined, (e: unknown) => e as Error);
    expect(err).to.be.instanceOf(ConfigError);
    expect(err!.message).to.contain('t=[redacted]').and.not.contain('eyJ');
    expect(states).to.have.length(1);
    expect(states[0]).to.contain('token [redacted]').and.not.contain('eyJ');
    expect(t.store.getMeta('lease') ?? '').to.not.contain('eyJ');
  });
});

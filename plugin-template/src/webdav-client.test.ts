import { expect } from 'chai';
import { readBody, sendEmpty, startDouble, type RunningDouble } from '@filing-sync/doubles';
import type { Credential, CredentialBroker, CredentialRequest } from '@filing-sync/core';
import { WebDavClient } from './webdav-client.js';

/** A broker whose token changes when the sink reports it refused, like a refreshing provider. */
function rotatingBroker(tokens: string[]): CredentialBroker & { invalidated: CredentialRequest[] } {
  let current = 0;
  const invalidated: CredentialRequest[] = [];
  return {
    invalidated,
    async get(): Promise<Credential> {
      return { type: 'bearer', accessToken: tokens[Math.min(current, tokens.length - 1)]! };
    },
    invalidate(request) {
      invalidated.push(request);
      current++;
    },
  };
}

describe('WebDavClient', () => {
  let server: RunningDouble;
  let accepted = 'fresh';
  const bodies: string[] = [];

  before(async () => {
    server = await startDouble({
      errorReply: (res, status) => sendEmpty(res, status),
      async handler(req, res) {
        bodies.push((await readBody(req)).toString());
        if (req.headers.authorization !== `Bearer ${accepted}`) return sendEmpty(res, 401, { 'www-authenticate': 'Bearer' });
        if (req.url === '/quota') return sendEmpty(res, 507);
        if (req.url === '/denied') return sendEmpty(res, 403);
        if (req.url === '/busy') return sendEmpty(res, 503, { 'retry-after': '12' });
        sendEmpty(res, 201);
      },
    });
  });
  after(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
    bodies.length = 0;
    accepted = 'fresh';
  });

  const request = { resource: 'webdav', account: '127.0.0.1' };
  const put = (client: WebDavClient, path: string) =>
    client.send({ method: 'PUT', path, body: () => Buffer.from('message bytes'), accept: [201], what: `upload of ${path}` });

  it('on a 401 invalidates the credential once and repeats the request, body rebuilt, with the fresh one', async () => {
    const broker = rotatingBroker(['expired', 'fresh']);
    const response = await put(new WebDavClient(server.url, broker, request, 5000), '/a.eml');
    expect(response.status).to.equal(201);
    expect(broker.invalidated).to.deep.equal([request]);
    expect(server.requests.map((r) => r.headers.authorization)).to.deep.equal(['Bearer expired', 'Bearer fresh']);
    expect(bodies).to.deep.equal(['message bytes', 'message bytes']);
  });

  it('gives up with AuthError when the fresh credential is refused too, without logging it', async () => {
    accepted = 'never';
    const broker = rotatingBroker(['wrong', 'still-wrong']);
    const error = await put(new WebDavClient(server.url, broker, request, 5000), '/a.eml').then(() => undefined, (e: unknown) => e);
    expect((error as { kind?: string }).kind).to.equal('auth');
    expect(server.requests).to.have.length(2);
    expect(String((error as Error).message)).not.to.include('still-wrong');
  });

  it('maps 403, 503 with Retry-After and 507 into the taxonomy', async () => {
    const client = new WebDavClient(server.url, rotatingBroker(['fresh']), request, 5000);
    const kindOf = async (path: string) => put(client, path).then(() => undefined, (e: unknown) => e as { kind: string; retryAfterMs?: number });
    expect((await kindOf('/denied'))?.kind).to.equal('permission-denied');
    const busy = await kindOf('/busy');
    expect([busy?.kind, busy?.retryAfterMs]).to.deep.equal(['transient', 12_000]);
    expect((await kindOf('/quota'))?.kind).to.equal('permanent');
  });
});

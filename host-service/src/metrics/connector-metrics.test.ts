import { expect } from 'chai';
import type { Connector, Filing } from '@filing-sync/core';
import { ConnectorMetrics } from './connector-metrics.js';

/** The parts of a connector the metrics read. */
function fakeConnector(unreported: number): Connector {
  return {
    config: { poll: { intervalSeconds: 10 } },
    store: { summary: () => ({ filings: 5, unreported, byOutcome: { pending: 2 } }) },
    sinks: { factoryFor: (t: string) => ({ name: t.startsWith('dropbox:') ? 'dropbox' : 'filesystem' }) },
  } as unknown as Connector;
}

describe('connector metrics', () => {
  const lease = { id: 'l1', holder: 'filing-sync@host (pid 1)', expiresAt: new Date('2026-11-28T12:01:00Z') };

  it('health: starting, then ok while polls succeed, unhealthy when they stop, standing by under another holder', () => {
    const m = new ConnectorMetrics();
    m.attach(fakeConnector(0));
    const t0 = Date.now();
    expect(m.health(new Date(t0)).status).to.equal('starting');
    expect(m.health(new Date(t0 + 61_000))).to.include({ status: 'unhealthy', reason: 'the tenant lease was never acquired' });
    const o = m.observer();
    o.lease!({ state: 'held', lease });
    o.polled!(0);
    const ok = m.health(new Date(Date.now() + 5_000));
    expect(ok.status).to.equal('ok');
    expect(ok.lease).to.deep.equal({ state: 'held', holder: lease.holder, expiresAt: '2026-11-28T12:01:00.000Z' });
    expect(ok.lastSuccessfulPollAgeSeconds).to.equal(5);
    // Stale after max(3 poll intervals, 2 minutes).
    const stale = m.health(new Date(Date.now() + 121_000));
    expect(stale.status).to.equal('unhealthy');
    expect(stale.reason).to.match(/^no successful poll or write for 12\d s$/);
    o.lease!({ state: 'standing-by', holder: 'other', expiresAt: lease.expiresAt });
    expect(m.health(new Date(Date.now() + 600_000))).to.include({ status: 'standing-by' });
    o.lease!({ state: 'lost', reason: 'renewal refused' });
    expect(m.health()).to.include({ status: 'unhealthy', reason: 'the tenant lease is lost' });
  });

  it('counts outcomes and retries by sink, and reads queue depth from the state store', async () => {
    const m = new ConnectorMetrics();
    m.attach(fakeConnector(3));
    const o = m.observer();
    const f = { id: 'F1' } as Filing;
    o.outcome!(f, { target: 'dropbox:/a', outcome: 'created' }, 200);
    o.outcome!(f, { target: '/srv/a', outcome: 'skipped', reason: 'denied' }, 3);
    o.retry!('dropbox:/a', new Error('x') as never, 1, 100);
    const text = await m.registry.metrics();
    expect(text).to.match(/^filing_sync_target_outcomes_total\{outcome="created",sink="dropbox"\} 1$/m);
    expect(text).to.match(/^filing_sync_target_outcomes_total\{outcome="skipped",sink="filesystem"\} 1$/m);
    expect(text).to.match(/^filing_sync_write_duration_seconds_bucket\{le="0.25",sink="dropbox"\} 1$/m);
    expect(text).to.match(/^filing_sync_write_duration_seconds_bucket\{le="0.1",sink="dropbox"\} 0$/m);
    expect(text).to.match(/^filing_sync_retries_total\{sink="dropbox"\} 1$/m);
    expect(text).to.match(/^filing_sync_queue_depth 3$/m);
    expect(text).to.match(/^filing_sync_pending_targets 2$/m);
    expect(text).to.match(/^filing_sync_lease_held 0$/m);
  });
});

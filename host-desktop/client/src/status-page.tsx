import { when } from './api.js';
import type { StatusView } from './types.js';
import { usePoll } from './use-poll.js';

function StateLine({ s }: { s: StatusView }) {
  if (s.state === 'running') return <span class="badge ok" data-testid="run-state">Running</span>;
  if (s.state === 'starting') {
    return (
      <span class="badge warn" data-testid="run-state">
        Starting…{s.waitingReason ? ` ${s.waitingReason}` : ''}
      </span>
    );
  }
  if (s.state === 'standing-by') {
    return (
      <span class="badge warn" data-testid="run-state">
        Standing by: {s.holder} is filing for this tenant (until {when(s.holderUntil)})
      </span>
    );
  }
  return <span class="badge bad" data-testid="run-state">Stopped</span>;
}

/** Running / standing by / stopped, the tenant, and live counts. */
export function StatusPage() {
  const { data: s, error } = usePoll<StatusView>('/api/status', 1000);
  if (!s) return <p>{error ?? 'Loading…'}</p>;
  return (
    <section>
      <h2>Status</h2>
      <p>
        <StateLine s={s} />
      </p>
      {s.state === 'stopped' && s.stoppedReason ? (
        <div class="notice bad" data-testid="stopped-reason">
          <p>{s.stoppedReason}</p>
          {s.action ? <p>{s.action}</p> : null}
        </div>
      ) : null}
      <dl class="facts">
        <dt>Tenant</dt>
        <dd data-testid="tenant">{s.tenant ?? 'not set'}</dd>
        <dt>Filing service</dt>
        <dd>{s.sourceUrl ?? 'not set'}</dd>
        <dt>Last poll</dt>
        <dd data-testid="last-poll">{when(s.lastPollAt)}</dd>
      </dl>
      <div class="counts">
        <div class="count">
          <span class="n" data-testid="filed-today">{s.filedToday}</span>
          <span class="label">filed today</span>
        </div>
        <div class="count">
          <span class="n" data-testid="pending">{s.pending}</span>
          <span class="label">pending</span>
        </div>
        <div class={`count${s.errors ? ' bad' : ''}`}>
          <span class="n" data-testid="errors">{s.errors}</span>
          <span class="label">errors</span>
        </div>
      </div>
      {s.recentErrors.length ? (
        <>
          <h3>Latest problems</h3>
          <ul class="problems">
            {s.recentErrors.map((e) => (
              <li key={`${e.target}-${e.at}`}>
                <strong>{e.subject ?? '(no subject)'}</strong> → {e.target}: {e.reason} <small>{when(e.at)}</small>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {s.failedPlugins.length ? (
        <div class="notice warn">
          {s.failedPlugins.map((p) => (
            <p key={p.name}>
              Plugin {p.name} is not available: {p.reason}
            </p>
          ))}
        </div>
      ) : null}
      {s.licence ? (
        <p class="small">
          Licensed to {s.licence.licensee} until {when(s.licence.expiresAt)}
          {s.licence.daysLeft < 30 ? <strong> ({s.licence.daysLeft} days left: ask your vendor to renew)</strong> : null}
        </p>
      ) : null}
    </section>
  );
}

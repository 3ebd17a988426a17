import { useState } from 'preact/hooks';
import { ApiError, send, when } from './api.js';
import type { ActivityView } from './types.js';
import { usePoll } from './use-poll.js';

const OUTCOMES = ['', 'failed', 'skipped', 'pending', 'created', 'identical', 'renamed', 'degraded'];

/** Recent activity, filterable; failed and skipped items can be retried. */
export function ActivityPage() {
  const [outcome, setOutcome] = useState('');
  const [text, setText] = useState('');
  const query = new URLSearchParams({ ...(outcome ? { outcome } : {}), ...(text ? { text } : {}) }).toString();
  const { data, error, reload } = usePoll<ActivityView[]>(`/api/activity${query ? `?${query}` : ''}`, 2000);
  const [message, setMessage] = useState<string | undefined>();

  const retry = async (a: ActivityView) => {
    setMessage(`Retrying ${a.subject ?? a.filingId}…`);
    try {
      const r = await send<{ outcome: string }>('POST', '/api/retry', { filingId: a.filingId, target: a.target });
      setMessage(`Retried "${a.subject ?? a.filingId}" at ${a.target}: ${r.outcome}`);
    } catch (e) {
      setMessage(e instanceof ApiError ? `Retry failed: ${e.message}` : String(e));
    }
    reload();
  };

  return (
    <section>
      <h2>Recent activity</h2>
      <div class="filters">
        <label>
          Outcome{' '}
          <select data-testid="outcome-filter" value={outcome} onChange={(e) => setOutcome((e.target as HTMLSelectElement).value)}>
            {OUTCOMES.map((o) => (
              <option key={o} value={o}>
                {o || 'all'}
              </option>
            ))}
          </select>
        </label>
        <label>
          Search{' '}
          <input data-testid="text-filter" type="search" value={text} placeholder="subject, location, folder, file" onInput={(e) => setText((e.target as HTMLInputElement).value)} />
        </label>
      </div>
      {message ? (
        <p class="notice" data-testid="retry-message">
          {message}
        </p>
      ) : null}
      {!data ? (
        <p>{error ?? 'Loading…'}</p>
      ) : data.length === 0 ? (
        <p>Nothing yet.</p>
      ) : (
        <table class="activity">
          <thead>
            <tr>
              <th>Time</th>
              <th>Subject</th>
              <th>Location</th>
              <th>Target</th>
              <th>Outcome</th>
              <th>File name</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {data.map((a) => (
              <tr key={`${a.filingId}|${a.target}`} data-testid="activity-row" data-outcome={a.outcome}>
                <td class="small">{when(a.at)}</td>
                <td>{a.subject ?? '(no subject)'}</td>
                <td>{a.location}</td>
                <td class="target">{a.target}</td>
                <td>
                  <span class={`badge ${a.outcome === 'failed' ? 'bad' : a.outcome === 'skipped' || a.outcome === 'pending' ? 'warn' : 'ok'}`} title={a.reason ?? ''}>
                    {a.outcome}
                  </span>
                  {a.reason ? <div class="small">{a.reason}</div> : null}
                </td>
                <td class="small">{a.fileName ?? ''}</td>
                <td>
                  {a.retryable ? (
                    <button type="button" data-testid="retry" onClick={() => void retry(a)}>
                      Retry
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

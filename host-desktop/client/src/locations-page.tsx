import { useState } from 'preact/hooks';
import { ApiError, send, when } from './api.js';
import type { LocationView, TargetView } from './types.js';
import { usePoll } from './use-poll.js';

const STATE_TEXT: Record<TargetView['state'], string> = {
  ok: 'ok',
  skipped: 'skipped: no permission',
  'needs-sign-in': 'needs sign-in',
  failing: 'failing',
  unknown: 'not checked yet',
};

function TargetState({ t }: { t: TargetView }) {
  const cls = t.state === 'ok' ? 'ok' : t.state === 'unknown' ? '' : t.state === 'failing' ? 'bad' : 'warn';
  return (
    <span class={`badge ${cls}`} data-testid="target-state" title={t.reason ?? ''}>
      {STATE_TEXT[t.state]}
      {t.state === 'failing' && t.reason ? `: ${t.reason}` : ''}
    </span>
  );
}

function OpenLink({ t, onError }: { t: TargetView; onError: (m: string) => void }) {
  if (t.link.kind === 'web') {
    return (
      <a href={t.link.url} target="_blank" rel="noopener noreferrer">
        Open folder
      </a>
    );
  }
  if (t.link.kind === 'local') {
    const open = () => send('POST', '/api/open', { target: t.target }).catch((e: unknown) => onError(e instanceof ApiError ? e.message : String(e)));
    return (
      <button type="button" class="link" onClick={open}>
        Open folder
      </button>
    );
  }
  return null;
}

/** The tenant's locations with each target's state and a link that opens its folder. */
export function LocationsPage() {
  const { data, error } = usePoll<LocationView[]>('/api/locations', 3000);
  const [openError, setOpenError] = useState<string | undefined>();
  if (!data) return <p>{error ?? 'Loading…'}</p>;
  return (
    <section>
      <h2>Locations</h2>
      {openError ? <p class="notice bad">{openError}</p> : null}
      {data.length === 0 ? <p>This tenant has no locations yet.</p> : null}
      {data.map((l) => (
        <div class="location" key={l.id} data-testid="location">
          <h3>
            {l.name} <small>({l.format})</small>
          </h3>
          <table>
            <tbody>
              {l.targets.map((t) => (
                <tr key={t.target} data-testid="target-row" data-target={t.target}>
                  <td class="target">{t.target}</td>
                  <td>
                    <TargetState t={t} />
                  </td>
                  <td class="small">{t.state === 'skipped' || t.state === 'needs-sign-in' ? t.reason : ''}</td>
                  <td class="small">{when(t.at)}</td>
                  <td>
                    <OpenLink t={t} onError={setOpenError} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
    </section>
  );
}

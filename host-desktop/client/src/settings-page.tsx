import { useEffect, useState } from 'preact/hooks';
import { ApiError, getJson, send } from './api.js';
import type { SettingField, SettingsView } from './types.js';

type Issue = { key: string; expected: string; found?: string };

function issuesFor(key: string, issues: Issue[]): Issue[] {
  return issues.filter((i) => i.key === key || i.key.startsWith(`${key}.`));
}

/** The naming template's live preview on the sample message. */
function NamePreview({ template, format }: { template: string; format: string }) {
  const [preview, setPreview] = useState<{ name?: string; issue?: Issue }>({});
  useEffect(() => {
    const timer = setTimeout(() => {
      getJson<{ name?: string; issue?: Issue }>(`/api/naming/preview?${new URLSearchParams({ template, format })}`).then(setPreview, () => setPreview({}));
    }, 150);
    return () => clearTimeout(timer);
  }, [template, format]);
  return (
    <div class="preview">
      <span class="small">Sample message “RE: Site visit notes: level 3 / east wing?” from Ana Ruiz, sent 28 Nov 2026 14:46:13 UTC, becomes</span>
      <code data-testid="naming-preview">{preview.name ?? ''}</code>
      {preview.issue ? (
        <span class="field-error" data-testid="naming-preview-error">
          expected {preview.issue.expected}
          {preview.issue.found ? `, found ${preview.issue.found}` : ''}
        </span>
      ) : null}
    </div>
  );
}

function Field({ f, value, onChange, issues, isSet, mustRetype }: { f: SettingField; value: string; onChange: (v: string) => void; issues: Issue[]; isSet: boolean; mustRetype?: boolean }) {
  const mine = issuesFor(f.key, issues);
  const id = `field-${f.key}`;
  return (
    <div class={`field${mine.length ? ' invalid' : ''}`} data-testid={`field-${f.key}`}>
      <label for={id}>{f.label}</label>
      {f.kind === 'choice' ? (
        <select id={id} name={f.key} value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
          {(f.options ?? []).map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      ) : f.kind === 'secret' ? (
        <input id={id} name={f.key} type="password" autocomplete="off" placeholder={mustRetype ? 'enter it again: the filing service URL changed' : isSet ? 'set (leave empty to keep it)' : 'not set'} value={value} onInput={(e) => onChange((e.target as HTMLInputElement).value)} />
      ) : (
        <input id={id} name={f.key} type="text" inputMode={f.kind === 'integer' ? 'numeric' : f.kind === 'url' ? 'url' : 'text'} value={value} onInput={(e) => onChange((e.target as HTMLInputElement).value)} />
      )}
      <span class="small">{f.help}</span>
      {mine.map((i) => (
        <span class="field-error" key={i.expected} data-testid="field-error">
          {i.key}: expected {i.expected}
          {i.found ? `, found ${i.found}` : ''}
        </span>
      ))}
    </div>
  );
}

/** Filing service URL and tenant, naming template (with preview), default format, concurrency. */
export function SettingsPage() {
  const [view, setView] = useState<SettingsView | undefined>();
  const [values, setValues] = useState<Record<string, string>>({});
  const [issues, setIssues] = useState<Issue[]>([]);
  const [message, setMessage] = useState<string | undefined>();
  const [saving, setSaving] = useState(false);

  const load = () =>
    getJson<SettingsView>('/api/settings').then((v) => {
      setView(v);
      setValues(Object.fromEntries(Object.entries(v.values).map(([k, x]) => [k, x === undefined ? '' : String(x)])));
      setIssues(v.issues);
    }, (e: unknown) => setMessage(String(e)));
  useEffect(() => void load(), []);

  if (!view) return <p>{message ?? 'Loading…'}</p>;
  const known = new Set(view.fields.map((f) => f.key));
  // The server keeps the saved token for the address it was entered for; a new address needs it again.
  const urlChanged = (values['source.url'] ?? '').trim() !== String(view.values['source.url'] ?? '');
  const other = issues.filter((i) => ![...known].some((k) => i.key === k || i.key.startsWith(`${k}.`)));

  const save = async (e: Event) => {
    e.preventDefault();
    setSaving(true);
    setMessage(undefined);
    try {
      await send('PUT', '/api/settings', { values });
      await load();
      setMessage('Saved. The connector restarted with the new settings.');
    } catch (err) {
      if (err instanceof ApiError && err.problem.issues) setIssues(err.problem.issues);
      setMessage(err instanceof ApiError ? 'Not saved: see the fields marked below.' : String(err));
    } finally {
      setSaving(false);
    }
  };

  return (
    <section>
      <h2>Settings</h2>
      <form onSubmit={(e) => void save(e)} data-testid="settings-form">
        {view.fields.map((f) => (
          <div key={f.key}>
            <Field f={f} value={values[f.key] ?? ''} isSet={!!view.secretsSet[f.key]} mustRetype={f.key === 'source.token' && urlChanged && !!view.secretsSet[f.key]} issues={issues} onChange={(v) => setValues({ ...values, [f.key]: v })} />
            {f.key === 'naming.template' ? <NamePreview template={values[f.key] ?? ''} format={values['defaultFormat'] || 'msg'} /> : null}
          </div>
        ))}
        {other.length ? (
          <div class="notice bad">
            {other.map((i) => (
              <p key={`${i.key}${i.expected}`}>
                {i.key || 'configuration'}: expected {i.expected}
                {i.found ? `, found ${i.found}` : ''}
              </p>
            ))}
          </div>
        ) : null}
        <button type="submit" disabled={saving} data-testid="save-settings">
          {saving ? 'Saving…' : 'Save'}
        </button>
        {message ? (
          <p class="notice" data-testid="settings-message">
            {message}
          </p>
        ) : null}
      </form>
    </section>
  );
}

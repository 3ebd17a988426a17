import { useState } from 'preact/hooks';
import { ApiError, send, when } from './api.js';
import type { AccountStatus } from './types.js';
import { usePoll } from './use-poll.js';

/** One "Sign in" per cloud: who is signed in, until when, and sign-out. */
export function AccountsPage({ justSignedIn }: { justSignedIn?: string | undefined }) {
  const { data, error, reload } = usePoll<AccountStatus[]>('/api/accounts', 5000);
  const [message, setMessage] = useState<string | undefined>();

  const signIn = async (a: AccountStatus) => {
    try {
      const { url } = await send<{ url: string }>('POST', `/api/accounts/${encodeURIComponent(a.name)}/sign-in`);
      // The service's sign-in page; it comes back to this program's loopback address.
      window.location.assign(url);
    } catch (e) {
      setMessage(e instanceof ApiError ? `${e.message}` : String(e));
    }
  };
  const signOut = async (a: AccountStatus) => {
    try {
      await send('POST', `/api/accounts/${encodeURIComponent(a.name)}/sign-out`);
      setMessage(`Signed out of ${a.label}.`);
    } catch (e) {
      setMessage(e instanceof ApiError ? e.message : String(e));
    }
    reload();
  };

  if (!data) return <p>{error ?? 'Loading…'}</p>;
  const welcomed = data.find((a) => a.name === justSignedIn);
  return (
    <section>
      <h2>Accounts</h2>
      {welcomed?.signedIn ? <p class="notice ok">Signed in to {welcomed.label}.</p> : null}
      {message ? <p class="notice">{message}</p> : null}
      <table>
        <tbody>
          {data.map((a) => (
            <tr key={a.name} data-testid="account" data-account={a.name}>
              <th>{a.label}</th>
              <td data-testid="account-state">
                {!a.configured ? (
                  <span class="small">Not set up: add a credentials.{a.name} section (the app registration) to the configuration.</span>
                ) : a.unavailable ? (
                  <span class="small" data-testid="account-unavailable">
                    {a.unavailable}
                  </span>
                ) : a.signedIn ? (
                  <span>
                    Signed in as <strong data-testid="account-user">{a.user ?? 'unknown user'}</strong>
                    {a.expiresAt ? <span class="small"> · token valid until {when(a.expiresAt)} (renewed automatically)</span> : null}
                  </span>
                ) : (
                  <span>Not signed in{a.problem ? <span class="small"> ({a.problem})</span> : null}</span>
                )}
              </td>
              <td>
                {a.configured && !a.signedIn && !a.unavailable ? (
                  <button type="button" data-testid="sign-in" onClick={() => void signIn(a)}>
                    Sign in
                  </button>
                ) : null}
                {a.signedIn ? (
                  <button type="button" data-testid="sign-out" onClick={() => void signOut(a)}>
                    Sign out
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

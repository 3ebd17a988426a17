import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { send } from './api.js';
import { AccountsPage } from './accounts-page.js';
import { ActivityPage } from './activity-page.js';
import { LocationsPage } from './locations-page.js';
import { SettingsPage } from './settings-page.js';
import { StatusPage } from './status-page.js';

const PAGES = [
  ['status', 'Status'],
  ['locations', 'Locations'],
  ['activity', 'Activity'],
  ['accounts', 'Accounts'],
  ['settings', 'Settings'],
] as const;
type Page = (typeof PAGES)[number][0];

/** `#accounts:signed-in:microsoft-user` → page `accounts`, detail `microsoft-user`. */
function readHash(): { page: Page; signedIn?: string } {
  const [page, event, detail] = window.location.hash.replace(/^#/, '').split(':');
  const known = PAGES.find(([p]) => p === page)?.[0] ?? 'status';
  return { page: known, ...(event === 'signed-in' && detail ? { signedIn: decodeURIComponent(detail) } : {}) };
}

function App() {
  const [route, setRoute] = useState(readHash());
  const [quit, setQuit] = useState(false);
  useEffect(() => {
    const on = () => setRoute(readHash());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  if (quit) return <p class="notice">filing-sync has stopped. You can close this tab.</p>;
  const doQuit = async () => {
    if (!window.confirm('Stop filing-sync? Filing pauses until you start it again.')) return;
    await send('POST', '/api/quit');
    setQuit(true);
  };
  return (
    <>
      <header>
        <h1>filing-sync</h1>
        <nav>
          {PAGES.map(([p, label]) => (
            <a key={p} href={`#${p}`} class={route.page === p ? 'active' : ''} data-testid={`nav-${p}`}>
              {label}
            </a>
          ))}
        </nav>
        <button type="button" class="quit" onClick={() => void doQuit()} data-testid="quit">
          Quit
        </button>
      </header>
      <main>
        {route.page === 'status' ? <StatusPage /> : null}
        {route.page === 'locations' ? <LocationsPage /> : null}
        {route.page === 'activity' ? <ActivityPage /> : null}
        {route.page === 'accounts' ? <AccountsPage justSignedIn={route.signedIn} /> : null}
        {route.page === 'settings' ? <SettingsPage /> : null}
      </main>
    </>
  );
}

const root = document.getElementById('root')!;
// The server-sent "Loading…" placeholder goes; Preact renders into an empty element.
root.replaceChildren();
render(<App />, root);

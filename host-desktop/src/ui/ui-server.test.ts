import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { expect } from 'chai';
import { startDesktop, type DesktopFixture } from '../e2e/fixture.test.helpers.js';

interface Reply {
  status: number;
  body: string;
}

/** A raw HTTP request, so the Host header can be anything (a browser would not let a page set it). */
function send(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('desktop UI server: loopback only, Host and CSRF checks, no secrets', function () {
  let d: DesktopFixture;
  let host: string;

  /** The session cookie the entry address set, as the browser sends it back. */
  let cookie: string;

  before(async () => {
    d = await startDesktop({ locations: [{ id: 'L1', name: 'Surrey Court', format: 'eml', targets: ['surrey'] }], graph: true });
    host = `127.0.0.1:${d.ui.port}`;
    cookie = d.session.cookie;
  });
  after(async () => d?.close());

  it('listens on the loopback address only', () => {
    expect(d.ui.url).to.equal(`http://127.0.0.1:${d.ui.port}/`);
  });

  it('refuses a request whose Host header is not its loopback name and port (DNS rebinding)', async () => {
    for (const foreign of ['evil.example', `evil.example:${d.ui.port}`, `127.0.0.1:${d.ui.port + 1}`, 'localhost']) {
      const r = await send(d.ui.port, 'GET', '/api/status', { host: foreign, cookie });
      expect(r.status, foreign).to.equal(403);
      expect(r.body).to.match(/Host header/);
    }
    expect((await send(d.ui.port, 'GET', '/api/status', { host, cookie })).status).to.equal(200);
    expect((await send(d.ui.port, 'GET', '/api/status', { host: `localhost:${d.ui.port}`, cookie })).status).to.equal(200);
  });

  it('refuses a state-changing request without the CSRF token, with a wrong one, or from another origin', async () => {
    const path = '/api/accounts/microsoft-user/sign-in';
    const none = await send(d.ui.port, 'POST', path, { host, cookie }, '{}');
    expect(none.status).to.equal(403);
    expect(JSON.parse(none.body)).to.include({ error: 'csrf' });
    const wrong = await send(d.ui.port, 'POST', path, { host, cookie, 'x-csrf-token': `${d.ui.csrfToken.slice(0, -2)}xx` }, '{}');
    expect(wrong.status).to.equal(403);
    const foreign = await send(d.ui.port, 'POST', path, { host, cookie, 'x-csrf-token': d.ui.csrfToken, origin: 'https://evil.example' }, '{}');
    expect(foreign.status).to.equal(403);
    for (const [method, p] of [['PUT', '/api/settings'], ['POST', '/api/retry'], ['POST', '/api/quit'], ['POST', '/api/open']] as const) {
      expect((await send(d.ui.port, method, p, { host, cookie }, '{}')).status, `${method} ${p}`).to.equal(403);
    }
    // Nothing was started by the refused requests: the same request with the token works.
    const ok = await send(d.ui.port, 'POST', path, { host, cookie, 'x-csrf-token': d.ui.csrfToken, origin: `http://${host}` }, '{}');
    expect(ok.status).to.equal(200);
    expect(JSON.parse(ok.body).url).to.match(/\/organizations\/oauth2\/v2\.0\/authorize\?/);
  });

  it('gives the page its CSRF token and strict headers', async () => {
    const r = await send(d.ui.port, 'GET', '/', { host, cookie });
    expect(r.body).to.contain(`<meta name="csrf-token" content="${d.ui.csrfToken}">`);
    const res = await fetch(d.ui.url, { headers: { cookie } });
    expect(res.headers.get('content-security-policy')).to.match(/default-src 'self'/).and.match(/frame-ancestors 'none'/);
    expect(res.headers.get('x-frame-options')).to.equal('DENY');
  });

  it('refuses a sign-in redirect whose state it did not issue, and stores nothing', async () => {
    const r = await send(d.ui.port, 'GET', '/auth/callback?code=stolen&state=forged', { host });
    expect(r.status).to.equal(400);
    expect(r.body).to.match(/unknown or expired state/);
    expect(await d.vault.get('microsoft-user')).to.equal(undefined);
  });

  it('sends no secret to the page: not the filing-service token, not a sign-in token', async () => {
    // Sign in at the API level, so there are tokens in the vault to leak.
    const start = await send(d.ui.port, 'POST', '/api/accounts/microsoft-user/sign-in', { host, cookie, 'x-csrf-token': d.ui.csrfToken }, '{}');
    const authorize = await fetch(JSON.parse(start.body).url as string, { redirect: 'manual' });
    const back = new URL(authorize.headers.get('location')!);
    // The redirect back from the identity service carries no session cookie (SameSite=Strict): its state lets it in.
    const done = await send(d.ui.port, 'GET', `${back.pathname}${back.search}`, { host });
    expect(done.status).to.equal(200);
    expect(done.body).to.contain('url=/#accounts:signed-in:microsoft-user');
    const stored = JSON.parse((await d.vault.get('microsoft-user'))!) as { AccessToken: Record<string, { secret: string }>; RefreshToken: Record<string, { secret: string }> };
    const secrets = [d.filing.token, ...Object.values(stored.AccessToken).map((t) => t.secret), ...Object.values(stored.RefreshToken).map((t) => t.secret)];
    expect(secrets.length).to.be.greaterThan(2);
    for (const path of ['/', '/api/status', '/api/accounts', '/api/settings', '/api/locations', '/api/activity']) {
      const r = await send(d.ui.port, 'GET', path, { host, cookie });
      expect(r.status, path).to.equal(200);
      for (const s of secrets) expect(r.body, path).not.to.contain(s);
    }
    const accounts = JSON.parse((await send(d.ui.port, 'GET', '/api/accounts', { host, cookie })).body) as { name: string; signedIn: boolean; user?: string }[];
    expect(accounts.find((a) => a.name === 'microsoft-user')).to.include({ signedIn: true, user: 'dana@contoso.example' });
  });

  it('lets in only a browser that came through the entry address: without the session cookie (plain fetch) every route answers 401', async () => {
    const before = await readFile(d.configPath, 'utf8');
    // Another local process or user: it reaches 127.0.0.1, but has no cookie.
    const page = await fetch(d.ui.url);
    expect(page.status).to.equal(401);
    const html = await page.text();
    expect(html).to.match(/Open filing-sync from the program/).and.match(/shortcut or window/);
    expect(html).not.to.contain(d.ui.csrfToken);
    const activity = await fetch(`${d.ui.url}api/activity`);
    expect(activity.status).to.equal(401);
    expect(await activity.json()).to.include({ error: 'session' });
    for (const path of ['api/status', 'api/settings', 'api/accounts', 'api/locations', 'api/naming/preview?template=x']) {
      expect((await fetch(`${d.ui.url}${path}`)).status, path).to.equal(401);
    }
    // Even knowing the CSRF token does not help without the cookie: nothing changes.
    const json = { 'content-type': 'application/json', 'x-csrf-token': d.ui.csrfToken };
    const put = await fetch(`${d.ui.url}api/settings`, { method: 'PUT', headers: json, body: JSON.stringify({ values: { 'source.url': 'http://127.0.0.1:9/' } }) });
    expect(put.status).to.equal(401);
    expect(await readFile(d.configPath, 'utf8')).to.equal(before);
    for (const path of ['api/quit', 'api/accounts/microsoft-user/sign-out', 'api/accounts/microsoft-user/sign-in', 'api/retry']) {
      expect((await fetch(`${d.ui.url}${path}`, { method: 'POST', headers: json, body: '{}' })).status, path).to.equal(401);
    }
    // A wrong cookie or a wrong entry key does not get in either.
    expect((await fetch(d.ui.url, { headers: { cookie: `${cookie.split('=')[0]}=forged` } })).status).to.equal(401);
    const wrongKey = await fetch(`${d.ui.url}?k=guessed`, { redirect: 'manual' });
    expect(wrongKey.status).to.equal(401);
    expect(wrongKey.headers.get('set-cookie')).to.equal(null);
    // The page's static code is public (it holds no secret).
    expect((await fetch(`${d.ui.url}app/main.js`)).status).to.equal(200);
  });

  it('sets the session cookie from the entry address (HttpOnly, SameSite=Strict) and takes the key out of the address', async () => {
    const entry = await fetch(d.ui.entryUrl, { redirect: 'manual' });
    expect(entry.status).to.equal(303);
    expect(entry.headers.get('location')).to.equal('/');
    const set = entry.headers.get('set-cookie')!;
    expect(set).to.match(new RegExp(`^filing-sync-${d.ui.port}=[A-Za-z0-9_-]{43}; `)).and.match(/HttpOnly/).and.match(/SameSite=Strict/).and.match(/Path=\//);
    expect(set).not.to.contain(new URL(d.ui.entryUrl).searchParams.get('k')!);
    const page = await fetch(d.ui.url, { headers: { cookie: set.split(';')[0]! } });
    expect(page.status).to.equal(200);
    expect(await page.text()).to.contain(d.ui.csrfToken);
    // Cookies do not tell ports apart: the browser also sends other local programs' cookies, which change nothing.
    const [name, value] = set.split(';')[0]!.split('=') as [string, string];
    const others = `theme=dark; filing-sync-${d.ui.port + 1}=${value}; junk`;
    expect((await fetch(d.ui.url, { headers: { cookie: `${others}; ${name}=${value}` } })).status).to.equal(200);
    expect((await fetch(d.ui.url, { headers: { cookie: others } })).status).to.equal(401);
    expect((await fetch(d.ui.url, { headers: { cookie: `${others}; ${name}=${value.slice(1)}` } })).status).to.equal(401);
  });
});

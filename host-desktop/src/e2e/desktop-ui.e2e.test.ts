import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { chattr, eventually, message, REPO, startDesktop, type DesktopFixture } from './fixture.test.helpers.js';

/** Debian's chromium, as CI installs it. */
const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = join(REPO, 'host-desktop/docs/status-page.png');

describe('desktop UI in a real browser (chromium + playwright-core)', function () {
  this.timeout(90_000);
  let d: DesktopFixture;
  let profile: string;
  let context: BrowserContext;
  let page: Page;
  /** Script errors and CSP violations the page reported. */
  const pageErrors: string[] = [];

  before(async () => {
    d = await startDesktop({
      graph: true,
      locations: [
        { id: 'L1', name: 'Surrey Court', format: 'eml', targets: ['surrey'] },
        { id: 'L2', name: 'Harbour Bridge', format: 'msg', targets: ['harbour', 'locked'] },
        { id: 'L3', name: 'Old Archive', format: 'eml', targets: ['archive'] },
        { id: 'L4', name: 'Cloud Projects', format: 'eml', targets: ['onedrive:/Projects/Cloud'] },
      ],
    });
    await mkdir(d.target('locked'), { recursive: true });
    chattr('+i', d.target('locked'));
    // A file sits where the archive folder should be: writing there fails for good until someone moves it.
    await writeFile(d.target('archive'), 'not a folder');
    profile = await mkdtemp(join(tmpdir(), 'fs-desktop-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      // The Graph double serves HTTPS with this run's own test certificate.
      ignoreHTTPSErrors: true,
      viewport: { width: 1180, height: 820 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|Uncaught|import map/i.test(m.text())) pageErrors.push(m.text());
    });
  });

  after(async () => {
    await context?.close();
    if (d) spawnChattrOff(d.target('locked'));
    await d?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  it('lets in only through the entry address the program opens; the plain address answers 401 with what to do', async () => {
    const refused = await page.goto(d.ui.url);
    expect(refused?.status()).to.equal(401);
    expect(await page.textContent('body')).to.match(/Open it from filing-sync itself: its shortcut or window/);
    // The address the program opens the browser on: it sets the cookie and comes back to "/" without the key.
    await page.goto(d.ui.entryUrl);
    expect(page.url()).to.equal(d.ui.url);
    await page.getByTestId('run-state').waitFor();
    const cookies = await context.cookies(d.ui.url);
    expect(cookies.map((c) => ({ name: c.name, httpOnly: c.httpOnly, sameSite: c.sameSite }))).to.deep.equal([
      { name: `filing-sync-${d.ui.port}`, httpOnly: true, sameSite: 'Strict' },
    ]);
  });

  it('shows the tenant and live counts while the filing service files messages', async () => {
    await page.goto(d.ui.url);
    await page.getByTestId('run-state').filter({ hasText: 'Running' }).waitFor();
    expect(await page.getByTestId('tenant').textContent()).to.equal('acme-desktop');
    expect(await page.getByTestId('filed-today').textContent()).to.equal('0');
    const subjects = ['Site visit notes', 'Drainage survey', 'Snagging list'];
    for (const [i, subject] of subjects.entries()) {
      await d.filing.addFiling({ location: 'L1', raw: message(subject) });
      // The page updates by itself as each one is filed.
      await eventually(`"${subject}" to be filed`, () => d.filing.filings().filter((f) => f.state === 'done').length === i + 1);
      await page.getByTestId('filed-today').filter({ hasText: new RegExp(`^${i + 1}$`) }).waitFor();
    }
    expect(await page.getByTestId('filed-today').textContent()).to.equal('3');
    await page.getByTestId('pending').filter({ hasText: /^0$/ }).waitFor();
    expect(await page.getByTestId('last-poll').textContent()).not.to.equal('never');
    expect((await readdir(d.target('surrey'))).sort()).to.deep.equal([
      '20261128T144613Z Drainage survey.eml',
      '20261128T144613Z Site visit notes.eml',
      '20261128T144613Z Snagging list.eml',
    ]);
  });

  it('shows a target without permission as "skipped", and the other target of the location still written', async () => {
    await d.filing.addFiling({ id: 'F-harbour', location: 'L2', raw: message('Crane booking') });
    await eventually('the harbour filing to be reported', () => d.filing.filing('F-harbour')?.state === 'done');
    await page.getByTestId('nav-locations').click();
    const locked = page.locator(`[data-testid="target-row"][data-target="${d.target('locked')}"]`);
    await locked.getByTestId('target-state').filter({ hasText: 'skipped: no permission' }).waitFor();
    const harbour = page.locator(`[data-testid="target-row"][data-target="${d.target('harbour')}"]`);
    expect(await harbour.getByTestId('target-state').textContent()).to.equal('ok');
    expect(await readdir(d.target('harbour'))).to.deep.equal(['20261128T144613Z Crane booking.msg']);
    expect(d.filing.filing('F-harbour')!.outcomes[d.target('locked')]![0]).to.include({ outcome: 'skipped' });
  });

  it('takes the status page screenshot for the README', async () => {
    await page.getByTestId('nav-status').click();
    await page.getByTestId('run-state').filter({ hasText: 'Running' }).waitFor();
    await page.getByTestId('filed-today').filter({ hasText: /^[1-9]/ }).waitFor();
    // Drawn while one target is still skipped, so the picture shows how a problem looks.
    await page.getByTestId('errors').filter({ hasText: /^1$/ }).waitFor();
    // Local times differ per machine; the picture shows them as this run saw them.
    await mkdir(join(REPO, 'host-desktop/docs'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect((await readFile(SCREENSHOT)).subarray(1, 4).toString()).to.equal('PNG');
  });

  it('retries a skipped item once the folder may be written', async () => {
    chattr('-i', d.target('locked'));
    await page.getByTestId('nav-activity').click();
    await page.getByTestId('outcome-filter').selectOption('skipped');
    const row = page.getByTestId('activity-row').filter({ hasText: 'Crane booking' });
    await row.getByTestId('retry').click();
    await page.getByTestId('retry-message').filter({ hasText: 'created' }).waitFor();
    expect(await readdir(d.target('locked'))).to.deep.equal(['20261128T144613Z Crane booking.msg']);
    // Reported again to the filing service with the new outcome.
    const outcomes = d.filing.filing('F-harbour')!.outcomes[d.target('locked')]!;
    expect(outcomes.map((o) => o.outcome)).to.deep.equal(['skipped', 'created']);
  });

  it('shows a failing target with its reason, and retries the failed item after the cause is fixed', async () => {
    const archive = d.target('archive');
    await d.filing.addFiling({ id: 'F-archive', location: 'L3', raw: message('Old drawings') });
    await eventually('the archive filing to fail', () => d.filing.filing('F-archive')?.outcomes[archive]?.[0]?.outcome === 'failed');
    await page.getByTestId('nav-locations').click();
    const target = page.locator(`[data-testid="target-row"][data-target="${archive}"]`);
    await target.getByTestId('target-state').filter({ hasText: /^failing: .*cannot be written/ }).waitFor();

    await page.getByTestId('nav-activity').click();
    await page.getByTestId('outcome-filter').selectOption('failed');
    const row = page.getByTestId('activity-row').filter({ hasText: 'Old drawings' });
    expect(await row.textContent()).to.match(/cannot be written/);
    await rm(archive);
    await row.getByTestId('retry').click();
    await page.getByTestId('retry-message').filter({ hasText: 'Old drawings' }).filter({ hasText: 'created' }).waitFor();
    expect(await readdir(archive)).to.deep.equal(['20261128T144613Z Old drawings.eml']);
    expect(d.filing.filing('F-archive')!.outcomes[archive]!.map((o) => o.outcome)).to.deep.equal(['failed', 'created']);
    await page.getByTestId('nav-locations').click();
    await target.getByTestId('target-state').filter({ hasText: /^ok$/ }).waitFor();
  });

  it('updates the naming preview as the template is typed, and shows errors next to the field', async () => {
    await page.getByTestId('nav-settings').click();
    const preview = page.getByTestId('naming-preview');
    // The sample subject's colons, slash and question mark are made safe by the Windows rules.
    await preview.filter({ hasText: /^20261128T144613Z RE_ Site visit notes_ level 3 _ east wing_\.msg$/ }).waitFor();
    const template = page.locator('input[name="naming.template"]');
    await template.fill('{from.name} - {subject}');
    await preview.filter({ hasText: /^Ana Ruiz - RE_ Site visit notes/ }).waitFor();
    expect(await preview.textContent()).to.match(/\.msg$/);
    await page.locator('select[name="defaultFormat"]').selectOption('eml');
    await preview.filter({ hasText: /\.eml$/ }).waitFor();
    await template.fill('{sent:iso} {nope}');
    await page.getByTestId('naming-preview-error').filter({ hasText: 'nope' }).waitFor();

    // Saving refuses bad values and says so next to each field; the file is not changed.
    const before = await readFile(d.configPath, 'utf8');
    await page.locator('input[name="concurrency.filings"]').fill('lots');
    await page.getByTestId('save-settings').click();
    await page.getByTestId('field-concurrency.filings').getByTestId('field-error').waitFor();
    expect(await page.getByTestId('field-naming.template').getByTestId('field-error').textContent()).to.contain('naming.template');
    expect(await readFile(d.configPath, 'utf8')).to.equal(before);
  });

  it('saves valid settings, keeps the token write-only, and restarts the connector with them', async () => {
    await page.locator('input[name="naming.template"]').fill('{sent:iso} {from.name} {subject}');
    await page.locator('input[name="concurrency.filings"]').fill('2');
    await page.locator('select[name="defaultFormat"]').selectOption('msg');
    const token = page.locator('input[name="source.token"]');
    expect(await token.getAttribute('placeholder')).to.match(/^set/);
    expect(await token.inputValue()).to.equal('');
    await token.fill(d.filing.token);
    await page.getByTestId('save-settings').click();
    await page.getByTestId('settings-message').filter({ hasText: 'Saved' }).waitFor();
    const saved = JSON.parse(await readFile(d.configPath, 'utf8')) as { naming: { template: string }; concurrency: { filings: number }; source: Record<string, string> };
    expect(saved.naming.template).to.equal('{sent:iso} {from.name} {subject}');
    expect(saved.concurrency.filings).to.equal(2);
    // The token went to a file only the user reads; the config names the file, the page never sees it.
    expect(saved.source['token']).to.equal(undefined);
    expect((await readFile(saved.source['tokenFile']!, 'utf8')).trim()).to.equal(d.filing.token);
    expect(await token.inputValue()).to.equal('');
    expect(await page.content()).not.to.contain(d.filing.token);
    await eventually('the connector to run with the new settings', async () => (await d.app.status()).state === 'running');
    await d.filing.addFiling({ id: 'F-renamed', location: 'L1', raw: message('Fire strategy') });
    await eventually('the new filing to be written', async () => (await readdir(d.target('surrey'))).includes('20261128T144613Z Ana Ruiz Fire strategy.eml'));
  });

  it('signs in to Microsoft through the authorisation-code flow with PKCE and shows the account', async () => {
    // Before the sign-in, a OneDrive target cannot be written: the filing waits and the target says why.
    await d.filing.addFiling({ id: 'F-cloud', location: 'L4', raw: message('Cloud handover') });
    await page.getByTestId('nav-locations').click();
    const cloud = page.locator('[data-testid="target-row"][data-target="onedrive:/Projects/Cloud"]');
    await cloud.getByTestId('target-state').filter({ hasText: 'needs sign-in' }).waitFor();
    expect(d.filing.filing('F-cloud')!.state).not.to.equal('done');

    await page.getByTestId('nav-accounts').click();
    const account = page.locator('[data-testid="account"][data-account="microsoft-user"]');
    await account.getByTestId('sign-in').click();
    // To the Graph double's authorize endpoint and back to the loopback redirect.
    await account.getByTestId('account-user').filter({ hasText: 'dana@contoso.example' }).waitFor();
    expect(page.url()).to.match(/#accounts:signed-in:microsoft-user$/);
    const sign = d.graph!.identity.userSignIn;
    const authorize = sign.authorizeRequests.at(-1)!;
    expect(authorize.get('code_challenge_method')).to.equal('S256');
    expect(authorize.get('redirect_uri')).to.equal(`http://127.0.0.1:${d.ui.port}/auth/callback`);
    expect(authorize.get('state')).to.have.length.greaterThan(20);
    expect(sign.codesRedeemed).to.be.greaterThan(0);
    expect(await account.getByTestId('account-state').textContent()).to.match(/token valid until/);
    // The tokens are on disk only in the user's 0600 vault file.
    const vaultFile = join(d.dataDir, 'tokens.json');
    expect(existsSync(vaultFile)).to.equal(true);
    // With the user's token the waiting filing reaches their OneDrive.
    await eventually('the cloud filing to be written', () => d.filing.filing('F-cloud')?.state === 'done');
    const drive = d.graph!.myDrive;
    const folder = drive.walk(drive.rootId, ['Projects', 'Cloud'])!;
    expect(drive.children(folder.id).map((i) => i.name)).to.deep.equal(['20261128T144613Z Ana Ruiz Cloud handover.eml']);
    await page.getByTestId('nav-locations').click();
    await cloud.getByTestId('target-state').filter({ hasText: /^ok$/ }).waitFor();

    // Sign out: the tokens are gone and the account offers the sign-in again.
    await page.getByTestId('nav-accounts').click();
    await account.getByTestId('sign-out').click();
    await account.getByTestId('account-state').filter({ hasText: 'Not signed in' }).waitFor();
    await account.getByTestId('sign-in').waitFor();
    expect(await d.vault.get('microsoft-user')).to.equal(undefined);
  });

  it('refuses a state-changing request from the page without the CSRF token', async () => {
    // Scripts run in the page; written as text because this package compiles without the DOM library.
    const status = await page.evaluate<number>(`fetch('/api/quit', { method: 'POST' }).then((r) => r.status)`);
    expect(status).to.equal(403);
    const withToken = await page.evaluate<number>(
      `fetch('/api/accounts/nobody/sign-out', { method: 'POST', headers: { 'x-csrf-token': document.querySelector('meta[name="csrf-token"]').content, 'content-type': 'application/json' }, body: '{}' }).then((r) => r.status)`,
    );
    expect(withToken).to.equal(404);
  });

  it('stands by and says who holds the tenant lease while another connector files for the tenant', async () => {
    await page.getByTestId('nav-status').click();
    await d.app.stop();
    await page.getByTestId('run-state').filter({ hasText: 'Stopped' }).waitFor();
    const res = await fetch(`${d.filing.url}/v1/tenants/acme-desktop/lease`, {
      method: 'POST',
      headers: { authorization: `Bearer ${d.filing.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ holder: 'filing-sync@reception-pc', ttlSeconds: 30 }),
    });
    expect(res.status).to.equal(200);
    await d.app.start();
    await page.getByTestId('run-state').filter({ hasText: 'Standing by: filing-sync@reception-pc is filing for this tenant' }).waitFor();
    d.filing.expireLease();
    await page.getByTestId('run-state').filter({ hasText: 'Running' }).waitFor();
    // The page ran throughout without a script error or a blocked script (the CSP allows exactly what it loads).
    expect(pageErrors).to.deep.equal([]);
  });
});

function spawnChattrOff(folder: string): void {
  try {
    chattr('-i', folder);
  } catch {
    // already writable
  }
}

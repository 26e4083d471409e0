// Browser journeys through the staff console against the real server with the Toronto demo city loaded: the first
// administrator signs in and enrols an authenticator app, invites a prevention coordinator, who accepts and signs in;
// the neighbourhood map and signals journeys then run as that coordinator.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { generateSync } from 'otplib';
import { chromium, type Browser, type BrowserContext, type Cookie, type Page } from 'playwright-core';
import { encode } from 'uqr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const screenshots = path.join(import.meta.dirname, 'screenshots');
const DEMO_AREAS = 158;

const ADMIN = {
  email: 'ada.admin@city.example',
  name: 'Ada Administrator',
  organisation: 'City of Toronto',
  password: 'violet lantern harbour 1987',
};
const COORDINATOR = {
  email: 'corinne.coordinator@city.example',
  name: 'Corinne Coordinator',
  password: 'granite meadow whistle 24',
};
const DPO = { email: 'dina.dpo@city.example', name: 'Dina Officer', password: 'copper orchard lantern 58' };
const PREVENTION_OFFICE = 'Prevention Office';

type PictureRow = {
  code: string;
  name: string;
  count: number;
  population: number | null;
  ratePer10k: number | null;
};
type Picture = {
  from: string | null;
  to: string | null;
  dataAsOf: string | null;
  cityWide: { count: number };
  areas: PictureRow[];
};

let server: ChildProcess;
let serverLog = '';
let base = '';
let dataDir = '';
let browser: Browser;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    if (server.exitCode !== null)
      throw new Error(`server exited (${server.exitCode}) while waiting for ${what}:\n${serverLog}`);
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what} (${String(last)}):\n${serverLog.slice(-4000)}`);
}

// ---- Signing in ----------------------------------------------------------------------------------------------

/** The coordinator's session cookie once the journey has signed them in; the map and signals journeys use it. */
let coordinatorCookies: Cookie[] | null = null;

function sessionCookieHeader(cookies: Cookie[] | null): string {
  const session = cookies?.find((c) => c.name === '__Host-cohesion_session');
  if (!session)
    throw new Error('the coordinator is not signed in: the sign-in journey must run (and pass) first');
  return `${session.name}=${session.value}`;
}

/** The API as the signed-in coordinator sees it (the same session as their browser). */
async function api<T>(pathAndQuery: string, cookies: Cookie[] | null = coordinatorCookies): Promise<T> {
  const r = await fetch(base + pathAndQuery, { headers: { cookie: sessionCookieHeader(cookies) } });
  if (!r.ok) throw new Error(`${pathAndQuery}: HTTP ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

const TOTP_PERIOD = 30;
const usedSteps = new Map<string, number>();

/**
 * The authenticator code for `secret`, as an app would show it. The server accepts each time step once per account,
 * so a second code for the same secret waits for the next 30-second step instead of replaying one.
 */
async function totpCode(secret: string): Promise<string> {
  for (;;) {
    const now = Date.now() / 1000;
    const step = Math.floor(now / TOTP_PERIOD);
    const intoStep = now - step * TOTP_PERIOD;
    const used = usedSteps.get(secret);
    // Not in the last two seconds of a step either, so the code is still this step's when the server checks it.
    if ((used === undefined || step > used) && intoStep < TOTP_PERIOD - 2) {
      usedSteps.set(secret, step);
      return generateSync({ secret, epoch: Math.floor(now), period: TOTP_PERIOD, digits: 6 });
    }
    await new Promise((r) => setTimeout(r, ((step + 1) * TOTP_PERIOD - now) * 1000 + 200));
  }
}

// ---- Pages ---------------------------------------------------------------------------------------------------

const en = {
  count: new Intl.NumberFormat('en', { maximumFractionDigits: 0 }),
  rate: new Intl.NumberFormat('en', { maximumFractionDigits: 2 }),
};

/** Every table row against the API's answer for the same filters: same areas, same numbers. */
async function expectTableMatches(page: Page, picture: Picture): Promise<void> {
  const rows = await page.$$eval('table.area-table tbody tr', (trs) =>
    trs.map((tr) => ({
      code: tr.getAttribute('data-code'),
      name: tr.querySelector('th')!.textContent!.trim(),
      count: tr.querySelector('[data-col=count]')!.textContent!.trim(),
      population: tr.querySelector('[data-col=population]')!.textContent!.trim(),
      rate: tr.querySelector('[data-col=rate]')!.textContent!.trim(),
    })),
  );
  expect(rows).toHaveLength(picture.areas.length);
  const byCode = new Map(rows.map((r) => [r.code, r]));
  for (const a of picture.areas) {
    const row = byCode.get(a.code);
    expect(row, a.code).toBeDefined();
    expect(row).toEqual({
      code: a.code,
      name: a.name,
      count: en.count.format(a.count),
      population: a.population === null ? '—Not available' : en.count.format(a.population),
      rate: a.ratePer10k === null ? '—Not available' : en.rate.format(a.ratePer10k),
    });
  }
}

async function waitForTable(page: Page, url: URL): Promise<Picture> {
  await page.waitForSelector('table.area-table[aria-busy=false]');
  const params = new URLSearchParams();
  for (const key of ['from', 'to', 'label']) {
    const v = url.searchParams.get(key);
    if (v) params.set(key, v);
  }
  return api<Picture>(`/api/v1/picture/areas?${params}`);
}

async function expectNoSeriousAxeViolations(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
    }));
  expect(serious).toEqual([]);
}

/** Axe, then a full-page screenshot named after the screen and the language (e2e/screenshots/, not committed). */
async function record(page: Page, name: string): Promise<void> {
  await expectNoSeriousAxeViolations(page);
  await page.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage: true });
}

type Tab = { page: Page; context: BrowserContext; done: () => Promise<void> };

/**
 * A fresh browser context, signed in as the coordinator unless `signedOut`; `done()` closes it and fails the test on
 * any uncaught script error in the page.
 */
async function newPage(options: { locale?: string; signedOut?: boolean } = {}): Promise<Tab> {
  const context: BrowserContext = await browser.newContext({
    viewport: { width: 1400, height: 1000 },
    locale: options.locale ?? 'en-GB',
    // Cookies only: a stored language choice would hide the browser's own preference from the locale journeys.
    ...(options.signedOut ? {} : { storageState: { cookies: coordinatorCookiesOrThrow(), origins: [] } }),
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return {
    page,
    context,
    done: async () => {
      await context.close();
      expect(errors).toEqual([]);
    },
  };
}

function coordinatorCookiesOrThrow(): Cookie[] {
  sessionCookieHeader(coordinatorCookies);
  return coordinatorCookies!;
}

const heading = (page: Page) => page.locator('h1');

/** Signs in from the sign-in page and returns once the console has moved on. */
async function signIn(page: Page, who: { email: string; password: string }): Promise<void> {
  await page.fill('input[name=email]', who.email);
  await page.fill('input[name=password]', who.password);
  await page.locator('form button[type=submit]').click();
  await page.waitForURL((u) => u.pathname !== '/sign-in');
}

/** Enrolment: reads the secret, confirms a first code, saves the recovery codes; returns both. */
async function enrol(
  page: Page,
  options: { screenshots?: string } = {},
): Promise<{ secret: string; recoveryCodes: string[] }> {
  await page.waitForURL(/\/sign-in\/enrol/);
  const secretBox = page.getByTestId('totp-secret');
  await secretBox.waitFor();
  const secret = (await secretBox.textContent())!.replace(/\s+/g, '');
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  // Groups of four, the way apps print secrets.
  expect(await secretBox.locator('.secret-group').allTextContents()).toEqual(secret.match(/.{1,4}/g));
  const uri = new URL((await page.getByTestId('otpauth-link').getAttribute('href'))!);
  expect(uri.protocol).toBe('otpauth:');
  expect(uri.searchParams.get('secret')).toBe(secret);
  // The QR code on screen is the otpauth link itself: its modules are the ones uqr computes for that link.
  const qr = encode(uri.href, { ecc: 'M', border: 4 });
  const dark = qr.data
    .flatMap((row, y) => row.flatMap((on, x) => (on ? [`M${x} ${y}h1v1h-1z`] : [])))
    .join('');
  expect(await page.locator('svg.qr-code path').getAttribute('d')).toBe(dark);
  if (options.screenshots) await record(page, `enrol-${options.screenshots}`);

  await page.fill('input[name=code]', await totpCode(secret));
  await page.locator('form button[type=submit]').click();
  const codes = page.getByTestId('recovery-codes');
  await codes.waitFor();
  const recoveryCodes = (await codes.locator('code').allTextContents()).map((c) => c.trim());
  expect(recoveryCodes).toHaveLength(10);
  expect(new Set(recoveryCodes).size).toBe(10);
  if (options.screenshots) await record(page, `recovery-codes-${options.screenshots}`);

  // Going on without confirming is refused, with the GOV.UK error summary linking to the checkbox.
  await page.locator('form button[type=submit]').click();
  const summary = page.locator('.error-summary');
  await summary.waitFor();
  expect(await summary.locator('a').getAttribute('href')).toBe('#enrol-saved');
  await page.check('input[name=saved]');
  await page.locator('form button[type=submit]').click();
  await page.waitForURL((u) => !u.pathname.startsWith('/sign-in'));
  return { secret, recoveryCodes };
}

const navLinks = (page: Page) => page.locator('nav.main-nav a').allTextContents();

beforeAll(async () => {
  if (Number(process.versions.node.split('.')[0]) < 24) {
    throw new Error(`run the journeys with the project's Node 24 (npm run test:e2e), not ${process.version}`);
  }
  const build = spawnSync(process.execPath, ['scripts/ensure-web-build.ts'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`console build failed:\n${build.stdout}\n${build.stderr}`);
  fs.mkdirSync(screenshots, { recursive: true });

  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cohesion-e2e-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    DEMO_CITY: '1',
    LOG_LEVEL: 'warn',
  };
  delete env.DATABASE_URL;

  // The first account of an instance comes from the command line: there are no default credentials.
  const admin = spawnSync(
    process.execPath,
    [
      'server/cli/main.ts',
      'users',
      'create-admin',
      '--email',
      ADMIN.email,
      '--name',
      ADMIN.name,
      '--organisation',
      ADMIN.organisation,
    ],
    { cwd: root, env: { ...env, COHESION_ADMIN_PASSWORD: ADMIN.password }, encoding: 'utf8' },
  );
  if (admin.status !== 0) throw new Error(`users create-admin failed:\n${admin.stdout}\n${admin.stderr}`);

  server = spawn(process.execPath, ['server/main.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout!.on('data', (d: Buffer) => (serverLog += d.toString()));
  server.stderr!.on('data', (d: Buffer) => (serverLog += d.toString()));

  // The server loads the demo city before it listens.
  await waitFor('/livez', async () => ((await fetch(`${base}/livez`)).ok ? true : undefined), 150_000);
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (server.exitCode === null) server.kill('SIGKILL');
  }
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

// ---- The journey: first administrator → invitation → coordinator -----------------------------------------------

/** The administrator's English browser, kept open through the journey. */
let admin: Tab | undefined;
let adminTotp: { secret: string; recoveryCodes: string[] } | undefined;
let coordinatorLink = '';

describe('security headers of the console (golden)', () => {
  it('serves the console shell and its assets under the same strict policy as the API', async () => {
    const shell = await fetch(`${base}/people?lang=en`);
    expect(shell.status).toBe(200);
    expect(shell.headers.get('content-type')).toMatch(/text\/html/);
    const assetPath = /<script[^>]+src="([^"]+)"/.exec(await shell.text())?.[1];
    expect(assetPath).toBeDefined();
    const asset = await fetch(`${base}${assetPath}`);
    for (const r of [shell, asset]) {
      expect(r.headers.get('content-security-policy')).toBe(
        "default-src 'self';base-uri 'none';font-src 'self';form-action 'self';frame-ancestors 'none';img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self';upgrade-insecure-requests;connect-src 'self'",
      );
      expect(r.headers.get('x-frame-options')).toBe('DENY');
      expect(r.headers.get('referrer-policy')).toBe('no-referrer');
      expect(r.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });
});

describe('signing in and administration (journey)', () => {
  it('sends a visitor to sign in, remembering the page, and the administrator enrols an authenticator app', async () => {
    admin = await newPage({ signedOut: true });
    const { page } = admin;
    await page.goto(`${base}/signals?lang=en`);
    await page.waitForURL(/\/sign-in\?/);
    expect(new URL(page.url()).searchParams.get('next')).toBe('/signals?lang=en');
    expect(await heading(page).textContent()).toBe('Sign in');
    // Signed out, the header offers no navigation to pages that need a session.
    expect(await page.locator('nav.main-nav').count()).toBe(0);
    await record(page, 'sign-in-en');

    // An empty form: the error summary first, focused, linking to each field.
    await page.locator('form button[type=submit]').click();
    const summary = page.locator('.error-summary');
    await summary.waitFor();
    expect(await summary.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await summary.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')))).toEqual([
      '#sign-in-email',
      '#sign-in-password',
    ]);

    // A wrong password says so without telling which of the two was wrong.
    await page.fill('input[name=email]', ADMIN.email);
    await page.fill('input[name=password]', 'not the password at all');
    await page.locator('form button[type=submit]').click();
    await expect.poll(() => summary.textContent()).toContain('The email address or password is not right.');
    await record(page, 'sign-in-error-en');

    await signIn(page, ADMIN);
    // A city administrator reaches personal data (people, sessions): an authenticator app is required.
    adminTotp = await enrol(page, { screenshots: 'en' });
    // Back where they were going.
    await page.waitForURL(/\/signals\?lang=en/);
    await page.waitForSelector('nav.main-nav');
    // The administrator's role has no signal:read: no "Signals" entry, and the page says so.
    expect(await navLinks(page)).toEqual(['Map', 'Early warning', 'Administration']);
    expect(await heading(page).textContent()).toBe('You cannot open this page');
  });

  it('lets the administrator manage organisations and roles', async () => {
    const { page } = admin!;
    await page.getByRole('link', { name: 'Administration' }).click();
    await page.waitForURL(/\/admin\/organisations/);
    // No audit:read for administrators (separation of duties): no Audit entry.
    await expect
      .poll(() => page.locator('nav.admin-nav a').allTextContents())
      .toEqual(['Organisations', 'People', 'Roles', 'Sessions']);
    await page.locator('table.admin-table tbody tr').first().waitFor();
    expect(await page.locator('table.admin-table tbody th').allTextContents()).toContain(ADMIN.organisation);
    await record(page, 'organisations-en');

    await page.getByRole('link', { name: 'New organisation' }).click();
    await page.waitForURL(/\/admin\/organisations\/new/);
    // Focus moves to the new page's heading, as a page load would for a screen reader.
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('main-heading');
    await page.locator('form button[type=submit]').click();
    await page.locator('.error-summary').waitFor();
    expect(await page.locator('.field-invalid').count()).toBe(2);
    await record(page, 'organisation-new-en');
    // A name already taken comes back from the server next to the field.
    await page.fill('input[name=name]', ADMIN.organisation);
    await page.selectOption('select[name=kind]', 'city_department');
    await page.locator('form button[type=submit]').click();
    await expect
      .poll(() => page.locator('#organisation-name-error').textContent())
      .toContain('already exists');
    await page.fill('input[name=name]', PREVENTION_OFFICE);
    await page.locator('form button[type=submit]').click();
    await page.waitForURL(/\/admin\/organisations\?/);
    expect(await page.getByTestId('flash').textContent()).toBe(`${PREVENTION_OFFICE} has been created.`);
    await page.getByRole('link', { name: PREVENTION_OFFICE }).click();
    await page.waitForURL(/\/admin\/organisations\/[0-9a-f-]{36}/);
    expect(await heading(page).textContent()).toBe(PREVENTION_OFFICE);
    await record(page, 'organisation-en');

    // Roles: built-in ones are read-only; a custom role is composed in the grant matrix.
    await page.getByRole('link', { name: 'Roles' }).click();
    await page.waitForURL(/\/admin\/roles/);
    await page.locator('table.admin-table tbody tr').first().waitFor();
    expect(await page.locator('table.admin-table tbody th').allTextContents()).toContain(
      'Prevention coordinator',
    );
    await record(page, 'roles-en');
    await page.getByRole('link', { name: 'Prevention coordinator' }).click();
    await page.waitForURL(/\/admin\/roles\/prevention_coordinator/);
    await page.getByTestId('grant-matrix').waitFor();
    expect(await page.locator('[data-testid=grant-matrix] select').count()).toBe(0);
    expect(
      await page
        .locator('[data-testid=grant-matrix] tr[data-resource=signal] td[data-action=read]')
        .textContent(),
    ).toBe('All');
    await record(page, 'role-builtin-en');

    await page.goto(`${base}/admin/roles/new?lang=en`);
    await page.getByTestId('grant-matrix').waitFor();
    await page.fill('input[name=code]', 'school_liaison');
    await page.fill('input[name=name]', 'School liaison');
    await page.selectOption('select[name="picture.read"]', 'all');
    await page.selectOption('select[name="area.read"]', 'all');
    await page.selectOption('select[name="taxonomy.read"]', 'all');
    expect(await page.getByTestId('second-factor-note').textContent()).toContain('optional');
    await page.selectOption('select[name="signal.read"]', 'organisation');
    expect(await page.getByTestId('second-factor-note').textContent()).toContain(
      'will need an authenticator app',
    );
    await record(page, 'role-new-en');
    await page.selectOption('select[name="signal.read"]', '');
    await page.locator('form button[type=submit]').click();
    await page.waitForURL(/\/admin\/roles\/school_liaison/);
    expect(await page.getByTestId('flash').textContent()).toBe('The role School liaison has been created.');
    const role = await page.evaluate(async () => (await fetch('/api/v1/roles/school_liaison')).json());
    expect(role).toMatchObject({
      builtin: false,
      requiresSecondFactor: false,
      grants: expect.arrayContaining([{ resource: 'picture', action: 'read', scope: 'all' }]) as unknown,
    });
    expect((role as { grants: unknown[] }).grants).toHaveLength(3);
    await record(page, 'role-en');
  });

  it('lets the administrator invite a prevention coordinator and pass on the one-time link', async () => {
    const { page } = admin!;
    await page.getByRole('link', { name: 'People' }).click();
    await page.waitForURL(/\/admin\/people/);
    await page.locator('table.people-table tbody tr').first().waitFor();
    expect(await page.getByTestId('people-count').textContent()).toBe('Showing 1 of 1 person');
    await record(page, 'people-en');

    await page.getByRole('link', { name: 'Invite someone' }).click();
    await page.waitForURL(/\/admin\/people\/invite/);
    await page
      .locator('select[name=roleCode] option[value=prevention_coordinator]')
      .waitFor({ state: 'attached' });
    await page.fill('input[name=email]', COORDINATOR.email);
    await page.fill('input[name=displayName]', COORDINATOR.name);
    await page.selectOption('select[name=organisationId]', { label: PREVENTION_OFFICE });
    await page.selectOption('select[name=roleCode]', 'prevention_coordinator');
    await record(page, 'invite-en');
    await page.locator('form button[type=submit]').click();
    const link = page.getByTestId('invitation-link');
    await link.waitFor();
    expect(await heading(page).textContent()).toBe(`${COORDINATOR.name} has been invited`);
    coordinatorLink = await link.inputValue();
    expect(coordinatorLink).toMatch(new RegExp(`^${base}/accept-invitation#token=[A-Za-z0-9_-]{40,}$`));
    await record(page, 'invite-link-en');

    // The same address twice is refused next to the email field.
    await page.getByRole('button', { name: 'Invite someone else' }).click();
    await page.fill('input[name=email]', COORDINATOR.email);
    await page.fill('input[name=displayName]', 'Someone Else');
    await page.selectOption('select[name=organisationId]', { label: PREVENTION_OFFICE });
    await page.selectOption('select[name=roleCode]', 'analyst');
    await page.locator('form button[type=submit]').click();
    await expect.poll(() => page.locator('#invite-email-error').textContent()).toContain('already');

    await page.goto(`${base}/admin/people?lang=en&status=invited`);
    await page.getByRole('link', { name: COORDINATOR.name }).click();
    await page.waitForURL(/\/admin\/people\/[0-9a-f-]{36}/);
    expect(await page.getByTestId('person-facts').textContent()).toContain('Invited');
    await record(page, 'person-en');
  });

  it('lets the coordinator accept the invitation, sign in, enrol, and see the map and the signals', async () => {
    const { page, context, done } = await newPage({ signedOut: true });
    await page.goto(coordinatorLink);
    await page.getByTestId('invitation').waitFor();
    expect(await heading(page).textContent()).toBe('Accept your invitation');
    const facts = await page.getByTestId('invitation').textContent();
    expect(facts).toContain(COORDINATOR.email);
    expect(facts).toContain(PREVENTION_OFFICE);
    expect(facts).toContain('Prevention coordinator');
    await record(page, 'accept-invitation-en');

    // The server's reasons, next to the field: a common password is refused.
    await page.fill('input[name=password]', 'qwerty123456');
    await page.locator('form button[type=submit]').click();
    await expect.poll(() => page.locator('#accept-password-error').textContent()).toContain('too common');
    await record(page, 'accept-invitation-error-en');

    await page.fill('input[name=password]', COORDINATOR.password);
    await page.locator('form button[type=submit]').click();
    await page.waitForURL(/\/sign-in\?.*accepted=1/);
    expect(await page.locator('.notice').textContent()).toContain('Your account is ready');
    // The link worked once.
    const again = await fetch(
      `${base}/api/v1/invitations/${new URL(coordinatorLink).hash.slice('#token='.length)}`,
    );
    expect(again.status).toBe(404);

    await signIn(page, COORDINATOR);
    await enrol(page);
    await page.waitForURL(/\/map\?/);
    expect(await navLinks(page)).toEqual(['Map', 'Signals', 'Early warning', 'Administration']);
    await page.waitForURL(/from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}/);
    await page.waitForSelector('.area-map path.area-path');
    expect(await page.locator('.area-map path.area-path').count()).toBe(DEMO_AREAS);

    coordinatorCookies = await context.cookies();
    const picture = await waitForTable(page, new URL(page.url()));
    expect(picture.areas).toHaveLength(DEMO_AREAS);
    await expectTableMatches(page, picture);

    await page.getByRole('link', { name: 'Signals' }).click();
    await page.waitForSelector('table.signals-table tbody tr');

    // People of their organisation (user:read at organisation scope), but no invitations (no user:create).
    await page.getByRole('link', { name: 'Administration' }).click();
    await page.waitForURL(/\/admin\/people/);
    await expect.poll(() => page.locator('nav.admin-nav a').allTextContents()).toEqual(['People', 'Roles']);
    await page.locator('table.people-table tbody tr').first().waitFor();
    expect(await page.locator('table.people-table tbody th').allTextContents()).toEqual([COORDINATOR.name]);
    expect(await page.getByRole('link', { name: 'Invite someone' }).count()).toBe(0);

    // My account: their name, a new language, their sessions.
    await page.getByTestId('account-link').click();
    await page.waitForURL(/\/account/);
    expect(await page.getByTestId('account-facts').textContent()).toContain(PREVENTION_OFFICE);
    await page.locator('table.admin-table tbody tr').first().waitFor();
    expect(await page.locator('table.admin-table .tag-current').count()).toBe(1);
    await record(page, 'account-en');
    await page.fill('input[name=displayName]', 'Corinne C.');
    await page.locator('#profile-title ~ form button[type=submit]').click();
    await expect.poll(() => page.getByTestId('account-link').textContent()).toContain('Corinne C.');
    await page.fill('input[name=displayName]', COORDINATOR.name);
    await page.locator('#profile-title ~ form button[type=submit]').click();
    await expect.poll(() => page.getByTestId('account-link').textContent()).toContain(COORDINATOR.name);
    await done();
  });
});

// ---- The neighbourhood picture, as the coordinator -------------------------------------------------------------

describe('neighbourhood map (English)', () => {
  it('draws every neighbourhood, a legend, and a table with the API numbers', async () => {
    const { page, done } = await newPage();
    await page.goto(`${base}/map?lang=en`);
    // A first visit gets the default period written into the URL, so the view is a link.
    await page.waitForURL(/from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}/);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.getAttribute('html', 'dir')).toBe('ltr');

    await page.waitForSelector('.area-map path.area-path');
    expect(await page.locator('.area-map path.area-path').count()).toBe(DEMO_AREAS);

    const picture = await waitForTable(page, new URL(page.url()));
    expect(picture.areas).toHaveLength(DEMO_AREAS);
    await expectTableMatches(page, picture);
    await page.screenshot({ path: path.join(screenshots, 'map-en.png'), fullPage: true });

    // The legend's classes: zero and no data aside, up to five ranges.
    await expect.poll(() => page.locator('.legend-item').count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator('.legend-title').textContent()).toBe('Incidents per 10,000 residents');
    expect(await page.locator('.legend-item[data-class^=c]').count()).toBeLessThanOrEqual(5);

    expect(await page.getByTestId('city-wide').textContent()).toContain(
      en.count.format(picture.cityWide.count),
    );
    expect(await page.getByTestId('data-as-of').textContent()).toMatch(/^Data as of /);
    expect(await page.locator('.attribution').textContent()).toContain('Toronto Police Service');

    // Sortable by its column headers, announced with aria-sort; by default the highest rate first.
    const sortOf = (key: string) =>
      page.locator(`th:has(button[data-sort=${key}])`).getAttribute('aria-sort');
    expect(await sortOf('ratePer10k')).toBe('descending');
    expect(await sortOf('count')).toBe('none');
    const firstCell = (col: string) =>
      page.locator(`table.area-table tbody tr:first-child [data-col=${col}]`).textContent();
    const counts = picture.areas.map((a) => a.count);
    await page.click('button[data-sort=count]');
    expect(await sortOf('count')).toBe('descending');
    expect(await sortOf('ratePer10k')).toBe('none');
    expect(await firstCell('count')).toBe(en.count.format(Math.max(...counts)));
    await page.click('button[data-sort=count]');
    expect(await sortOf('count')).toBe('ascending');
    expect(await firstCell('count')).toBe(en.count.format(Math.min(...counts)));
    await page.click('button[data-sort=name]');
    expect(await sortOf('name')).toBe('ascending');
    const names = picture.areas.map((a) => a.name).sort(new Intl.Collator('en').compare);
    expect(await page.locator('table.area-table tbody tr:first-child th').textContent()).toBe(names[0]);

    // Left-to-right: the map comes first (on the left), the table after it.
    const mapBox = (await page.locator('.area-map').boundingBox())!;
    const tableBox = (await page.locator('.table-panel').boundingBox())!;
    expect(mapBox.x).toBeLessThan(tableBox.x);

    await expectNoSeriousAxeViolations(page);
    await done();
  });

  it('follows a change of category and period in the URL and the numbers', async () => {
    const { page, done } = await newPage();
    await page.goto(`${base}/map?lang=en`);
    await page.waitForURL(/from=/);
    const before = await waitForTable(page, new URL(page.url()));

    await page.selectOption('select[name=label]', 'bias.antisemitism');
    await page.waitForURL(/label=bias\.antisemitism/);
    const antisemitism = await waitForTable(page, new URL(page.url()));
    await expectTableMatches(page, antisemitism);
    const total = (p: Picture) => p.areas.reduce((n, a) => n + a.count, 0);
    expect(total(antisemitism)).toBeGreaterThan(0);
    expect(total(antisemitism)).toBeLessThan(total(before));

    await page.fill('input[name=from]', '2022-01-01');
    await page.fill('input[name=to]', '2022-12-31');
    await page.waitForURL(/from=2022-01-01/);
    await page.waitForURL(/to=2022-12-31/);
    const url = new URL(page.url());
    expect(url.searchParams.get('label')).toBe('bias.antisemitism');
    const year2022 = await waitForTable(page, url);
    expect(year2022.from).toBe('2022-01-01');
    await expectTableMatches(page, year2022);
    expect(total(year2022)).not.toBe(total(antisemitism));

    // The metric switch re-colours by count and says so in the legend, without refetching other numbers.
    await page.check('input[name=metric][value=count]');
    await page.waitForURL(/metric=count/);
    expect(await page.locator('.legend-title').textContent()).toBe('Number of incidents');

    // Back undoes the last filter change.
    await page.goBack();
    await page.waitForURL((u) => !u.searchParams.has('metric'));
    await done();
  });

  it('selects an area from the keyboard and links to its signals', async () => {
    const { page, done } = await newPage();
    await page.goto(`${base}/map?lang=en`);
    await page.waitForURL(/from=/);
    const picture = await waitForTable(page, new URL(page.url()));
    const busiest = [...picture.areas].sort((a, b) => b.count - a.count)[0]!;

    await page.locator(`.area-map path[data-code="${busiest.code}"]`).focus();
    await expect.poll(() => page.locator('.leaflet-tooltip').textContent()).toContain(busiest.name);
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`area=${busiest.code}`));
    const selection = page.getByTestId('selection');
    expect(await selection.locator('h2').textContent()).toBe(busiest.name);
    expect(
      await page.locator(`.area-map path[data-code="${busiest.code}"]`).getAttribute('aria-pressed'),
    ).toBe('true');
    expect(await page.locator(`table.area-table tr[data-code="${busiest.code}"]`).getAttribute('class')).toBe(
      'selected',
    );

    await selection.getByRole('link').click();
    await page.waitForURL(/\/signals\?/);
    const url = new URL(page.url());
    expect(url.searchParams.get('area')).toBe(busiest.code);
    expect(url.searchParams.get('from')).toBe(picture.from);
    await page.waitForSelector('table.signals-table tbody tr');
    expect(await page.getByTestId('signals-count').textContent()).toContain(
      `of ${en.count.format(busiest.count)} signal`,
    );
    await done();
  });

  it('shows the problem title when the API refuses a filter', async () => {
    const { page, done } = await newPage();
    await page.goto(`${base}/map?lang=en&from=2020-01-01&to=2020-12-31&label=bias.no_such_term`);
    const alert = page.locator('.status-error');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/bias\.no_such_term/);
    await done();
  });
});

describe('signals (English)', () => {
  it('lists signals, pages with the cursor and filters by neighbourhood', async () => {
    const { page, done } = await newPage();
    await page.goto(`${base}/signals?lang=en`);
    await page.waitForSelector('table.signals-table tbody tr');
    expect(await page.locator('table.signals-table tbody tr').count()).toBe(50);
    const all = await api<{ total: number }>('/api/v1/signals?limit=1');
    expect(await page.getByTestId('signals-count').textContent()).toBe(
      `Showing 50 of ${en.count.format(all.total)} signals`,
    );

    await page.getByRole('button', { name: 'Load more' }).click();
    await expect
      .poll(() => page.locator('table.signals-table tbody tr').count())
      .toBe(Math.min(100, all.total));

    const picture = await api<Picture>('/api/v1/picture/areas');
    const area = picture.areas.find((a) => a.count > 3 && a.count < 50)!;
    await page.selectOption('select[name=area]', area.code);
    await page.waitForURL(new RegExp(`area=${area.code}`));
    await expect
      .poll(() => page.getByTestId('signals-count').textContent())
      .toBe(`Showing ${area.count} of ${area.count} signals`);
    const names = await page.locator('table.signals-table tbody td[data-col=area]').allTextContents();
    expect(names).toHaveLength(area.count);
    expect(new Set(names)).toEqual(new Set([area.name]));

    // Labels are shown translated through the taxonomy, never as raw codes.
    const chips = await page.locator('table.signals-table .chip').allTextContents();
    expect(chips.length).toBeGreaterThan(0);
    for (const chip of chips) expect(chip).not.toMatch(/^[a-z_]+(\.[a-z_]+)+$/);

    await page.check('input[name=cityWide]');
    await page.waitForURL(/cityWide=true/);
    expect(new URL(page.url()).searchParams.has('area')).toBe(false);
    await expect
      .poll(() => page.getByTestId('signals-count').textContent())
      .toBe(`Showing ${picture.cityWide.count} of ${picture.cityWide.count} signals`);
    const cityWideCells = await page.locator('table.signals-table tbody td[data-col=area]').allTextContents();
    expect(new Set(cityWideCells)).toEqual(new Set(['City-wide']));
    await done();
  });
});

// ---- Early warning, as the coordinator ---------------------------------------------------------------------------

type AlarmItem = {
  id: string;
  method: string;
  area: string;
  label: string;
  period: string;
  periodEnd: string;
  observed: number;
  expected: number;
  upperbound: number;
  signalsHref: string | null;
};
type HotspotItem = {
  code: string;
  name: string;
  value: number;
  z: number;
  pBh: number;
  significant: boolean;
  direction: 'hot' | 'cold' | null;
};
type HotspotAnswer = {
  window: { from: string; to: string };
  summary: { m: number; alpha: number };
  areas: HotspotItem[];
};
type IndexAreaItem = {
  code: string;
  name: string;
  score: number;
  rank: number;
  p05Rank: number;
  p95Rank: number;
  indicators: Array<{ key: string; value: number | null; normalised: number | null; contribution: number }>;
};
type IndicesAnswer = {
  runs: number;
  indices: Array<{
    key: string;
    spec: { indicators: Array<{ key: string; weight: number }> };
    unavailable: Array<{ key: string; reason: string }>;
    excludedAreas: string[];
    areas: IndexAreaItem[] | null;
  }>;
};

const METHOD_NAMES: Record<string, string> = {
  ears_c1: 'EARS C1',
  ears_c2: 'EARS C2',
  ears_c3: 'EARS C3',
  farrington_noufaily: 'Farrington (Noufaily)',
  farrington_classic: 'Farrington (classic)',
};
const fixed = (digits: number) =>
  new Intl.NumberFormat('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const oneDecimal = fixed(1);
const twoDecimals = fixed(2);
const threeDecimals = fixed(3);

/** The API as the page itself reads it: same session, same origin, same query. */
const inPage = <T>(page: Page, url: string): Promise<T> =>
  page.evaluate(async (u) => {
    const r = await fetch(u);
    if (!r.ok) throw new Error(`${u}: HTTP ${r.status}`);
    return (await r.json()) as unknown;
  }, url) as Promise<T>;

/** Significant hot spots first, then cold spots, each by |z| — the order the page promises. */
const significantOf = (areas: HotspotItem[]) =>
  areas
    .filter((a) => a.significant && a.direction !== null)
    .sort((a, b) =>
      a.direction !== b.direction
        ? a.direction === 'hot'
          ? -1
          : 1
        : Math.abs(b.z) - Math.abs(a.z) || a.name.localeCompare(b.name),
    );

async function hotspotRows(page: Page) {
  return page.$$eval('table.hotspots-table tbody tr', (trs) =>
    trs.map((tr) => ({
      code: tr.getAttribute('data-code'),
      name: tr.querySelector('th')!.textContent!.trim(),
      kind: tr.querySelector('[data-col=kind]')!.textContent!.trim(),
      value: tr.querySelector('[data-col=value]')!.textContent!.trim(),
      z: tr.querySelector('[data-col=z]')!.textContent!.trim(),
      pBh: tr.querySelector('[data-col=pBh]')!.textContent!.trim(),
    })),
  );
}

function expectedHotspotRows(answer: HotspotAnswer, valueFormat: Intl.NumberFormat) {
  return significantOf(answer.areas).map((a) => ({
    code: a.code,
    name: a.name,
    kind: a.direction === 'hot' ? 'Hot spot' : 'Cold spot',
    value: valueFormat.format(a.value),
    z: twoDecimals.format(a.z),
    pBh: a.pBh < 0.001 ? '< 0.001' : threeDecimals.format(a.pBh),
  }));
}

describe('early warning (English)', () => {
  it('shows the engine’s alarms, hot spots and indices, and traces an index to its indicators', async () => {
    const { page, done } = await newPage();
    await page.goto(`${base}/analytics?lang=en`);
    expect(await heading(page).textContent()).toBe('Early warning');
    expect(await navLinks(page)).toEqual(['Map', 'Signals', 'Early warning', 'Administration']);
    expect(await page.locator('nav.main-nav a[aria-current=page]').textContent()).toBe('Early warning');
    await expect
      .poll(() => page.getByTestId('computed-at').textContent())
      .toMatch(/^Computed .+ from the signals up to /);
    // The demo's last recomputation succeeded: no warning about a failed one.
    expect(await page.getByTestId('last-run-failed').count()).toBe(0);

    // Alarms: every row is the API's alarm, in the API's order, with the same numbers.
    await page.locator('table.alarms-table tbody tr').first().waitFor();
    const alarms = await inPage<{ items: AlarmItem[] }>(page, '/api/v1/analytics/alarms?grain=week&limit=50');
    expect(alarms.items.length).toBeGreaterThan(0);
    const picture = await api<Picture>('/api/v1/picture/areas');
    const areaNames = new Map(picture.areas.map((a) => [a.code, a.name]));
    const taxonomy = await api<{ terms: Array<{ code: string; label: string }> }>(
      '/api/v1/taxonomy?locale=en&includeRetired=true',
    );
    const labels = new Map(taxonomy.terms.map((t) => [t.code, t.label]));
    const alarmRows = await page.$$eval('table.alarms-table tbody tr', (trs) =>
      trs.map((tr) => ({
        id: tr.getAttribute('data-id'),
        period: tr.querySelector('[data-col=week] time')!.getAttribute('datetime'),
        area: tr.querySelector('[data-col=area]')!.textContent!.trim(),
        category: tr.querySelector('[data-col=category]')!.textContent!.trim(),
        method: tr.querySelector('[data-col=method] .method-name')!.textContent!.trim(),
        note: tr.querySelector('[data-col=method] .alarm-note')?.textContent ?? null,
        observed: tr.querySelector('[data-col=observed]')!.textContent!.trim(),
        expected: tr.querySelector('[data-col=expected]')!.textContent!.trim(),
        upperbound: tr.querySelector('[data-col=upperbound]')!.textContent!.trim(),
      })),
    );
    expect(alarmRows).toEqual(
      alarms.items.map((a) => ({
        id: a.id,
        period: a.period,
        area: a.area === '*' ? 'Whole city' : areaNames.get(a.area),
        category: a.label === '*' ? 'All signals' : labels.get(a.label),
        method: METHOD_NAMES[a.method],
        // CDC C3 adds up three weeks: the two before can raise a quiet week's alarm, and the row says so.
        note: a.observed > a.upperbound ? null : 'raised by the two weeks before',
        observed: en.count.format(a.observed),
        expected: oneDecimal.format(a.expected),
        upperbound: oneDecimal.format(a.upperbound),
      })),
    );
    for (const a of alarms.items.filter((x) => x.observed <= x.upperbound)) expect(a.method).toBe('ears_c3');

    // Hot and cold spots of the default measure (smoothed rate), then of the count, each as the API has them.
    await page.locator('table.hotspots-table tbody tr').first().waitFor();
    const ebRate = await inPage<HotspotAnswer>(page, '/api/v1/analytics/hotspots?measure=eb_rate');
    expect(significantOf(ebRate.areas).length).toBeGreaterThan(0);
    expect(await hotspotRows(page)).toEqual(expectedHotspotRows(ebRate, en.rate));
    expect(await page.getByTestId('hotspots-summary').textContent()).toContain(
      `${en.count.format(ebRate.summary.m)} neighbourhoods tested: `,
    );
    await page.check('input[name=measure][value=count]');
    await page.waitForURL(/measure=count/);
    const counts = await inPage<HotspotAnswer>(page, '/api/v1/analytics/hotspots?measure=count');
    const countRows = expectedHotspotRows(counts, en.count);
    if (countRows.length === 0) await page.locator('[data-testid=hotspots] .status-empty').waitFor();
    else await expect.poll(() => hotspotRows(page)).toEqual(countRows);
    await page.goBack();
    await page.waitForURL((u) => !u.searchParams.has('measure'));
    expect(await page.locator('input[name=measure][value=eb_rate]').isChecked()).toBe(true);

    // Indices: the threat index by rank, with the rank band; a row opens from the keyboard onto its indicators.
    const indices = await inPage<IndicesAnswer>(page, '/api/v1/analytics/indices?runs=200');
    const threat = indices.indices.find((i) => i.key === 'threat')!;
    expect(threat.areas).not.toBeNull();
    await page.locator('table.index-table tbody tr[data-code]').first().waitFor();
    expect(await page.locator('input[name=index][value=threat]').isChecked()).toBe(true);
    expect(await page.locator('table.index-table tbody tr[data-code]').count()).toBe(threat.areas!.length);
    const top = [...threat.areas!].sort((a, b) => a.rank - b.rank)[0]!;
    const firstRow = page.locator('table.index-table tbody tr[data-code]').first();
    expect(await firstRow.getAttribute('data-code')).toBe(top.code);
    expect(await firstRow.locator('[data-col=rank]').textContent()).toBe(
      `${top.rank} (${Math.floor(top.p05Rank)}–${Math.ceil(top.p95Rank)})`,
    );
    expect(await firstRow.locator('[data-col=score]').textContent()).toBe(oneDecimal.format(top.score));
    const disclosure = firstRow.getByRole('button', { name: top.name });
    expect(await disclosure.getAttribute('aria-expanded')).toBe('false');
    await disclosure.focus();
    await page.keyboard.press('Enter');
    expect(await disclosure.getAttribute('aria-expanded')).toBe('true');
    const details = page.locator(`tr.index-details[data-details-for="${top.code}"]`);
    expect(await disclosure.getAttribute('aria-controls')).toBe(await details.getAttribute('id'));
    const indicatorRows = await details.locator('table.indicators-table tbody tr').evaluateAll((trs) =>
      trs.map((tr) => ({
        key: tr.getAttribute('data-key'),
        label: tr.querySelector('th')!.textContent!.trim(),
        value: tr.querySelector('[data-col=value]')!.textContent!.trim(),
        normalised: tr.querySelector('[data-col=normalised]')!.textContent!.trim(),
        contribution: tr.querySelector('[data-col=contribution]')!.textContent!.trim(),
      })),
    );
    expect(indicatorRows.map((r) => r.key)).toEqual(top.indicators.map((i) => i.key));
    expect(indicatorRows.find((r) => r.key === 'signals_rate')?.label).toBe(
      'Signals per 10,000 residents (smoothed)',
    );
    for (const [i, ind] of top.indicators.entries()) {
      const row = indicatorRows[i]!;
      expect(row.value).toBe(ind.value === null ? '—Not available' : en.rate.format(ind.value));
      expect(row.normalised).toBe(
        ind.normalised === null ? '—Not available' : oneDecimal.format(ind.normalised),
      );
      expect(row.contribution).toBe(oneDecimal.format(ind.contribution));
    }
    // The contributions add up to the score: the row is the whole story of the number.
    const sum = top.indicators.reduce((s, i) => s + i.contribution, 0);
    expect(sum).toBeCloseTo(top.score, 6);
    // Unavailable indicators are named with their reason, never silently left out.
    expect(await page.getByTestId('unavailable-indicators').count()).toBe(
      threat.unavailable.length > 0 ? 1 : 0,
    );
    expect(await page.getByTestId('excluded-areas').count()).toBe(threat.excludedAreas.length > 0 ? 1 : 0);

    // Narrow screens: the tables scroll inside their regions, the page itself never scrolls sideways.
    await page.setViewportSize({ width: 480, height: 900 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    // A viewport shot: full-page capture repaints the sticky table headers out of place at this width.
    await page.locator('[data-testid=indices] .table-scroll').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(screenshots, 'analytics-en-narrow.png') });
    await page.setViewportSize({ width: 1400, height: 1000 });

    await record(page, 'analytics-en');

    // The needs index is one click away and kept in the URL; the rows start closed.
    await page.check('input[name=index][value=needs]');
    await page.waitForURL(/index=needs/);
    await expect.poll(() => page.locator('table.index-table caption').textContent()).toMatch(/^Needs index/);
    expect(await page.locator('tr.index-details').count()).toBe(0);

    // An alarm's "Signals" link opens the signals page on the alarm's own period, area and category.
    const linked = alarms.items.find((a) => a.signalsHref !== null)!;
    await page.locator(`table.alarms-table tr[data-id="${linked.id}"] [data-col=signals] a`).click();
    await page.waitForURL(/\/signals\?/);
    const apiQuery = new URL(linked.signalsHref!, base).searchParams;
    const consoleQuery = new URL(page.url()).searchParams;
    for (const key of ['from', 'to', 'area', 'label'])
      expect(consoleQuery.get(key), key).toBe(apiQuery.get(key));
    await page.waitForSelector('table.signals-table tbody tr');
    const total = await api<{ total: number }>(`/api/v1/signals?${apiQuery}&limit=1`);
    expect(total.total).toBeGreaterThanOrEqual(linked.observed);
    await done();
  });
});

describe('Arabic (right to left)', () => {
  it('mirrors the layout and passes axe', async () => {
    const { page, done } = await newPage({ locale: 'ar' });
    await page.goto(`${base}/map?lang=ar`);
    await page.waitForURL(/from=/);
    expect(await page.getAttribute('html', 'dir')).toBe('rtl');
    expect(await page.getAttribute('html', 'lang')).toBe('ar');
    const picture = await waitForTable(page, new URL(page.url()));
    expect(await page.locator('table.area-table tbody tr').count()).toBe(picture.areas.length);
    expect(await page.locator('.area-map path.area-path').count()).toBe(DEMO_AREAS);
    expect(await page.locator('h1').textContent()).toBe('خريطة الأحياء');

    // The table now sits to the left of the map, the brand at the right end of the header.
    const mapBox = (await page.locator('.area-map').boundingBox())!;
    const tableBox = (await page.locator('.table-panel').boundingBox())!;
    expect(tableBox.x + tableBox.width).toBeLessThanOrEqual(mapBox.x);
    const brand = (await page.locator('.brand').boundingBox())!;
    const locales = (await page.locator('.locale-switcher').boundingBox())!;
    expect(brand.x).toBeGreaterThan(locales.x);
    // Numbers align to the inline end, which is the left in Arabic.
    const cell = (await page
      .locator('table.area-table tbody tr:first-child td[data-col=count]')
      .boundingBox())!;
    const text = await page
      .locator('table.area-table tbody tr:first-child td[data-col=count]')
      .evaluate((el) => getComputedStyle(el).textAlign);
    expect(text).toBe('end');
    expect(cell.x).toBeLessThan(tableBox.x + tableBox.width / 2);

    await expectNoSeriousAxeViolations(page);
    await page.screenshot({ path: path.join(screenshots, 'map-ar.png'), fullPage: true });

    await page.getByRole('link', { name: 'البلاغات' }).first().click();
    await page.waitForURL(/\/signals\?lang=ar/);
    await page.waitForSelector('table.signals-table tbody tr');
    expect(await page.getAttribute('html', 'dir')).toBe('rtl');
    await expectNoSeriousAxeViolations(page);
    await page.screenshot({ path: path.join(screenshots, 'signals-ar.png'), fullPage: false });
    await done();
  });

  it('mirrors the early warning page and passes axe', async () => {
    const { page, done } = await newPage({ locale: 'ar' });
    await page.goto(`${base}/analytics?lang=ar`);
    expect(await page.getAttribute('html', 'dir')).toBe('rtl');
    expect(await heading(page).textContent()).toBe('الإنذار المبكر');
    await page.locator('table.alarms-table tbody tr').first().waitFor();
    await page.locator('table.hotspots-table tbody tr').first().waitFor();
    const firstIndexRow = page.locator('table.index-table tbody tr[data-code]').first();
    await firstIndexRow.waitFor();
    await firstIndexRow.locator('button.disclosure').click();
    await page.locator('table.indicators-table').waitFor();
    // Indicator names are translated, not the English the server seeded.
    expect(await page.locator('table.indicators-table tbody th').first().textContent()).not.toMatch(
      /[A-Za-z]{4}/,
    );

    // Numbers align to the inline end, the left in Arabic; the area column starts at the right.
    const region = (await page.locator('[data-testid=alarms] .table-scroll').boundingBox())!;
    const observed = page.locator('table.alarms-table tbody tr:first-child [data-col=observed]');
    expect(await observed.evaluate((el) => getComputedStyle(el).textAlign)).toBe('end');
    const area = (await page
      .locator('table.alarms-table tbody tr:first-child [data-col=area]')
      .boundingBox())!;
    expect(area.x).toBeGreaterThan((await observed.boundingBox())!.x);
    expect(area.x + area.width).toBeGreaterThan(region.x + region.width / 2);

    await page.setViewportSize({ width: 480, height: 900 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    // A viewport shot: full-page capture repaints the sticky table headers out of place at this width.
    await page.locator('[data-testid=indices] .table-scroll').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(screenshots, 'analytics-ar-narrow.png') });
    await page.setViewportSize({ width: 1400, height: 1000 });

    await record(page, 'analytics-ar');
    await done();
  });

  it('negotiates the locale from the browser on a first visit and keeps it in the URL', async () => {
    const { page, done } = await newPage({ locale: 'fr-CA' });
    await page.goto(`${base}/`);
    await page.waitForURL(/lang=fr/);
    expect(await page.getAttribute('html', 'lang')).toBe('fr');
    expect(await page.getAttribute('html', 'dir')).toBe('ltr');
    expect(await page.locator('h1').textContent()).toBe('Carte des quartiers');

    await page.getByRole('link', { name: 'العربية' }).click();
    await page.waitForURL(/lang=ar/);
    expect(await page.getAttribute('html', 'dir')).toBe('rtl');
    await done();
  });
});

describe('screenshots', () => {
  it('records the English signals page', async () => {
    const { page, done } = await newPage();
    await page.goto(`${base}/signals?lang=en`);
    await page.waitForSelector('table.signals-table tbody tr');
    await expectNoSeriousAxeViolations(page);
    await page.screenshot({ path: path.join(screenshots, 'signals-en.png'), fullPage: false });
    await done();
  });
});

// ---- Arabic administration, the data-protection officer's audit trail, sessions ending ---------------------------

let dpoLink = '';

describe('administration in Arabic (right to left)', () => {
  it('signs the administrator in with a recovery code and mirrors every administration screen', async () => {
    const { page, done } = await newPage({ locale: 'ar', signedOut: true });
    await page.goto(`${base}/admin/people?lang=ar`);
    await page.waitForURL(/\/sign-in\?/);
    expect(await page.getAttribute('html', 'dir')).toBe('rtl');
    await record(page, 'sign-in-ar');
    await signIn(page, ADMIN);
    await page.waitForURL(/\/sign-in\/second-factor/);
    await page.locator('input[name=code]').waitFor();
    await record(page, 'second-factor-ar');
    // No phone at hand: one of the saved recovery codes, once.
    await page.locator('main a[href*="method=recovery"]').click();
    await page.locator('input[name=recoveryCode]').waitFor();
    await record(page, 'second-factor-recovery-ar');
    await page.fill('input[name=recoveryCode]', adminTotp!.recoveryCodes[0]!);
    await page.locator('form button[type=submit]').click();
    await page.waitForURL(/\/admin\/people\?lang=ar/);
    await page.locator('table.people-table tbody tr').first().waitFor();
    expect(await page.getAttribute('html', 'dir')).toBe('rtl');
    await record(page, 'people-ar');

    // The administration navigation runs right to left: its first entry is the rightmost.
    const adminNav = page.locator('nav.admin-nav a');
    await adminNav.first().waitFor();
    const first = (await adminNav.first().boundingBox())!;
    const last = (await adminNav.last().boundingBox())!;
    expect(first.x).toBeGreaterThan(last.x);

    await page.getByRole('link', { name: COORDINATOR.name }).click();
    await page.waitForURL(/\/admin\/people\/[0-9a-f-]{36}/);
    await page.getByTestId('person-facts').waitFor();
    await record(page, 'person-ar');

    await page.goto(`${base}/admin/people/invite?lang=ar`);
    await page.locator('select[name=roleCode] option[value=dpo_auditor]').waitFor({ state: 'attached' });
    await page.locator('form button[type=submit]').click();
    await page.locator('.error-summary').waitFor();
    await record(page, 'invite-ar');
    await page.fill('input[name=email]', DPO.email);
    await page.fill('input[name=displayName]', DPO.name);
    await page.selectOption('select[name=organisationId]', { label: ADMIN.organisation });
    await page.selectOption('select[name=roleCode]', 'dpo_auditor');
    await page.selectOption('select[name=locale]', 'ar');
    await page.locator('form button[type=submit]').click();
    await page.getByTestId('invitation-link').waitFor();
    dpoLink = await page.getByTestId('invitation-link').inputValue();
    await record(page, 'invite-link-ar');

    for (const [url, name, ready] of [
      ['/admin/organisations', 'organisations-ar', 'table.admin-table tbody tr'],
      ['/admin/organisations/new', 'organisation-new-ar', 'form select[name=kind]'],
      ['/admin/roles', 'roles-ar', 'table.admin-table tbody tr'],
      ['/admin/roles/prevention_coordinator', 'role-builtin-ar', '[data-testid=grant-matrix]'],
      ['/admin/roles/new', 'role-new-ar', '[data-testid=grant-matrix]'],
      ['/admin/roles/school_liaison', 'role-ar', '[data-testid=grant-matrix] select'],
      ['/admin/sessions', 'sessions-ar', 'table.sessions-table tbody tr'],
      ['/account', 'account-ar', 'table.admin-table tbody tr'],
    ] as const) {
      await page.goto(`${base}${url}?lang=ar`);
      await page.locator(ready).first().waitFor();
      expect(await page.getAttribute('html', 'dir')).toBe('rtl');
      await record(page, name);
    }
    await page.goto(`${base}/admin/organisations?lang=ar`);
    await page.getByRole('link', { name: PREVENTION_OFFICE }).click();
    await page.locator('form select[name=kind]').waitFor();
    await record(page, 'organisation-ar');
    await done();
  });

  it('lets the data-protection officer accept in Arabic, enrol, and search and export the audit trail', async () => {
    const { page, context, done } = await newPage({ locale: 'ar', signedOut: true });
    const url = new URL(dpoLink);
    await page.goto(`${base}/accept-invitation?lang=ar${url.hash}`);
    await page.getByTestId('invitation').waitFor();
    expect(await page.getAttribute('html', 'dir')).toBe('rtl');
    await record(page, 'accept-invitation-ar');
    await page.fill('input[name=password]', 'short');
    await page.locator('form button[type=submit]').click();
    await page.locator('.error-summary').waitFor();
    await record(page, 'accept-invitation-error-ar');
    await page.fill('input[name=password]', DPO.password);
    await page.locator('form button[type=submit]').click();
    await page.waitForURL(/\/sign-in\?/);
    await signIn(page, DPO);
    await enrol(page, { screenshots: 'ar' });
    // The officer's role opens the administration pages only: they land on the first one.
    await page.waitForURL(/\/admin\/people\?lang=ar/);
    await expect.poll(() => page.locator('nav.admin-nav a').count()).toBe(4);

    await page.goto(`${base}/admin/audit?lang=en`);
    await page.locator('table.audit-table tbody tr').first().waitFor();
    expect(await heading(page).textContent()).toBe('Audit trail');
    await record(page, 'audit-en');
    // Filters go into the URL and into the export link alike.
    await page.fill('input[name=action]', 'auth.login');
    await page.selectOption('select[name=outcome]', 'failure');
    await page.locator('form.audit-filters button[type=submit]').click();
    await page.waitForURL(/action=auth\.login/);
    await expect
      .poll(
        async () =>
          new Set(
            await page
              .locator('table.audit-table tbody tr')
              .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-action'))),
          ),
      )
      .toEqual(new Set(['auth.login']));
    const exportHref = (await page.getByTestId('audit-export').getAttribute('href'))!;
    const exportUrl = new URL(exportHref, base);
    expect(exportUrl.pathname).toBe('/api/v1/audit/export.csv');
    expect(exportUrl.searchParams.get('action')).toBe('auth.login');
    expect(exportUrl.searchParams.get('outcome')).toBe('failure');
    const csv = await fetch(exportUrl, { headers: { cookie: sessionCookieHeader(await context.cookies()) } });
    expect(csv.status).toBe(200);
    const lines = (await csv.text()).trim().split(/\r\n/);
    // The administrator's wrong password at the start of the journey.
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.slice(1).every((l) => l.includes('auth.login') && l.includes('failure'))).toBe(true);

    await page.goto(`${base}/admin/audit?lang=ar`);
    await page.locator('table.audit-table tbody tr').first().waitFor();
    expect(await page.getAttribute('html', 'dir')).toBe('rtl');
    await record(page, 'audit-ar');

    // Sign out in the header.
    await page.locator('header .header-button').click();
    await page.waitForURL(/\/sign-in\?.*signedOut=1/);
    const me = await page.evaluate(async () => (await fetch('/api/v1/auth/me')).status);
    expect(me).toBe(401);
    await done();
  });

  it('asks the administrator for a fresh code on a new sign-in, and an ended session goes back to sign-in', async () => {
    const { page, done } = await newPage({ signedOut: true });
    await page.goto(`${base}/account?lang=en`);
    await page.waitForURL(/\/sign-in\?/);
    await signIn(page, ADMIN);
    await page.waitForURL(/\/sign-in\/second-factor/);
    await page.locator('input[name=code]').waitFor();
    await record(page, 'second-factor-en');
    // A code from the same step as the one that confirmed enrolment would be a replay: wait for the next step.
    await page.fill('input[name=code]', await totpCode(adminTotp!.secret));
    await page.locator('form button[type=submit]').click();
    await page.waitForURL(/\/account\?lang=en/);

    // Sessions: the first English browser is still signed in; ending it from here signs it out at once.
    await page.goto(`${base}/admin/sessions?lang=en`);
    await page.locator('table.sessions-table tbody tr').first().waitFor();
    await record(page, 'sessions-en');
    await page.goto(`${base}/account?lang=en`);
    await page.locator('table.admin-table tbody tr').first().waitFor();
    const others = await page.locator('table.admin-table tbody tr:not(:has(.tag-current))').count();
    expect(others).toBeGreaterThanOrEqual(1);
    await page.getByRole('button', { name: 'Sign out everywhere else' }).click();
    await page.getByRole('button', { name: 'Yes, sign them out' }).click();
    await expect.poll(() => page.locator('table.admin-table tbody tr').count()).toBe(1);

    // The journey's first administrator browser now meets a 401 and is sent to sign in, remembering the page.
    const first = admin!.page;
    await first.goto(`${base}/admin/roles?lang=en`);
    await first.waitForURL(/\/sign-in\?/);
    expect(new URL(first.url()).searchParams.get('next')).toBe('/admin/roles?lang=en');
    await admin!.done();

    // Deactivating the coordinator signs them out everywhere at once; reactivating lets them back in.
    const coordinatorMe = () =>
      fetch(`${base}/api/v1/auth/me`, { headers: { cookie: sessionCookieHeader(coordinatorCookies) } });
    expect((await coordinatorMe()).status).toBe(200);
    await page.goto(`${base}/admin/people?lang=en&q=${encodeURIComponent('corinne')}`);
    await page.getByRole('link', { name: COORDINATOR.name }).click();
    await page.getByTestId('person-facts').waitFor();
    await page.getByRole('button', { name: 'Deactivate this account' }).click();
    await page.getByRole('button', { name: 'Yes, deactivate' }).click();
    await expect
      .poll(() => page.getByTestId('flash').textContent())
      .toBe(`${COORDINATOR.name}'s account has been deactivated.`);
    expect(await page.getByTestId('person-facts').textContent()).toContain('Deactivated');
    expect((await coordinatorMe()).status).toBe(401);
    await page.getByRole('button', { name: 'Reactivate this account' }).click();
    await page.getByRole('button', { name: 'Yes, reactivate' }).click();
    await expect
      .poll(() => page.getByTestId('flash').textContent())
      .toBe(`${COORDINATOR.name}'s account has been reactivated.`);
    expect(await page.getByTestId('person-facts').textContent()).toContain('Active');

    // A new invitation link replaces the old one, which stops working.
    await page.goto(`${base}/admin/people/invite?lang=en`);
    await page.locator('select[name=roleCode] option[value=analyst]').waitFor({ state: 'attached' });
    await page.fill('input[name=email]', 'andre.analyst@city.example');
    await page.fill('input[name=displayName]', 'André Analyst');
    await page.selectOption('select[name=organisationId]', { label: PREVENTION_OFFICE });
    await page.selectOption('select[name=roleCode]', 'analyst');
    await page.selectOption('select[name=expiresInHours]', '24');
    await page.locator('form button[type=submit]').click();
    const oldLink = await page.getByTestId('invitation-link').inputValue();
    await page.getByRole('link', { name: 'Go to their page' }).click();
    await page.getByRole('button', { name: 'Create a new invitation link' }).click();
    await page.getByRole('button', { name: 'Yes, create a new link' }).click();
    const newLink = await page.getByTestId('invitation-link').inputValue();
    expect(newLink).not.toBe(oldLink);
    const tokenOf = (link: string) => new URL(link).hash.slice('#token='.length);
    expect((await fetch(`${base}/api/v1/invitations/${tokenOf(oldLink)}`)).status).toBe(404);
    expect((await fetch(`${base}/api/v1/invitations/${tokenOf(newLink)}`)).status).toBe(200);
    await done();
  });
});

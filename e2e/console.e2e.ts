// Browser journeys through the staff console against the real server with the Toronto demo city loaded.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const screenshots = path.join(import.meta.dirname, 'screenshots');
const DEMO_AREAS = 158;

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

async function api<T>(pathAndQuery: string): Promise<T> {
  const r = await fetch(base + pathAndQuery);
  if (!r.ok) throw new Error(`${pathAndQuery}: HTTP ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

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

/** A fresh browser context; `done()` closes it and fails the test on any uncaught script error in the page. */
async function newPage(
  options: { locale?: string } = {},
): Promise<{ page: Page; done: () => Promise<void> }> {
  const context: BrowserContext = await browser.newContext({
    viewport: { width: 1400, height: 1000 },
    locale: options.locale ?? 'en-GB',
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return {
    page,
    done: async () => {
      await context.close();
      expect(errors).toEqual([]);
    },
  };
}

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
  server = spawn(process.execPath, ['server/main.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout!.on('data', (d: Buffer) => (serverLog += d.toString()));
  server.stderr!.on('data', (d: Buffer) => (serverLog += d.toString()));

  await waitFor('/livez', async () => ((await fetch(`${base}/livez`)).ok ? true : undefined), 150_000);
  await waitFor(
    'the demo city',
    async () => {
      const [picture, extent] = await Promise.all([
        api<Picture>('/api/v1/picture/areas'),
        api<{ to: string | null }>('/api/v1/picture/extent'),
      ]);
      return picture.areas.length === DEMO_AREAS && extent.to !== null ? true : undefined;
    },
    150_000,
  );
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

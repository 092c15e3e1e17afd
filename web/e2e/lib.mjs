// Shared pieces of the end-to-end tests: Debian's chromium driven by
// playwright-core (no browser download), the server address and the admin
// credentials from the environment, screenshots into e2e/artifacts/.
import { after, before, test as nodeTest } from 'node:test';
import { chromium } from 'playwright-core';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where screenshots go (git-ignored; CI keeps them as artefacts). */
export const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url));

/** The server under test, without a trailing slash. */
export const BASE = (process.env.TAISHI_URL ?? '').replace(/\/+$/, '');
/** Admin user name. */
export const USER = process.env.TAISHI_USER ?? 'admin';
/** Admin password. */
export const PASSWORD = process.env.TAISHI_PASSWORD ?? '';

/** Starts chromium with a fresh profile; `close()` also removes the profile. */
export async function launch() {
  if (!BASE) throw new Error('TAISHI_URL is not set');
  const profile = mkdtempSync(join(tmpdir(), 'taishi-e2e-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1440, height: 1000 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(15_000);
  // A page error is a failed test, not a log line nobody reads.
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  // So is anything the Content-Security-Policy refused.
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) errors.push(new Error(m.text()));
  });
  return {
    context,
    page,
    errors,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Saves a full-page screenshot as artifacts/NAME.png. */
export async function shot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Sets the language before the page loads (the toggle is tested on its own). */
export async function useLang(page, lang) {
  // Only when unset, so that a choice made on the page survives a reload.
  await page.addInitScript((l) => {
    if (!localStorage.getItem('taishi.lang')) localStorage.setItem('taishi.lang', l);
  }, lang);
}

/** Signs in through the login form (nothing to do when the session is already signed in). */
export async function login(page) {
  await page.goto(`${BASE}/#/overview`);
  await page.locator('header.topbar nav a[data-nav=overview], input[name=username]').first().waitFor();
  if ((await page.locator('input[name=username]').count()) === 0) return;
  await page.locator('input[name=username]').fill(USER);
  await page.locator('input[name=password]').fill(PASSWORD);
  await page.locator('form.login-form button[type=submit]').click();
  await page.locator('header.topbar nav a[data-nav=overview]').waitFor();
}

/**
 * How many pixels of the chart's canvas are painted (alpha > 0), and how
 * many data points ECharts was given.
 */
export async function chartInk(page, name) {
  const el = page.locator(`[data-chart=${name}]`);
  await el.locator('canvas').first().waitFor();
  return el.evaluate((node) => {
    let ink = 0;
    for (const c of node.querySelectorAll('canvas')) {
      const ctx = c.getContext('2d');
      if (!ctx || c.width === 0 || c.height === 0) continue;
      const data = ctx.getImageData(0, 0, c.width, c.height).data;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) ink++;
    }
    return { ink, points: Number(node.getAttribute('data-points') ?? 0) };
  });
}

/**
 * Registers a browser for the test file (fresh profile, English) and
 * returns its `test` and `session()`. `online` tests need a server and skip
 * under `e2e:offline`; `offline` tests run only there.
 */
export function suite(mode) {
  const offline = process.env.TAISHI_OFFLINE === '1';
  const skip = mode === 'online' ? offline && 'no server (e2e:offline)' : !offline && 'only with e2e:offline';
  let b;
  before(async () => {
    if (skip) return;
    b = await launch();
    await useLang(b.page, 'en');
  });
  after(async () => {
    await b?.close();
  });
  return { test: (name, fn) => nodeTest(name, { skip }, fn), session: () => b };
}

// The console against a running server: log in, the Overview's charts have
// data and are drawn, an incident is acknowledged then resolved, the
// language switches, the wall screen renders.
import assert from 'node:assert/strict';
import { BASE, chartInk, login, shot, suite } from './lib.mjs';

const { test, session } = suite('online');

test('log in and the Overview shows non-empty charts', async () => {
  const { page } = session();
  await login(page);
  // Animation off would be nicer, but ECharts draws its first frame at once;
  // wait until each chart has been given its data.
  for (const name of ['gauge', 'trend', 'graph', 'protocols']) {
    await page.waitForFunction((n) => Number(document.querySelector(`[data-chart=${n}]`)?.getAttribute('data-points') ?? 0) > 0, name);
  }
  await page.waitForTimeout(1200); // let the entry animation finish before reading pixels
  for (const name of ['gauge', 'trend', 'graph', 'protocols']) {
    const { ink, points } = await chartInk(page, name);
    assert.ok(points > 0, `${name}: no data points`);
    assert.ok(ink > 500, `${name}: only ${ink} pixels drawn`);
  }
  const index = await page.locator('[data-testid=posture-index]').textContent();
  assert.match(index ?? '', /\d/);
  await shot(page, 'overview');
  // Drill down one level when the posture has children (zones).
  const down = page.locator('.drill a').first();
  if ((await down.count()) > 0) {
    const label = (await down.textContent()) ?? '';
    await down.click();
    await page.locator('[data-testid=scope]').waitFor();
    assert.equal(((await page.locator('[data-testid=scope]').textContent()) ?? '').trim(), label.trim());
    await page.waitForFunction(() => Number(document.querySelector('[data-chart=gauge]')?.getAttribute('data-points') ?? 0) > 0);
    await shot(page, 'overview-drilldown');
  }
  assert.deepEqual(session().errors, []);
});

test('an incident is acknowledged, then resolved', async () => {
  const { page } = session();
  await login(page);
  // A new incident if there is one; on a database an earlier run already
  // worked on, an open one (then the acknowledge step is already done).
  await page.goto(`${BASE}/#/incidents?status=new`);
  await page.locator('.grid, .state.empty').first().waitFor();
  if ((await page.locator('a[data-incident]').count()) === 0) {
    await page.goto(`${BASE}/#/incidents?status=open`);
    await page.locator('.grid, .state.empty').first().waitFor();
  }
  const first = page.locator('a[data-incident]').first();
  assert.ok((await first.count()) > 0, 'no open incident to work on: run against a fresh demo database');
  const id = await first.getAttribute('data-incident');
  await first.click();
  await page.locator('.incident').waitFor();
  await shot(page, 'incident-open');
  if ((await page.locator('.incident[data-status=new]').count()) > 0) {
    await page.locator('button[data-action=acknowledged]').click();
    await page.locator('.incident[data-status=acknowledged]').waitFor();
  }
  const note = `Blocked the attacker at the border firewall <b>${Date.now()}</b>`;
  await page.locator('textarea[name=note]').fill(note);
  await page.locator('button[data-action=note]').click();
  await page.locator('ul.notes .note-text', { hasText: note }).waitFor();
  await page.locator('button[data-action=resolved]').click();
  await page.locator('.incident[data-status=resolved]').waitFor();
  await shot(page, 'incident-resolved');
  // The server agrees, not just the page.
  const status = await page.evaluate(async (i) => {
    const r = await fetch(`/api/v1/incidents/${i}`, { credentials: 'same-origin' });
    const j = await r.json();
    const inc = j.incident ?? j;
    return { status: inc.status, notes: (inc.notes ?? []).map((n) => n.text) };
  }, id);
  assert.equal(status.status, 'resolved');
  assert.ok(status.notes.includes(note), 'the note was not stored');
});

test('the language switch changes every label and is remembered', async () => {
  const { page } = session();
  await login(page);
  await page.goto(`${BASE}/#/overview`);
  const nav = page.locator('a[data-nav=overview]');
  await nav.waitFor();
  assert.equal(await nav.textContent(), 'Overview');
  await page.locator('[data-testid=lang-toggle]').click();
  await page.waitForFunction(() => document.querySelector('a[data-nav=overview]')?.textContent === '总览');
  assert.equal(await page.locator('a[data-nav=incidents]').textContent(), '事件');
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
  await shot(page, 'overview-zh');
  await page.reload();
  await page.waitForFunction(() => document.querySelector('a[data-nav=overview]')?.textContent === '总览');
  await page.locator('[data-testid=lang-toggle]').click();
  await page.waitForFunction(() => document.querySelector('a[data-nav=overview]')?.textContent === 'Overview');
});

test('the wall screen draws the Overview dark, without navigation', async () => {
  const { page } = session();
  await login(page);
  await page.goto(`${BASE}/#/wall`);
  await page.waitForFunction(() => Number(document.querySelector('[data-chart=trend]')?.getAttribute('data-points') ?? 0) > 0);
  assert.equal(await page.evaluate(() => document.body.classList.contains('wall')), true);
  assert.equal(await page.locator('header.topbar nav').count(), 0);
  await page.waitForTimeout(1200);
  await shot(page, 'wall');
  // A change on the server reaches the wall through the event stream, with
  // no reload: the marker set on the window survives and the waiting count
  // goes up after a public report arrives. (The fallback poll is 30 s,
  // longer than this wait; the server's own poll is a few seconds.)
  await page.locator('[data-testid=live]:not(.down)').waitFor();
  await page.evaluate(() => (window.__marker = 'still here'));
  const waiting = () => page.locator('.p-subs .figure-value').first().textContent();
  const before = Number(await waiting());
  const status = await page.evaluate(async () => {
    const r = await fetch('/api/v1/public/submissions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'feedback', title: 'Wall test', description: 'Sent by the end-to-end test of the wall screen.' }),
    });
    return r.status;
  });
  assert.equal(status, 201);
  await page.waitForFunction(
    (n) => Number(document.querySelector('.p-subs .figure-value')?.textContent ?? -1) > n,
    before,
    { timeout: 25_000 },
  );
  assert.equal(await page.evaluate(() => window.__marker), 'still here');
  // Leaving the wall restores the light console.
  await page.goto(`${BASE}/#/overview`);
  await page.locator('a[data-nav=overview]').waitFor();
  assert.equal(await page.evaluate(() => document.body.classList.contains('wall')), false);
});

test('a report is generated and downloads', async () => {
  const { page } = session();
  await login(page);
  await page.goto(`${BASE}/#/reports`);
  await page.locator('select[name=period]').selectOption('7d');
  await page.locator('button[data-action=generate]').click();
  const link = page.locator('a[data-report]').first();
  await link.waitFor();
  const href = await link.getAttribute('href');
  const got = await page.evaluate(async (u) => {
    const r = await fetch(u, { credentials: 'same-origin' });
    return { status: r.status, length: (await r.text()).length };
  }, href);
  assert.equal(got.status, 200);
  assert.ok(got.length > 0);
});

test('the audit log verifies its hash chain', async () => {
  const { page } = session();
  await login(page);
  await page.goto(`${BASE}/#/settings`);
  await page.locator('button[data-action=verify]').click();
  await page.locator('[data-chain=ok]').waitFor();
  await shot(page, 'settings');
});

test('an intel feed is imported and its indicator found', async () => {
  const { page } = session();
  await login(page);
  const value = `198.51.100.${(Date.now() % 200) + 20}`;
  await page.goto(`${BASE}/#/intel`);
  await page.locator('input[name=source]').fill('e2e-feed');
  await page.locator('.upload input[type=file]').setInputFiles({ name: 'feed.txt', mimeType: 'text/plain', buffer: Buffer.from(`# e2e\n${value}\n`) });
  await page.locator('button[data-action=upload]').click();
  await page.locator('.toast.ok', { hasText: 'imported' }).waitFor();
  await page.goto(`${BASE}/#/intel?q=${encodeURIComponent(value)}`);
  await page.locator('table.grid code', { hasText: value }).waitFor();
});

test('alerts are found by the text of their technique', async () => {
  const { page } = session();
  await login(page);
  await page.goto(`${BASE}/#/alerts`);
  await page.locator('input[name=q]').fill('T1046');
  await page.locator('form.filters button[type=submit]').click();
  await page.waitForFunction(() => location.hash.includes('q=T1046'));
  const row = page.locator('table.grid tbody tr', { hasText: 'T1046' }).first();
  await row.waitFor();
  const rows = await page.locator('table.grid tbody tr').allTextContents();
  assert.ok(rows.length > 0 && rows.every((r) => r.includes('T1046')), `rows without T1046: ${rows.join(' | ')}`);
  await shot(page, 'alerts-text-search');
  assert.deepEqual(session().errors, []);
});

// The public portal: a report goes from /report through triage in the
// console to an answer visible at /report/status/CODE; markup in a report
// comes back as text.
import assert from 'node:assert/strict';
import { BASE, login, shot, suite } from './lib.mjs';

const { test, session } = suite('online');

const XSS = '<img src=x onerror="window.__pwned=1">';

test('the form refuses a report without a description, client-side', async () => {
  const { page } = session();
  await page.goto(`${BASE}/report`);
  await page.locator('input[name=title]').fill('Only a title');
  await page.locator('.portal-form button[type=submit]').click();
  await page.waitForFunction(() => (document.getElementById('err-description')?.textContent ?? '') !== '');
  assert.equal(await page.locator('[data-testid=tracking-code]').count(), 0);
});

test('a public report is triaged and its answer shows at its status page', async () => {
  const { page } = session();
  const title = `Phishing page ${Date.now()} ${XSS}`;
  await page.goto(`${BASE}/report`);
  await page.locator('input[name=kind][value=threat]').check();
  await page.locator('input[name=title]').fill(title);
  await page.locator('textarea[name=description]').fill(`A text message sent me to this page to "verify" my account. ${XSS}`);
  await page.locator('input[name=indicator]').fill('http://login-verify.example.net/account');
  const credit = `A. Citizen ${Date.now() % 100000}`;
  await page.locator('input[name=credit]').fill(credit);
  await page.locator('.portal-form button[type=submit]').click();
  const codeEl = page.locator('[data-testid=tracking-code]');
  await codeEl.waitFor();
  const code = (await codeEl.textContent())?.trim() ?? '';
  assert.match(code, /^[A-Z2-7]{16}$/);
  await shot(page, 'portal-sent');

  await page.goto(`${BASE}/report/status/${encodeURIComponent(code)}`);
  await page.locator('.status').waitFor();
  assert.equal(await page.locator('[data-testid=answer]').count(), 0);

  await login(page);
  await page.goto(`${BASE}/#/submissions?status=waiting`);
  const card = page.locator(`.sub-card[data-code="${code}"]`);
  await card.waitFor();
  // The reporter's markup is text on the analyst's screen.
  assert.ok(((await card.locator('h3').textContent()) ?? '').includes('<img'));
  await card.locator('select[name=triage]').selectOption('help_request');
  // Verified: the indicator becomes intel and the reporter is credited.
  await card.locator('input[name=verified]').check();
  const answer = `Thank you: the page is blocked and taken down. ${XSS}`;
  await card.locator('textarea[name=answer]').fill(answer);
  await shot(page, 'triage');
  await card.locator('button[data-action=triage]').click();
  await page.locator(`.sub-card[data-code="${code}"]`).waitFor({ state: 'detached' });

  await page.goto(`${BASE}/report/status/${encodeURIComponent(code)}`);
  const shown = page.locator('[data-testid=answer] .answer-text');
  await shown.waitFor();
  assert.equal(((await shown.textContent()) ?? '').trim(), answer);
  assert.equal(await page.locator('[data-testid=answer] img').count(), 0);
  assert.equal(await page.evaluate(() => window.__pwned ?? 0), 0);
  await shot(page, 'portal-answered');
  await page.goto(`${BASE}/report/acknowledgements`);
  await page.locator('ul.credited li', { hasText: credit }).first().waitFor();
  assert.deepEqual(session().errors, []);
});

// With no server behind it (`npm run e2e:offline` runs `vite dev` proxying
// to a closed port), every page says it cannot reach the server, with a
// retry button, instead of staying blank.
import assert from 'node:assert/strict';
import { BASE, shot, suite } from './lib.mjs';

const { test, session } = suite('offline');

test('the console says the server cannot be reached', async () => {
  const { page } = session();
  await page.goto(`${BASE}/#/overview`);
  const state = page.locator('.state.unreachable');
  await state.waitFor();
  assert.match((await state.textContent()) ?? '', /Cannot reach the Taishi server/);
  assert.equal(await state.locator('button').count(), 1);
  await shot(page, 'offline-console');
});

test('the portal form and status page say so too', async () => {
  const { page } = session();
  await page.goto(`${BASE}/report`);
  await page.locator('input[name=title]').fill('A title');
  await page.locator('textarea[name=description]').fill('A description long enough.');
  await page.locator('.portal-form button[type=submit]').click();
  const state = page.locator('.result .state.unreachable');
  await state.waitFor();
  assert.match((await state.textContent()) ?? '', /unavailable right now/);
  await shot(page, 'offline-portal');
  await page.goto(`${BASE}/report/status/ABCDEFGHIJKLMN23`);
  await page.locator('.state.unreachable').first().waitFor();
  assert.deepEqual(session().errors, []);
});

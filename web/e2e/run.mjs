// `npm run e2e`: runs e2e/*.test.mjs (node's test runner) against the
// server at TAISHI_URL with TAISHI_USER / TAISHI_PASSWORD.
// `npm run e2e:mock`: starts e2e/mock-server.mjs on a free loopback port
// (serving web/dist, so build first) and runs the same tests against it.
// `npm run e2e:offline`: `vite dev` with no server behind it; the pages must
// say they cannot reach it (offline.test.mjs; the others skip).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const here = fileURLToPath(new URL('.', import.meta.url));
const files = readdirSync(here)
  .filter((f) => f.endsWith('.test.mjs'))
  .sort()
  .map((f) => `${here}${f}`);
const env = { ...process.env };
let mock;

if (process.argv.includes('--mock')) {
  if (!existsSync(new URL('../dist/index.html', import.meta.url))) {
    console.error('web/dist is missing: run `npm run build` first');
    process.exit(2);
  }
  env.TAISHI_USER = 'admin';
  env.TAISHI_PASSWORD = 'e2e-password';
  mock = spawn(process.execPath, [`${here}mock-server.mjs`], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const first = await new Promise((resolve, reject) => {
    const rl = createInterface({ input: mock.stdout });
    rl.once('line', resolve);
    mock.once('exit', (c) => reject(new Error(`mock server exited with ${c}`)));
  });
  env.TAISHI_URL = String(first).trim();
  console.log(`mock server at ${env.TAISHI_URL}`);
} else if (process.argv.includes('--offline')) {
  // Port 9 (discard) has no listener here: the dev proxy's answer is the
  // "cannot reach" case the pages must handle.
  env.TAISHI_URL = 'http://127.0.0.1:9';
  env.TAISHI_OFFLINE = '1';
  mock = spawn(process.execPath, [fileURLToPath(new URL('../node_modules/vite/bin/vite.js', import.meta.url)), '--host', '127.0.0.1', '--port', '5199', '--strictPort'], {
    env,
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((resolve, reject) => {
    const rl = createInterface({ input: mock.stdout });
    rl.on('line', (l) => /Local:/.test(l) && resolve(l));
    mock.once('exit', (c) => reject(new Error(`vite exited with ${c}`)));
  });
  env.TAISHI_URL = 'http://127.0.0.1:5199';
  console.log(`vite dev at ${env.TAISHI_URL}, no server behind it`);
} else if (!env.TAISHI_URL || !env.TAISHI_PASSWORD) {
  console.error('set TAISHI_URL, TAISHI_USER and TAISHI_PASSWORD (a running `taishi serve`/`taishi demo`), or use `npm run e2e:mock`');
  process.exit(2);
}

const child = spawn(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=spec', ...files], { env, stdio: 'inherit' });
const code = await new Promise((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
mock?.kill();
process.exit(code);

// The console (behind login). Loaded on demand by main.ts, so the public
// portal does not download ECharts and the console pages.
import * as api from './api';
import { disposeAll, setDark } from './charts';
export { resizeAll } from './charts';
import { h, mount } from './dom';
import { t, tOr } from './i18n';
import { renderAlerts } from './pages/alerts';
import { renderAsset, renderAssets } from './pages/assets';
import { renderIncident, renderIncidentList } from './pages/incidents';
import { renderIntel } from './pages/intel';
import { renderOverview } from './pages/overview';
import { renderReports } from './pages/reports';
import { renderSettings } from './pages/settings';
import { renderSubmissions } from './pages/submissions';
import { parseHash } from './router';
import { errorState, loading } from './ui';

/** What the shared page chrome offers the console. */
export interface Host {
  app: HTMLElement;
  langToggle: () => HTMLElement;
}

let host: Host;
let user: api.Me | null = null;
// What the current view must stop when it is replaced (the wall's stream).
let cleanup: (() => void) | null = null;

function replaceView(): void {
  cleanup?.();
  cleanup = null;
  disposeAll();
}

/** Leaves the console (before the portal takes the page). */
export function leaveConsole(): void {
  replaceView();
}


const NAV = [
  ['overview', 'nav.overview'],
  ['incidents', 'nav.incidents'],
  ['alerts', 'nav.alerts'],
  ['assets', 'nav.assets'],
  ['intel', 'nav.intel'],
  ['submissions', 'nav.submissions'],
  ['reports', 'nav.reports'],
  ['settings', 'nav.settings'],
  ['wall', 'nav.wall'],
] as const;

function renderLogin(message?: string): void {
  replaceView();
  document.body.classList.remove('wall');
  const username = h('input', { name: 'username', autocomplete: 'username', required: true });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const err = h('div', { class: 'field-error', role: 'alert' }, message ?? '');
  const submit = h('button', { type: 'submit' }, t('login.submit'));
  mount(
    host.app,
    h('header', { class: 'topbar' }, h('span', { class: 'brand' }, t('app.title')), h('span', { class: 'spacer' }), host.langToggle()),
    h(
      'main',
      { class: 'login' },
      h(
        'form',
        {
          class: 'panel login-form',
          on: {
            submit: async (e) => {
              e.preventDefault();
              submit.disabled = true;
              try {
                user = await api.login(username.value.trim(), password.value);
                route();
              } catch (ex) {
                if (ex instanceof api.ApiError && (ex.kind === 'unauthorized' || ex.kind === 'invalid')) err.textContent = t('login.failed');
                else mount(err, errorState(ex));
              } finally {
                submit.disabled = false;
              }
            },
          },
        },
        h('h1', null, t('login.title')),
        h('label', { class: 'block' }, t('login.username'), username),
        h('label', { class: 'block' }, t('login.password'), password),
        submit,
        err,
        h('p', null, h('a', { href: '/report' }, t('nav.portal'))),
      ),
    ),
  );
  username.focus();
}

function shell(active: string): HTMLElement {
  const main = h('main', { class: 'content' });
  // Viewers see no write controls (the server refuses their writes anyway).
  document.body.classList.toggle('read-only', user?.can_write === false);
  mount(
    host.app,
    h(
      'header',
      { class: 'topbar' },
      h('a', { class: 'brand', href: '#/overview' }, t('app.title')),
      h(
        'nav',
        null,
        NAV.filter(([id]) => id !== 'settings' || user?.is_admin).map(([id, key]) =>
          h('a', { href: `#/${id}`, class: id === active ? 'active' : '', 'data-nav': id }, t(key)),
        ),
      ),
      h('span', { class: 'spacer' }),
      user ? h('span', { class: 'muted who', title: t('login.signedInAs', { user: user.username, role: tOr(`role.${user.role}`, user.role) }) }, `${user.username} · ${tOr(`role.${user.role}`, user.role)}`) : null,
      host.langToggle(),
      h(
        'button',
        {
          type: 'button',
          on: {
            click: async () => {
              await api.logout().catch(() => undefined);
              user = null;
              renderLogin();
            },
          },
        },
        t('nav.logout'),
      ),
    ),
    main,
  );
  return main;
}

function renderWall(): void {
  document.body.classList.add('wall');
  setDark(true);
  const status = h('span', { class: 'live', 'data-testid': 'live' }, t('state.offline'));
  const clock = h('span', { class: 'clock' });
  const main = h('main', { class: 'content wall-main' });
  mount(
    host.app,
    h(
      'header',
      { class: 'wallbar' },
      h('span', { class: 'brand' }, t('app.title')),
      h('span', { class: 'spacer' }),
      status,
      clock,
      h('button', { type: 'button', on: { click: () => void document.documentElement.requestFullscreen?.().catch(() => undefined) } }, t('wall.fullscreen')),
      h('a', { href: '#/overview' }, t('wall.exit')),
    ),
    main,
  );
  const view = renderOverview(main, true);
  // Bursts of changes (an attack opens many alerts) cause one refresh, not many.
  let pending: ReturnType<typeof setTimeout> | undefined;
  const soon = () => {
    if (pending === undefined) pending = setTimeout(() => ((pending = undefined), void view.refresh()), 1000);
  };
  let up = false;
  const stream = api.liveEvents(
    () => soon(),
    (ok) => {
      up = ok;
      status.textContent = ok ? `● ${t('state.live')}` : t('state.offline');
      status.classList.toggle('down', !ok);
    },
  );
  // The stream carries changes; a slow poll still moves the picture on (the
  // clock-driven decay of the index) and covers a stream that is down.
  let ticks = 0;
  const poll = setInterval(() => {
    ticks++;
    if (!up || ticks % 2 === 0) void view.refresh();
  }, 30_000);
  const tick = setInterval(() => (clock.textContent = new Date().toLocaleTimeString()), 1000);
  cleanup = () => {
    stream.close();
    clearInterval(poll);
    clearInterval(tick);
    if (pending !== undefined) clearTimeout(pending);
    document.body.classList.remove('wall');
    setDark(false);
  };
}

/** Renders the console view the hash names (signing in first when needed). */
export function route(h0?: Host): void {
  if (h0) host = h0;
  if (!user) {
    void start();
    return;
  }
  replaceView();
  const r = parseHash(location.hash);
  const page = r.parts[0] ?? 'overview';
  if (page === 'wall') {
    renderWall();
    return;
  }
  const main = shell(page);
  document.title = `${tOr(`nav.${page}`, page)} · ${t('app.short')}`;
  switch (page) {
    case 'incidents':
      if (r.parts[1]) renderIncident(main, r.parts[1]);
      else renderIncidentList(main, r);
      break;
    case 'alerts':
      renderAlerts(main, r);
      break;
    case 'assets':
      if (r.parts[1]) renderAsset(main, r.parts[1]);
      else renderAssets(main, r);
      break;
    case 'intel':
      renderIntel(main, r);
      break;
    case 'submissions':
      renderSubmissions(main, r);
      break;
    case 'reports':
      renderReports(main);
      break;
    case 'settings':
      renderSettings(main);
      break;
    default:
      renderOverview(main, false, r.query.get('scope') || 'org');
  }
}

/** Asks the server who is signed in, then shows the console or the login form. */
export async function start(h0?: Host): Promise<void> {
  if (h0) host = h0;
  mount(host.app, loading());
  try {
    user = await api.me();
    route();
  } catch (e) {
    if (e instanceof api.ApiError && e.kind === 'unauthorized') renderLogin();
    else
      mount(
        host.app,
        h('header', { class: 'topbar' }, h('span', { class: 'brand' }, t('app.title')), h('span', { class: 'spacer' }), host.langToggle()),
        h('main', { class: 'content' }, errorState(e, () => void start())),
      );
  }
}


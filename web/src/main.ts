// Entry point: the public portal on /report paths, the console elsewhere
// (loaded on demand: the portal needs neither ECharts nor the console pages).
import './style.css';
import { h, mount } from './dom';
import { lang, onLangChange, setLang, t } from './i18n';
import { renderPortal } from './pages/portal';
import { parsePortalPath } from './router';
import { errorState, loading, setPublicAudience } from './ui';

const app = document.getElementById('app') ?? document.body;
type Console = typeof import('./console');
let consoleMod: Console | null = null;

function langToggle(): HTMLElement {
  return h(
    'button',
    { type: 'button', class: 'lang', 'data-testid': 'lang-toggle', on: { click: () => setLang(lang() === 'zh' ? 'en' : 'zh') } },
    t('lang.switch'),
  );
}

function renderPortalShell(): void {
  const route = parsePortalPath(location.pathname);
  if (!route) return;
  consoleMod?.leaveConsole();
  setPublicAudience(true);
  document.title = t('portal.title');
  const main = h('main', { class: 'portal' });
  mount(
    app,
    h(
      'header',
      { class: 'topbar' },
      h('a', { class: 'brand', href: '/report' }, t('app.short')),
      h('nav', null, h('a', { href: '/report' }, t('portal.newReport')), h('a', { href: '/report/acknowledgements' }, t('portal.acks'))),
      h('span', { class: 'spacer' }),
      langToggle(),
    ),
    main,
  );
  renderPortal(main, route);
}

async function loadConsole(): Promise<Console | null> {
  if (consoleMod) return consoleMod;
  mount(app, loading());
  try {
    consoleMod = await import('./console');
    return consoleMod;
  } catch (e) {
    // A stale page after an upgrade asks for chunks that are gone.
    mount(app, errorState(e, () => location.reload()));
    return null;
  }
}

async function route(): Promise<void> {
  if (parsePortalPath(location.pathname)) {
    renderPortalShell();
    return;
  }
  setPublicAudience(false);
  const c = await loadConsole();
  c?.route({ app, langToggle });
}

document.documentElement.lang = lang() === 'zh' ? 'zh-CN' : 'en';
window.addEventListener('hashchange', () => void route());
window.addEventListener('resize', () => consoleMod?.resizeAll());
onLangChange(() => void route());
void route();

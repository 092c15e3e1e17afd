// Small pieces every page uses: states, tables, pagination, badges.
import { ApiError } from './api';
import { h, type Child } from './dom';
import { levelColour, levelLabel } from './format';
import { t, tOr } from './i18n';

/** A "loading" placeholder. */
export function loading(): HTMLElement {
  return h('div', { class: 'state loading', role: 'status' }, t('state.loading'));
}

// The public portal's visitors cannot start a server: they get a plain
// "try later" instead of the operator's hint.
let publicAudience = false;

/** Tells the error states whether they speak to the public (portal) or to operators. */
export function setPublicAudience(on: boolean): void {
  publicAudience = on;
}

/**
 * What a failed call looks like: the unreachable server gets its own
 * message and a retry button, so a page is never blank.
 */
export function errorState(err: unknown, retry?: () => void): HTMLElement {
  let title: string;
  let hint: string | undefined;
  let cls = 'state error';
  if (err instanceof ApiError) {
    switch (err.kind) {
      case 'unreachable':
        title = t(publicAudience ? 'state.unavailable' : 'state.unreachable');
        hint = publicAudience ? undefined : t('state.unreachableHint');
        cls += ' unreachable';
        break;
      case 'forbidden':
        title = t('state.forbidden');
        break;
      case 'unauthorized':
        // The session ended (expired, or the user was disabled): start over.
        title = t('state.signedOut');
        retry = () => location.reload();
        break;
      case 'not_found':
        title = t('state.notFound');
        break;
      case 'rate_limited':
        title = t('state.rateLimited');
        break;
      default:
        title = t('state.error', { message: err.message });
    }
  } else {
    title = t('state.error', { message: err instanceof Error ? err.message : String(err) });
  }
  return h(
    'div',
    { class: cls, role: 'alert' },
    h('strong', null, title),
    hint ? h('p', null, hint) : null,
    retry ? h('button', { type: 'button', on: { click: retry } }, t('state.retry')) : null,
  );
}

/** Runs `load` and puts its result (or its error state) into `el`, showing "loading" meanwhile. */
export async function fill(el: HTMLElement, load: () => Promise<Child>): Promise<void> {
  el.replaceChildren(loading());
  try {
    const content = await load();
    el.replaceChildren();
    appendChild(el, content);
  } catch (e) {
    el.replaceChildren(errorState(e, () => void fill(el, load)));
  }
}

function appendChild(el: HTMLElement, c: Child): void {
  el.append(h('div', { class: 'fill' }, c));
}

/** A column of a table: its header and how to render a cell. */
export interface Column<T> {
  head: string;
  cell: (row: T) => Child;
  class?: string;
}

/** A table of rows, or the empty state. */
export function table<T>(rows: T[], columns: Column<T>[], rowAttrs?: (row: T) => Record<string, string>): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'state empty' }, t('state.empty'));
  return h(
    'table',
    { class: 'grid' },
    h('thead', null, h('tr', null, columns.map((c) => h('th', { class: c.class }, c.head)))),
    h(
      'tbody',
      null,
      rows.map((r) => h('tr', rowAttrs?.(r) ?? null, columns.map((c) => h('td', { class: c.class }, c.cell(r))))),
    ),
  );
}

/** Previous / next buttons and "1–50 of 1234". */
export function pager(offset: number, limit: number, total: number, go: (offset: number) => void): HTMLElement {
  const from = total === 0 ? 0 : offset + 1;
  const to = Math.min(offset + limit, total);
  return h(
    'div',
    { class: 'pager' },
    h('button', { type: 'button', disabled: offset <= 0, on: { click: () => go(Math.max(0, offset - limit)) } }, t('page.prev')),
    h('span', null, t('page.of', { from, to, total })),
    h('button', { type: 'button', disabled: to >= total, on: { click: () => go(offset + limit) } }, t('page.next')),
  );
}

/** A coloured level badge. */
export function levelBadge(level: string | undefined): HTMLElement {
  return h('span', { class: 'badge', style: `background:${levelColour(level)}` }, levelLabel(level));
}

/** A status badge (incident or submission). */
export function statusBadge(prefix: 'status' | 'substatus', status: string): HTMLElement {
  return h('span', { class: `badge status-${status.replace(/[^a-z_]/g, '')}` }, tOr(`${prefix}.${status}`, status));
}

/** Colour of an incident severity score 0..100, by the same bands as posture. */
export function severityColour(score: number): string {
  if (score >= 80) return levelColour('red');
  if (score >= 55) return levelColour('orange');
  if (score >= 30) return levelColour('yellow');
  return levelColour('blue');
}

/** A panel with a heading. */
export function panel(title: string, ...body: Child[]): HTMLElement {
  return h('section', { class: 'panel' }, h('h2', null, title), ...body);
}

/** A short-lived notice at the top of the page. */
export function toast(text: string, kind: 'ok' | 'error' = 'ok'): void {
  const el = h('div', { class: `toast ${kind}`, role: 'status' }, text);
  document.body.append(el);
  setTimeout(() => el.remove(), 4000);
}

// Alerts: search by address, signature id or text, severity and incident, with
// pagination (newest first).
import * as api from '../api';
import { h, mount } from '../dom';
import { endpoint, formatTime } from '../format';
import { t } from '../i18n';
import { navigate, type Route } from '../router';
import { fill, pager, panel, table } from '../ui';

const PAGE = 50;

/** The alert search (`#/alerts?q=&severity=&incident=&offset=`). */
export function renderAlerts(root: HTMLElement, route: Route): void {
  const q = route.query.get('q') ?? '';
  const severity = route.query.get('severity') ?? '';
  const incident = route.query.get('incident') ?? '';
  const offset = Math.max(0, Number(route.query.get('offset') ?? 0) || 0);
  const go = (change: Record<string, string | number>) => {
    const next = new URLSearchParams({ q, severity, incident, offset: String(offset) });
    for (const [k, v] of Object.entries(change)) next.set(k, String(v));
    navigate(`/alerts?${next.toString()}`);
  };
  const search = h('input', { type: 'search', name: 'q', value: q, placeholder: t('alert.search'), size: 32 });
  const sev = h(
    'select',
    { name: 'severity' },
    h('option', { value: '' }, t('alert.any')),
    [1, 2, 3, 4].map((n) => h('option', { value: String(n), selected: severity === String(n) }, `≤ ${n}`)),
  );
  const list = h('div');
  mount(
    root,
    panel(
      t('nav.alerts'),
      h(
        'form',
        { class: 'filters', on: { submit: (e) => (e.preventDefault(), go({ q: search.value.trim(), severity: sev.value, offset: 0 })) } },
        search,
        h('label', null, t('alert.filterSeverity'), ' ', sev),
        incident
          ? h('span', { class: 'chip' }, `${t('alert.incident')} #${incident} `, h('a', { href: '#/alerts', 'aria-label': 'clear' }, '×'))
          : null,
        h('button', { type: 'submit' }, t('action.search')),
      ),
      list,
    ),
  );
  void fill(list, async () => {
    const by = api.parseAlertSearch(q);
    if (!by) return h('p', { class: 'state error' }, t('alert.badSearch'));
    const page = await api.alerts({
      ...by,
      max_severity: severity ? Number(severity) : undefined,
      incident_id: /^\d+$/.test(incident) ? Number(incident) : undefined,
      limit: PAGE,
      offset,
    });
    return [
      table(page.items, [
        { head: t('alert.time'), cell: (a) => formatTime(a.ts) },
        { head: t('alert.severity'), cell: (a) => h('span', { class: `sevnum s${a.severity}` }, String(a.severity)) },
        { head: t('alert.signature'), cell: (a) => [a.signature, h('span', { class: 'muted' }, ` ${a.gid}:${a.sid}`)] },
        { head: t('alert.source'), cell: (a) => endpoint(a.src_ip, a.src_port) },
        { head: t('alert.destination'), cell: (a) => endpoint(a.dest_ip, a.dest_port) },
        { head: t('alert.proto'), cell: (a) => a.app_proto ?? a.proto },
        { head: 'ATT&CK', cell: (a) => a.techniques.join(' ') },
        {
          head: t('alert.incident'),
          cell: (a) => (a.incident_id ? h('a', { href: `#/incidents/${a.incident_id}` }, `#${a.incident_id}`) : ''),
        },
      ]),
      pager(offset, PAGE, page.total, (o) => go({ offset: o })),
    ];
  });
}

// Assets: the registry and what traffic discovered, with criticality,
// exposure (matched vulnerabilities) and risk.
import * as api from '../api';
import { h, mount } from '../dom';
import { formatTime, riskOf } from '../format';
import { t, tOr } from '../i18n';
import { navigate, type Route } from '../router';
import { fill, pager, panel, severityColour, table } from '../ui';
import { uploadForm } from './upload';

const PAGE = 100;

/** The asset list (`#/assets?origin=&offset=`). */
export function renderAssets(root: HTMLElement, route: Route): void {
  const origin = route.query.get('origin') ?? '';
  const offset = Math.max(0, Number(route.query.get('offset') ?? 0) || 0);
  const go = (change: Record<string, string | number>) => {
    const next = new URLSearchParams({ origin, offset: String(offset) });
    for (const [k, v] of Object.entries(change)) next.set(k, String(v));
    navigate(`/assets?${next.toString()}`);
  };
  const sel = h(
    'select',
    { name: 'origin', on: { change: (e) => go({ origin: (e.target as HTMLSelectElement).value, offset: 0 }) } },
    h('option', { value: '' }, t('incident.all')),
    (['declared', 'discovered', 'both'] as const).map((o) => h('option', { value: o, selected: origin === o }, t(`origin.${o}`))),
  );
  const list = h('div');
  const upload = uploadForm(
    ['csv', 'json', 'yaml'],
    null,
    async (file, format) => {
      const r = await api.importAssets(file, format);
      return t('upload.assets', { n: r.imported }) + (r.ignored_fields.length ? ` ${t('upload.ignored', { fields: r.ignored_fields.join(', ') })}` : '');
    },
    () => void fill(list, load),
  );
  mount(root, panel(t('nav.assets'), h('div', { class: 'filters' }, h('label', null, t('asset.filterOrigin'), ' ', sel)), upload, list));
  const load = async () => {
    const page = await api.assets({ origin: origin || undefined, limit: PAGE, offset });
    return [
      table(page.items, [
        { head: t('asset.address'), cell: (a) => h('a', { href: `#/assets/${encodeURIComponent(a.address)}` }, a.address) },
        { head: t('asset.name'), cell: (a) => a.name ?? '' },
        { head: t('asset.owner'), cell: (a) => a.owner ?? '' },
        { head: t('asset.zone'), cell: (a) => a.zone ?? '' },
        { head: t('asset.role'), cell: (a) => a.role || a.ics_role || '' },
        { head: t('asset.criticality'), cell: (a) => `${a.criticality ?? '—'}${a.cii ? ` · ${t('asset.cii')}` : ''}` },
        { head: t('asset.origin'), cell: (a) => tOr(`origin.${a.origin}`, a.origin ?? '') },
        { head: t('asset.exposure'), cell: (a) => exposure(a) },
        { head: t('asset.risk'), cell: (a) => riskCell(riskOf(a)) },
        { head: t('asset.lastSeen'), cell: (a) => formatTime(a.last_seen) },
      ]),
      pager(offset, PAGE, page.total, (o) => go({ offset: o })),
    ];
  };
  void fill(list, load);
}

function exposure(a: api.Asset): string {
  const vulns = a.vulns ?? [];
  if (vulns.length === 0) return `${(a.services ?? []).length} ${t('asset.services')}`;
  const worst = Math.max(...vulns.map((v) => v.cvss));
  return `${vulns.length} CVE · CVSS ${worst.toFixed(1)}`;
}

function riskCell(r: number): HTMLElement {
  return h('span', { class: 'sev', style: `background:${severityColour(r)}` }, String(r));
}

/** One asset (`#/assets/ADDRESS`). */
export function renderAsset(root: HTMLElement, address: string): void {
  const body = h('div');
  mount(root, h('p', null, h('a', { href: '#/assets' }, `← ${t('nav.assets')}`)), body);
  void fill(body, async () => {
    const a = await api.asset(address);
    return panel(
      `${a.address} ${a.name ?? ''}`,
      h(
        'dl',
        { class: 'facts' },
        [
          [t('asset.owner'), a.owner],
          [t('asset.zone'), a.zone],
          [t('asset.role'), a.role || a.ics_role],
          [t('asset.criticality'), `${a.criticality ?? '—'}${a.cii ? ` · ${t('asset.cii')}` : ''}`],
          [t('asset.origin'), tOr(`origin.${a.origin}`, a.origin ?? '')],
          [t('asset.risk'), String(riskOf(a))],
          [t('asset.lastSeen'), formatTime(a.last_seen)],
        ].map(([k, v]) => [h('dt', null, k ?? ''), h('dd', null, v ?? '—')]),
      ),
      h('h3', null, t('asset.services')),
      table(a.services ?? [], [
        { head: 'port', cell: (s) => `${s.port}/${s.transport}` },
        { head: t('alert.proto'), cell: (s) => s.app_proto ?? '' },
        { head: t('asset.software'), cell: (s) => s.software ?? '' },
      ]),
      h('h3', null, t('asset.vulns')),
      table(a.vulns ?? [], [
        { head: 'ID', cell: (v) => v.id },
        { head: 'CVSS', cell: (v) => v.cvss.toFixed(1) },
        { head: t('asset.software'), cell: (v) => v.software },
      ]),
    );
  });
}

// Incidents: the list with filters, and one incident with its timeline,
// ATT&CK stages, evidence and the analyst's actions.
import * as api from '../api';
import { h, mount } from '../dom';
import { endpoint, formatNumber, formatTime } from '../format';
import { t, tOr } from '../i18n';
import { fill, pager, panel, severityColour, statusBadge, table, toast, errorState } from '../ui';
import { navigate, type Route } from '../router';

const PAGE = 50;
const STATUSES: api.IncidentStatus[] = ['new', 'acknowledged', 'investigating', 'resolved', 'false_positive'];

/** Kill-chain stages in the order of the chain (ATT&CK Enterprise, then ICS-only ones). */
export const STAGE_ORDER = [
  'reconnaissance',
  'resource_development',
  'initial_access',
  'execution',
  'persistence',
  'privilege_escalation',
  'defense_evasion',
  'credential_access',
  'discovery',
  'lateral_movement',
  'collection',
  'command_and_control',
  'exfiltration',
  'inhibit_response_function',
  'impair_process_control',
  'impact',
];

/** The incident list (`#/incidents?status=&q=&offset=`). */
export function renderIncidentList(root: HTMLElement, route: Route): void {
  const status = route.query.get('status') ?? 'open';
  const q = route.query.get('q') ?? '';
  const offset = Math.max(0, Number(route.query.get('offset') ?? 0) || 0);
  const go = (change: Record<string, string | number>) => {
    const next = new URLSearchParams({ status, q, offset: String(offset) });
    for (const [k, v] of Object.entries(change)) next.set(k, String(v));
    navigate(`/incidents?${next.toString()}`);
  };
  const statusSel = h(
    'select',
    { name: 'status', on: { change: (e) => go({ status: (e.target as HTMLSelectElement).value, offset: 0 }) } },
    h('option', { value: 'open', selected: status === 'open' }, t('incident.open')),
    h('option', { value: '', selected: status === '' }, t('incident.all')),
    STATUSES.map((s) => h('option', { value: s, selected: status === s }, tOr(`status.${s}`, s))),
  );
  const search = h('input', { type: 'search', name: 'q', value: q, placeholder: t('incident.searchIp') });
  const list = h('div');
  mount(
    root,
    panel(
      t('nav.incidents'),
      h(
        'form',
        { class: 'filters', on: { submit: (e) => (e.preventDefault(), go({ q: search.value, offset: 0 })) } },
        h('label', null, t('incident.filterStatus'), ' ', statusSel),
        search,
        h('button', { type: 'submit' }, t('action.search')),
      ),
      list,
    ),
  );
  void fill(list, async () => {
    // `open` means new, acknowledged or investigating (the server's filter).
    const page = await api.incidents({ status, ip: q || undefined, limit: PAGE, offset });
    return [
      table(
        page.items,
        [
          { head: t('incident.id'), cell: (i) => String(i.id) },
          {
            head: t('incident.severity'),
            cell: (i) => h('span', { class: 'sev', style: `background:${severityColour(i.severity)}` }, formatNumber(i.severity)),
          },
          { head: t('incident.title'), cell: (i) => h('a', { href: `#/incidents/${i.id}`, 'data-incident': String(i.id) }, i.title) },
          { head: t('incident.grade'), cell: (i) => tOr(`grade.${i.grade}`, i.grade) },
          { head: t('incident.category'), cell: (i) => i.category },
          { head: t('incident.status'), cell: (i) => statusBadge('status', i.status) },
          { head: t('incident.assignee'), cell: (i) => i.assignee ?? '' },
          { head: t('incident.alerts'), cell: (i) => formatNumber(i.alert_count) },
          { head: t('incident.lastSeen'), cell: (i) => formatTime(i.last_seen) },
        ],
      ),
      pager(offset, PAGE, page.total, (o) => go({ offset: o })),
    ];
  });
}

function stageChain(reached: string[]): HTMLElement {
  const set = new Set(reached);
  const extra = reached.filter((s) => !STAGE_ORDER.includes(s));
  return h(
    'ol',
    { class: 'stages' },
    [...STAGE_ORDER, ...extra].map((s) =>
      h('li', { class: set.has(s) ? 'reached' : '', 'data-stage': s }, tOr(`stage.${s}`, s)),
    ),
  );
}

function techniqueLink(id: string): HTMLElement {
  // T1234.001 → /techniques/T1234/001/; ICS ids (T08xx) live under the same path.
  const m = /^T(\d{4})(?:\.(\d{3}))?$/.exec(id);
  if (!m) return h('span', { class: 'tech' }, id);
  const path = m[2] ? `T${m[1]}/${m[2]}` : `T${m[1]}`;
  return h('a', { class: 'tech', href: `https://attack.mitre.org/techniques/${path}/`, target: '_blank', rel: 'noopener noreferrer' }, id);
}

/** One incident (`#/incidents/ID`). */
export function renderIncident(root: HTMLElement, id: string): void {
  const body = h('div');
  mount(root, h('p', null, h('a', { href: '#/incidents' }, t('incident.back'))), body);
  const load = async () => {
    const { incident: inc, alerts, totalAlerts } = await api.incident(id);
    return detail(inc, alerts, totalAlerts, () => void fill(body, load));
  };
  void fill(body, load);
}

function detail(inc: api.Incident, alerts: api.AlertRow[], totalAlerts: number, reload: () => void): HTMLElement {
  const act = async (change: { status?: api.IncidentStatus; assignee?: string }) => {
    try {
      await api.updateIncident(inc.id, change);
      toast(t('incident.saved'));
      reload();
    } catch (e) {
      toast(errorState(e).textContent ?? String(e), 'error');
    }
  };
  const button = (label: string, status: api.IncidentStatus, show: boolean) =>
    show ? h('button', { type: 'button', 'data-action': status, on: { click: () => void act({ status }) } }, label) : null;
  const open = inc.status === 'new' || inc.status === 'acknowledged' || inc.status === 'investigating';
  const assignee = h('input', { name: 'assignee', value: inc.assignee ?? '', placeholder: t('incident.assignPlaceholder') });
  const note = h('textarea', { name: 'note', rows: 3, maxlength: 4000, placeholder: t('incident.notePlaceholder') });

  return h(
    'div',
    { class: 'incident', 'data-status': inc.status },
    panel(
      `#${inc.id} ${inc.title}`,
      h(
        'dl',
        { class: 'facts' },
        fact(t('incident.status'), statusBadge('status', inc.status)),
        fact(t('incident.severity'), h('span', { class: 'sev', style: `background:${severityColour(inc.severity)}` }, formatNumber(inc.severity))),
        fact(t('incident.grade'), tOr(`grade.${inc.grade}`, inc.grade)),
        fact(t('incident.category'), inc.category),
        fact(t('incident.attackers'), inc.attackers.join(', ')),
        fact(t('incident.victims'), inc.victims.map((v, i) => [i ? ', ' : '', h('a', { href: `#/assets/${encodeURIComponent(v)}` }, v)])),
        fact(t('incident.criticality'), String(inc.max_criticality ?? '—')),
        fact(t('incident.firstSeen'), formatTime(inc.first_seen)),
        fact(t('incident.lastSeen'), formatTime(inc.last_seen)),
        fact(t('incident.alerts'), formatNumber(inc.alert_count)),
        fact(t('incident.assignee'), inc.assignee ?? '—'),
        inc.merged?.length ? fact(t('incident.merged'), inc.merged.map((id) => `#${id}`).join(', ')) : null,
      ),
      h(
        'div',
        { class: 'actions', 'data-write': true },
        button(t('incident.acknowledge'), 'acknowledged', inc.status === 'new'),
        button(t('incident.investigate'), 'investigating', inc.status === 'new' || inc.status === 'acknowledged'),
        button(t('incident.resolve'), 'resolved', open),
        button(t('incident.falsePositive'), 'false_positive', open),
        button(t('incident.reopen'), 'acknowledged', !open),
        h(
          'form',
          { class: 'inline', on: { submit: (e) => (e.preventDefault(), void act({ assignee: assignee.value.trim() })) } },
          assignee,
          h('button', { type: 'submit', 'data-action': 'assign' }, t('incident.assign')),
        ),
      ),
    ),
    panel(t('incident.stages'), stageChain(inc.stages), h('div', { class: 'techs' }, inc.techniques.map(techniqueLink))),
    panel(
      t('incident.timeline'),
      totalAlerts > alerts.length
        ? h('p', { class: 'muted' }, t('incident.timelineCut', { shown: alerts.length, total: totalAlerts }), ' ', h('a', { href: `#/alerts?incident=${inc.id}` }, t('nav.alerts')))
        : null,
      table(alerts, [
        { head: t('alert.time'), cell: (a) => formatTime(a.ts) },
        { head: t('alert.severity'), cell: (a) => String(a.severity) },
        { head: t('alert.signature'), cell: (a) => a.signature },
        { head: t('alert.source'), cell: (a) => endpoint(a.src_ip, a.src_port) },
        { head: t('alert.destination'), cell: (a) => endpoint(a.dest_ip, a.dest_port) },
        { head: 'ATT&CK', cell: (a) => a.techniques.map((x, i) => [i ? ' ' : '', techniqueLink(x)]) },
      ]),
    ),
    panel(
      t('incident.evidence'),
      alerts.slice(0, 50).map((a) =>
        h(
          'details',
          { class: 'evidence' },
          h('summary', null, `${formatTime(a.ts)} ${a.gid}:${a.sid}:${a.rev} ${a.signature}`),
          // The record is shown as text: JSON.stringify output in a text node.
          h('pre', null, JSON.stringify(a.record ?? a, null, 2)),
        ),
      ),
    ),
    panel(
      t('incident.notes'),
      h(
        'ul',
        { class: 'notes' },
        (inc.notes ?? []).map((n) => h('li', null, h('div', { class: 'muted' }, `${formatTime(n.ts)} · ${n.author}`), h('div', { class: 'note-text' }, n.text))),
      ),
      h(
        'form',
        {
          class: 'note-form',
          'data-write': true,
          on: {
            submit: async (e) => {
              e.preventDefault();
              const text = note.value.trim();
              if (!text) return;
              try {
                await api.addNote(inc.id, text);
                toast(t('incident.saved'));
                reload();
              } catch (err) {
                toast(errorState(err).textContent ?? String(err), 'error');
              }
            },
          },
        },
        note,
        h('button', { type: 'submit', 'data-action': 'note' }, t('incident.addNote')),
      ),
    ),
  );
}

function fact(label: string, value: Parameters<typeof h>[2]): HTMLElement[] {
  return [h('dt', null, label), h('dd', null, value)];
}

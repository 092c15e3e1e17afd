// Overview: the situation at a glance. Also the wall screen (`#/wall`):
// the same panels, dark and full-screen, kept current from the event stream.
import * as api from '../api';
import { chart, clearChart, isDark, type Option } from '../charts';
import { escapeHtml, h, mount } from '../dom';
import {
  DEFAULT_THRESHOLDS,
  INDUSTRIAL,
  LEVELS,
  LEVEL_COLOURS,
  deadlineOf,
  formatDuration,
  formatNumber,
  formatTime,
  isOverdue,
  isWaiting,
  levelColour,
  levelLabel,
  responseFigures,
  riskOf,
} from '../format';
import { t, tOr } from '../i18n';
import { errorState, severityColour, statusBadge, table } from '../ui';

/** What the Overview shows; each part may have failed on its own. */
export interface OverviewData {
  posture: PromiseSettledResult<api.PostureSummary>;
  drill: PromiseSettledResult<api.Drill>;
  incidents: PromiseSettledResult<api.Page<api.Incident>>;
  assets: PromiseSettledResult<api.Page<api.Asset>>;
  flows: PromiseSettledResult<api.ProtocolCount[]>;
  submissions: PromiseSettledResult<api.Page<api.Submission>>;
  stats: PromiseSettledResult<api.SubmissionStats>;
}

/** Fetches everything the Overview needs, in parallel; posture for `scope` (`org`, `zone:OT` ...). */
export async function loadOverview(scope = 'org'): Promise<OverviewData> {
  const assetsP = api.assets({ limit: 1000 });
  const [posture, drill, incidents, assets, flows, submissions, stats] = await Promise.allSettled([
    api.posture(scope),
    api.drilldown(scope),
    // The situation now: what is still open, worst first.
    api.incidents({ status: 'open', order: 'severity', limit: 200 }),
    assetsP,
    // The protocol mix over every flow stored (no time filter: a site
    // analysing a capture has no "last day").
    api.protocolMix(() => assetsP),
    api.submissions({ status: 'waiting', limit: 200 }),
    api.submissionStats(),
  ]);
  return { posture, drill, incidents, assets, flows, submissions, stats };
}

/** Whether every part failed because the server cannot be reached. */
export function allUnreachable(d: OverviewData): boolean {
  return Object.values(d).every(
    (r: PromiseSettledResult<unknown>) => r.status === 'rejected' && r.reason instanceof api.ApiError && r.reason.kind === 'unreachable',
  );
}

function part<T>(r: PromiseSettledResult<T>, el: HTMLElement, draw: (v: T) => void, retry: () => void): void {
  // A chart's element holds ECharts' own nodes: drop the chart before
  // putting a message there, so the next refresh draws a new one.
  const fail = (e: unknown, again?: () => void) => {
    if (el.classList.contains('chart')) clearChart(el);
    mount(el, errorState(e, again));
  };
  if (r.status === 'fulfilled') {
    el.querySelector(':scope > .state')?.remove();
    try {
      draw(r.value);
    } catch (e) {
      fail(e);
    }
  } else {
    fail(r.reason, retry);
  }
}

function axisColour(): string {
  return isDark() ? '#cfd8dc' : '#455a64';
}

/** The gauge: index 0..100 on bands of the level colours, needle in the current level's colour. */
export function gaugeOption(s: api.PostureSummary): Option {
  const th = s.thresholds ?? DEFAULT_THRESHOLDS;
  const stops = [...th.map((v) => v / 100), 1];
  const colour = levelColour(s.level);
  return {
    series: [
      {
        type: 'gauge',
        min: 0,
        max: 100,
        radius: '95%',
        axisLine: { lineStyle: { width: 16, color: LEVELS.map((l, i) => [stops[i], LEVEL_COLOURS[l]]) } },
        pointer: { itemStyle: { color: colour } },
        axisTick: { show: false },
        splitLine: { length: 16, lineStyle: { color: 'auto', width: 2 } },
        axisLabel: { color: axisColour(), distance: 22 },
        detail: { valueAnimation: false, formatter: (v: number) => v.toFixed(0), color: colour, fontSize: 32, offsetCenter: [0, '60%'] },
        title: { show: false },
        data: [{ value: Math.round(s.index * 10) / 10, name: levelLabel(s.level) }],
      },
    ],
  };
}

/** The history: measured index solid, forecast dashed, the level bands behind. */
export function trendOption(s: api.PostureSummary): Option {
  const th = s.thresholds ?? DEFAULT_THRESHOLDS;
  const bounds = [0, ...th, 100];
  const measured = s.series.map((p) => [p.bucket * 1000, Math.round(p.index * 10) / 10]);
  const last = measured[measured.length - 1];
  // The forecast starts at the last measurement so the two lines join.
  const forecast = [...(last ? [last] : []), ...s.forecast.map((p) => [p.bucket * 1000, Math.round(p.index * 10) / 10])];
  return {
    grid: { left: 40, right: 16, top: 28, bottom: 28 },
    legend: { data: [t('overview.measured'), t('overview.forecast')], textStyle: { color: axisColour() }, top: 0 },
    tooltip: {
      trigger: 'axis',
      formatter: (params: { seriesName: string; value: [number, number] }[]) =>
        params
          .map((p) => `${escapeHtml(formatTime(p.value[0]))} ${escapeHtml(p.seriesName)}: ${escapeHtml(p.value[1])}`)
          .join('<br>'),
    },
    xAxis: { type: 'time', axisLabel: { color: axisColour() } },
    yAxis: { type: 'value', min: 0, max: 100, axisLabel: { color: axisColour() }, splitLine: { show: false } },
    series: [
      {
        name: t('overview.measured'),
        type: 'line',
        showSymbol: false,
        data: measured,
        lineStyle: { width: 2, color: isDark() ? '#eceff1' : '#263238' },
        itemStyle: { color: isDark() ? '#eceff1' : '#263238' },
        markArea: {
          silent: true,
          data: LEVELS.map((l, i) => [
            { yAxis: bounds[i], itemStyle: { color: LEVEL_COLOURS[l], opacity: 0.12 } },
            { yAxis: bounds[i + 1] },
          ]),
        },
      },
      {
        name: t('overview.forecast'),
        type: 'line',
        showSymbol: false,
        data: forecast,
        lineStyle: { width: 2, type: 'dashed', color: '#7e57c2' },
        itemStyle: { color: '#7e57c2' },
      },
    ],
  };
}

/** The attack graph: attackers on the left, the assets they hit on the right, one edge per pair. */
export function graphOption(incidents: api.Incident[]): Option {
  const nodes = new Map<string, { name: string; category: number; value: number }>();
  const edges = new Map<string, { source: string; target: string; value: number }>();
  const top = incidents.slice().sort((a, b) => b.severity - a.severity).slice(0, 40);
  for (const inc of top) {
    for (const a of inc.attackers.slice(0, 10)) {
      const an = nodes.get(`a:${a}`) ?? { name: `a:${a}`, category: 0, value: 0 };
      an.value = Math.max(an.value, inc.severity);
      nodes.set(an.name, an);
      for (const v of inc.victims.slice(0, 10)) {
        const vn = nodes.get(`v:${v}`) ?? { name: `v:${v}`, category: 1, value: 0 };
        vn.value = Math.max(vn.value, inc.severity);
        nodes.set(vn.name, vn);
        const key = `${a}>${v}`;
        const e = edges.get(key) ?? { source: `a:${a}`, target: `v:${v}`, value: 0 };
        e.value = Math.max(e.value, inc.severity);
        edges.set(key, e);
      }
    }
  }
  const attackers = [...nodes.values()].filter((n) => n.category === 0);
  const victims = [...nodes.values()].filter((n) => n.category === 1);
  const place = (list: typeof attackers, x: number) =>
    list.map((n, i) => ({
      ...n,
      x,
      y: ((i + 1) * 100) / (list.length + 1),
      symbolSize: 10 + n.value / 8,
      label: { show: true, formatter: n.name.slice(2), color: axisColour(), position: x === 0 ? 'left' : 'right' },
    }));
  return {
    tooltip: {
      formatter: (p: { name?: string; data?: { source?: string; target?: string } }) =>
        escapeHtml(p.data?.source ? p.data.source.slice(2) + ' → ' + (p.data.target ?? '').slice(2) : (p.name ?? '').slice(2)),
    },
    legend: { data: [t('overview.attacker'), t('overview.asset')], textStyle: { color: axisColour() }, top: 0 },
    series: [
      {
        type: 'graph',
        layout: 'none',
        left: 110,
        right: 110,
        top: 30,
        bottom: 10,
        roam: true,
        categories: [
          { name: t('overview.attacker'), itemStyle: { color: LEVEL_COLOURS.red } },
          { name: t('overview.asset'), itemStyle: { color: LEVEL_COLOURS.blue } },
        ],
        // Two invisible corner nodes fix the drawing's extent: with one
        // node a side the extent has no height and ECharts stretches the
        // symbols to fill it.
        data: [
          ...place(attackers, 0),
          ...place(victims, 100),
          ...[0, 100].map((y) => ({ name: `corner-${y}`, x: 50, y, symbolSize: 0, label: { show: false }, tooltip: { show: false }, silent: true })),
        ],
        links: [...edges.values()].map((e) => ({ ...e, lineStyle: { width: 1 + e.value / 25, color: severityColour(e.value), opacity: 0.7 } })),
        edgeSymbol: ['none', 'arrow'],
        edgeSymbolSize: 7,
      },
    ],
  };
}

/** The attackers and assets an attack-graph option draws (its corner anchors left out). */
export function graphNodes(option: Option): number {
  const series = (option as { series?: { data?: { name?: string }[] }[] }).series ?? [];
  return (series[0]?.data ?? []).filter((n) => !String(n.name).startsWith('corner-')).length;
}

/** Flows by application protocol, industrial ones in their own colour. */
export function protocolOption(mix: api.ProtocolCount[]): Option {
  const rows = [...mix]
    .sort((a, b) => b.flows - a.flows)
    .slice(0, 14)
    .reverse()
    .map((r) => [r.key, r.flows] as const);
  return {
    grid: { left: 70, right: 24, top: 24, bottom: 24 },
    legend: { show: false },
    tooltip: { trigger: 'item', formatter: (p: { name: string; value: number }) => `${escapeHtml(p.name)}: ${escapeHtml(p.value)}` },
    xAxis: { type: 'value', axisLabel: { color: axisColour() }, name: t('overview.flows') },
    yAxis: { type: 'category', data: rows.map((r) => r[0]), axisLabel: { color: axisColour() } },
    series: [
      {
        type: 'bar',
        data: rows.map(([name, n]) => ({
          name,
          value: n,
          itemStyle: { color: INDUSTRIAL.has(name) ? LEVEL_COLOURS.orange : '#546e7a' },
        })),
      },
    ],
  };
}

function postureText(s: api.PostureSummary): HTMLElement {
  const dir = s.trend?.direction ?? 'steady';
  const arrow = dir === 'rising' ? '↑' : dir === 'falling' ? '↓' : '→';
  const bt = s.backtest;
  return h(
    'div',
    { class: 'posture-text' },
    h('div', { class: 'level-big', style: `color:${levelColour(s.level)}`, 'data-level': s.level }, levelLabel(s.level)),
    h('div', null, `${t('overview.index')}: `, h('b', { 'data-testid': 'posture-index' }, formatNumber(s.index, 1))),
    h('div', null, `${t('overview.trend')}: ${arrow} ${tOr(`trend.${dir}`, dir)}`),
    h('div', { class: 'muted' }, t('overview.previous', { level: levelLabel(s.previous_level) })),
    s.as_of ? h('div', { class: 'muted' }, t('overview.asOf', { time: formatTime(s.as_of) })) : h('div', { class: 'muted' }, t('overview.noSeries')),
    bt && typeof bt.mae === 'number'
      ? h('div', { class: 'muted' }, t('overview.backtest', { mae: formatNumber(bt.mae, 1), naive: formatNumber(bt.naive_mae ?? undefined, 1) }))
      : null,
  );
}

/** Where the posture shown sits: the organisation, or a link back to it. */
function scopeTrail(scope: string, wall: boolean): HTMLElement | null {
  if (scope === 'org' || wall) return null;
  const [kind = '', ...rest] = scope.split(':');
  return h(
    'div',
    { class: 'trail' },
    h('a', { href: '#/overview' }, t('scope.organisation')),
    ' › ',
    h('b', { 'data-testid': 'scope' }, `${tOr(`scope.${kind}`, kind)} ${rest.join(':')}`),
  );
}

/** The children of the scope shown (zones, hosts, services), most threatened first, each a link down. */
function drillList(drill: api.Drill | undefined): HTMLElement | null {
  const items = drill?.items ?? [];
  if (items.length === 0) return null;
  return h(
    'div',
    { class: 'drill' },
    h('h3', null, t('overview.drilldown')),
    h(
      'ul',
      null,
      items.slice(0, 8).map((p) =>
        h(
          'li',
          null,
          h('span', { class: 'dot', style: `background:${levelColour(p.level)}` }),
          h('a', { href: `#/overview?${new URLSearchParams({ scope: `${p.kind}:${p.key}` }).toString()}` }, `${tOr(`scope.${p.kind}`, p.kind)} ${p.key}`),
          ` ${formatNumber(p.index, 0)}`,
        ),
      ),
    ),
  );
}

function drivers(s: api.PostureSummary): HTMLElement | null {
  const list = s.explanation?.incidents ?? [];
  if (list.length === 0) return null;
  return h(
    'div',
    { class: 'drivers' },
    h('h3', null, t('overview.drivers')),
    h(
      'ul',
      null,
      list.slice(0, 5).map((c) => {
        const id = /^\d+$/.test(c.key) ? c.key : null;
        const text = `${c.label} — ${Math.round(c.share * 100)}%`;
        return h('li', null, id ? h('a', { href: `#/incidents/${id}` }, text) : text);
      }),
    ),
  );
}

function topIncidents(list: api.Incident[]): HTMLElement {
  const open = list.filter((i) => i.status === 'new' || i.status === 'acknowledged' || i.status === 'investigating');
  const rows = open.sort((a, b) => b.severity - a.severity).slice(0, 8);
  return table(rows, [
    { head: t('incident.severity'), cell: (i) => h('span', { class: 'sev', style: `background:${severityColour(i.severity)}` }, formatNumber(i.severity)) },
    { head: t('incident.title'), cell: (i) => h('a', { href: `#/incidents/${i.id}` }, i.title) },
    { head: t('incident.grade'), cell: (i) => tOr(`grade.${i.grade}`, i.grade) },
    { head: t('incident.status'), cell: (i) => statusBadge('status', i.status) },
  ]);
}

function assetsAtRisk(assets: api.Asset[], incidents: api.Incident[]): HTMLElement {
  const openAgainst = new Map<string, number>();
  for (const i of incidents) {
    if (i.status === 'resolved' || i.status === 'false_positive') continue;
    for (const v of i.victims) openAgainst.set(v, (openAgainst.get(v) ?? 0) + 1);
  }
  const rows = assets
    .map((a) => ({ a, risk: riskOf(a, openAgainst.get(a.address) ?? 0) }))
    .sort((x, y) => y.risk - x.risk)
    .slice(0, 8);
  return table(rows, [
    { head: t('asset.risk'), cell: (r) => h('span', { class: 'sev', style: `background:${severityColour(r.risk)}` }, String(r.risk)) },
    { head: t('asset.address'), cell: (r) => h('a', { href: `#/assets/${encodeURIComponent(r.a.address)}` }, r.a.address) },
    { head: t('asset.name'), cell: (r) => r.a.name ?? '' },
    { head: t('asset.criticality'), cell: (r) => String(r.a.criticality ?? '—') },
  ]);
}

function submissionsWaiting(subs: api.Submission[], stats: api.SubmissionStats | undefined): HTMLElement {
  const now = Date.now();
  // The server's figures cover every submission; the page in hand is only
  // the waiting ones, so it is the fallback.
  const local = responseFigures(subs, now);
  const f = stats
    ? {
        waiting: stats.open,
        overdue: stats.overdue,
        medianMs: typeof stats.median_response_secs === 'number' ? stats.median_response_secs * 1000 : undefined,
        p90Ms: typeof stats.p90_response_secs === 'number' ? stats.p90_response_secs * 1000 : undefined,
      }
    : { waiting: local.waiting, overdue: local.overdue, medianMs: local.medianMs, p90Ms: undefined };
  const waiting = subs
    .filter(isWaiting)
    .sort((a, b) => (deadlineOf(a) ?? Infinity) - (deadlineOf(b) ?? Infinity))
    .slice(0, 8);
  return h(
    'div',
    null,
    h(
      'div',
      { class: 'figures' },
      figure(t('overview.waiting'), String(f.waiting)),
      figure(t('overview.overdue'), String(f.overdue), f.overdue > 0 ? 'overdue' : undefined),
      figure(t('overview.medianResponse'), f.medianMs === undefined ? '—' : formatDuration(f.medianMs)),
      figure(t('overview.p90Response'), f.p90Ms === undefined ? '—' : formatDuration(f.p90Ms)),
    ),
    table(
      waiting,
      [
        { head: t('sub.kind'), cell: (s) => tOr(`kind.${s.kind}`, s.kind ?? '') },
        { head: t('sub.title'), cell: (s) => h('a', { href: `#/submissions/${encodeURIComponent(String(s.id))}` }, s.title) },
        { head: t('sub.deadline'), cell: (s) => deadlineCell(s, now) },
      ],
      (s): Record<string, string> => (isOverdue(s, now) ? { class: 'overdue' } : {}),
    ),
  );
}

/** "overdue 3 h" or "due in 5 h" for a waiting submission. */
export function deadlineCell(s: api.Submission, now: number): HTMLElement {
  const d = deadlineOf(s);
  if (d === undefined) return h('span', null, '—');
  if (!isWaiting(s)) return h('span', null, formatTime(d));
  return d < now
    ? h('span', { class: 'overdue-text' }, `${t('sub.overdue')} ${formatDuration(now - d)}`)
    : h('span', null, t('sub.dueIn', { d: formatDuration(d - now) }));
}

function figure(label: string, value: string, cls?: string): HTMLElement {
  return h('div', { class: `figure ${cls ?? ''}` }, h('div', { class: 'figure-value' }, value), h('div', { class: 'figure-label' }, label));
}

/**
 * Renders the Overview into `root`; returns `refresh` (re-fetches and redraws
 * in place, charts kept) for the wall's live updates.
 */
export function renderOverview(root: HTMLElement, wall: boolean, scope = 'org'): { refresh: () => Promise<void> } {
  const gauge = h('div', { class: 'chart gauge', 'data-chart': 'gauge' });
  const postureInfo = h('div', { class: 'posture-info' });
  const trend = h('div', { class: 'chart trend', 'data-chart': 'trend' });
  const incidentsEl = h('div');
  const graph = h('div', { class: 'chart graph', 'data-chart': 'graph' });
  const protocols = h('div', { class: 'chart protocols', 'data-chart': 'protocols' });
  const protoFigures = h('div', { class: 'figures' });
  const assetsEl = h('div');
  const subsEl = h('div');
  const updated = h('span', { class: 'muted updated' });
  const banner = h('div');

  const box = (title: string, cls: string, ...body: HTMLElement[]) =>
    h('section', { class: `panel ${cls}` }, h('h2', null, title), ...body);

  mount(
    root,
    h(
      'div',
      { class: wall ? 'overview wall-grid' : 'overview' },
      banner,
      box(t('overview.posture'), 'p-posture', h('div', { class: 'posture-row' }, gauge, postureInfo)),
      box(t('overview.history'), 'p-trend', trend),
      box(t('overview.topIncidents'), 'p-incidents', incidentsEl),
      box(t('overview.attackGraph'), 'p-graph', graph),
      box(t('overview.protocols'), 'p-protocols', protoFigures, protocols),
      box(t('overview.assetsAtRisk'), 'p-assets', assetsEl),
      box(t('overview.submissionsWaiting'), 'p-subs', subsEl),
      h('div', { class: 'p-updated' }, updated),
    ),
  );

  let first = true;
  const refresh = async (): Promise<void> => {
    const d = await loadOverview(scope);
    const retry = () => void refresh();
    if (allUnreachable(d)) {
      mount(banner, errorState((d.posture as PromiseRejectedResult).reason, retry));
      if (!first) return; // keep the last picture on the wall
    } else {
      banner.replaceChildren();
    }
    first = false;
    part(
      d.posture,
      gauge,
      (s) => {
        chart(gauge, gaugeOption(s));
        const drill = d.drill.status === 'fulfilled' ? d.drill.value : undefined;
        mount(postureInfo, scopeTrail(scope, wall), postureText(s), drivers(s), wall ? null : drillList(drill));
        root.dataset.level = s.level;
      },
      retry,
    );
    part(d.posture, trend, (s) => void chart(trend, trendOption(s)), retry);
    part(d.incidents, incidentsEl, (p) => mount(incidentsEl, topIncidents(p.items)), retry);
    part(
      d.incidents,
      graph,
      (p) => {
        // An empty graph is a blank canvas; say so instead.
        if (p.items.length === 0) {
          clearChart(graph);
          mount(graph, h('p', { class: 'state empty' }, t('state.empty')));
          return;
        }
        graph.querySelector(':scope > .state')?.remove();
        const option = graphOption(p.items);
        chart(graph, option, graphNodes(option));
      },
      retry,
    );
    part(
      d.flows,
      protocols,
      (p) => {
        const all = p.reduce((n, r) => n + r.flows, 0);
        const ics = p.filter((r) => INDUSTRIAL.has(r.key)).reduce((n, r) => n + r.flows, 0);
        mount(
          protoFigures,
          figure(t('overview.industrial'), formatNumber(ics), ics > 0 ? 'industrial' : undefined),
          figure(t('overview.other'), formatNumber(all - ics)),
        );
        chart(protocols, protocolOption(p));
      },
      retry,
    );
    const incs = d.incidents.status === 'fulfilled' ? d.incidents.value.items : [];
    part(d.assets, assetsEl, (p) => mount(assetsEl, assetsAtRisk(p.items, incs)), retry);
    const stats = d.stats.status === 'fulfilled' ? d.stats.value : undefined;
    part(d.submissions, subsEl, (p) => mount(subsEl, submissionsWaiting(p.items, stats)), retry);
    updated.textContent = t('state.updated', { time: formatTime(Date.now()) });
  };
  void refresh();
  return { refresh };
}

// Reports: generate one for a period in a format and language, and
// download it. A tenant's users get their tenant's report and list their
// tenant's; regulators and the site get the whole store's and list all.
import * as api from '../api';
import { h, mount } from '../dom';
import { formatTime } from '../format';
import { lang, t } from '../i18n';
import { errorState, fill, panel, table, toast } from '../ui';

/** Whom a report covers: a tenant, the site, or every tenant. */
function coverage(r: api.Report): string {
  if (r.tenant === null || r.tenant === undefined) return t('report.allTenants');
  return r.tenant || t('report.site');
}

/** The reports page (`#/reports`). */
export function renderReports(root: HTMLElement): void {
  const period = h(
    'select',
    { name: 'period' },
    (
      [
        ['24h', 'period.day'],
        ['7d', 'period.week'],
        ['30d', 'period.month'],
      ] as const
    ).map(([v, k]) => h('option', { value: v }, t(k))),
  );
  const format = h('select', { name: 'format' }, ['html', 'md', 'json'].map((f) => h('option', { value: f }, f.toUpperCase())));
  const list = h('div');
  const draw = () =>
    fill(list, async () =>
      table(await api.reports(), [
        { head: t('report.tenant'), cell: coverage },
        { head: t('report.period'), cell: (r) => r.period },
        { head: t('report.format'), cell: (r) => r.format.toUpperCase() },
        { head: t('report.created'), cell: (r) => formatTime(r.created) },
        { head: '', cell: (r) => h('a', { href: r.download, download: '', 'data-report': String(r.id) }, t('action.download')) },
      ]),
    );
  mount(
    root,
    panel(
      t('report.title'),
      h(
        'form',
        {
          class: 'filters',
          on: {
            submit: async (e) => {
              e.preventDefault();
              try {
                await api.generateReport(period.value, format.value, lang());
                toast(t('report.generated'));
                void draw();
              } catch (err) {
                toast(errorState(err).textContent ?? String(err), 'error');
              }
            },
          },
        },
        h('label', null, t('report.period'), ' ', period),
        h('label', null, t('report.format'), ' ', format),
        h('button', { type: 'submit', 'data-action': 'generate' }, t('report.generate')),
      ),
      list,
    ),
  );
  void draw();
}

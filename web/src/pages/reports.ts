// Reports: generate one for a period in a format and language, and
// download it. The server keeps generated reports for download but lists
// none, so the page shows those made in this browser session.
import * as api from '../api';
import { h, mount } from '../dom';
import { formatTime } from '../format';
import { lang, t } from '../i18n';
import { errorState, panel, table, toast } from '../ui';

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
    mount(
      list,
      table(api.reports(), [
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
                draw();
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
  draw();
}

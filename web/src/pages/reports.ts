// Reports: generate one for a period, download those already made.
import * as api from '../api';
import { h, mount } from '../dom';
import { formatTime } from '../format';
import { t } from '../i18n';
import { errorState, fill, panel, table, toast } from '../ui';

/** The reports page (`#/reports`). */
export function renderReports(root: HTMLElement): void {
  const period = h(
    'select',
    { name: 'period' },
    (['day', 'week', 'month'] as const).map((p) => h('option', { value: p }, t(`period.${p}`))),
  );
  const format = h('select', { name: 'format' }, ['html', 'json'].map((f) => h('option', { value: f }, f.toUpperCase())));
  const list = h('div');
  const load = async () => {
    const items = await api.reports();
    return table(items, [
      { head: t('report.name'), cell: (r) => r.name ?? String(r.id) },
      { head: t('report.period'), cell: (r) => r.period ?? '' },
      { head: t('report.format'), cell: (r) => (r.format ?? '').toUpperCase() },
      { head: t('report.created'), cell: (r) => formatTime(r.created) },
      { head: '', cell: (r) => h('a', { href: api.reportUrl(r.id), download: '' }, t('action.download')) },
    ]);
  };
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
                await api.generateReport(period.value, format.value);
                toast(t('report.generated'));
                void fill(list, load);
              } catch (err) {
                toast(errorState(err).textContent ?? String(err), 'error');
              }
            },
          },
        },
        h('label', null, t('report.period'), ' ', period),
        h('label', null, t('report.format'), ' ', format),
        h('button', { type: 'submit' }, t('report.generate')),
      ),
      list,
    ),
  );
  void fill(list, load);
}

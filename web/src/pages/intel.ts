// Intel: the indicators Taishi matches, with where each came from
// (feeds, imports, verified public reports and their credited reporters).
import * as api from '../api';
import { h, mount } from '../dom';
import { formatTime } from '../format';
import { t } from '../i18n';
import { navigate, type Route } from '../router';
import { fill, pager, panel, table } from '../ui';
import { uploadForm } from './upload';

const PAGE = 100;

/** The indicator list (`#/intel?q=&offset=`). */
export function renderIntel(root: HTMLElement, route: Route): void {
  const q = route.query.get('q') ?? '';
  const offset = Math.max(0, Number(route.query.get('offset') ?? 0) || 0);
  const search = h('input', { type: 'search', name: 'q', value: q });
  const list = h('div');
  const go = (nq: string, o: number) => navigate(`/intel?${new URLSearchParams({ q: nq, offset: String(o) }).toString()}`);
  const source = h('input', { name: 'source', required: true, maxlength: 100, placeholder: t('intel.sourceName') });
  const upload = uploadForm(
    ['txt', 'csv', 'json'],
    source,
    async (file, format) => {
      const r = await api.importIntel(file, source.value.trim(), format);
      return t('upload.intel', { n: r.imported, bad: r.bad, skipped: r.skipped });
    },
    () => void fill(list, load),
  );
  mount(
    root,
    panel(
      t('nav.intel'),
      h('form', { class: 'filters', on: { submit: (e) => (e.preventDefault(), go(search.value.trim(), 0)) } }, search, h('button', { type: 'submit' }, t('action.search'))),
      upload,
      list,
    ),
  );
  const load = async () => {
    const page = await api.intel({ q: q || undefined, limit: PAGE, offset });
    return [
      table(page.items, [
        { head: t('intel.indicator'), cell: (i) => h('code', null, i.value) },
        { head: t('intel.type'), cell: (i) => i.kind ?? '' },
        { head: t('intel.source'), cell: (i) => i.source ?? '' },
        { head: t('intel.provenance'), cell: (i) => (i.tags ?? []).join(', ') },
        { head: t('intel.confidence'), cell: (i) => (i.confidence === undefined ? '' : String(i.confidence)) },
        { head: t('intel.added'), cell: (i) => formatTime(i.first_seen) },
        { head: t('intel.lastSeen'), cell: (i) => formatTime(i.last_seen) },
      ]),
      pager(offset, PAGE, page.total, (o) => go(q, o)),
    ];
  };
  void fill(list, load);
}

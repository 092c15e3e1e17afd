// Public submissions: the triage queue. Each input is classified into one of
// six kinds, each with its required response and deadline, and answered;
// the answer is what the reporter sees at /report/status/CODE.
import * as api from '../api';
import { h, mount } from '../dom';
import { TRIAGE_KINDS, deadlineOf, formatTime, isOverdue } from '../format';
import { t, tOr } from '../i18n';
import { navigate, type Route } from '../router';
import { errorState, fill, pager, panel, statusBadge, table, toast } from '../ui';
import { LIMITS } from '../validate';
import { deadlineCell } from './overview';

const PAGE = 50;

/** The queue (`#/submissions?status=waiting&offset=`), or one submission (`#/submissions/ID`). */
export function renderSubmissions(root: HTMLElement, route: Route): void {
  const id = route.parts[1];
  const status = route.query.get('status') ?? 'waiting';
  const offset = Math.max(0, Number(route.query.get('offset') ?? 0) || 0);
  const go = (s: string, o: number) => navigate(`/submissions?${new URLSearchParams({ status: s, offset: String(o) }).toString()}`);
  const sel = h(
    'select',
    { name: 'status', on: { change: (e) => go((e.target as HTMLSelectElement).value, 0) } },
    h('option', { value: 'waiting', selected: status === 'waiting' }, t('sub.filterWaiting')),
    h('option', { value: '', selected: status === '' }, t('sub.filterAll')),
  );
  const list = h('div');
  mount(root, panel(t('nav.submissions'), h('div', { class: 'filters' }, sel), list));
  const load = async () => {
    const page = await api.submissions({ status: status || undefined, limit: PAGE, offset });
    const now = Date.now();
    // Most urgent first: a queue is worked from its deadline.
    const rows = page.items.slice().sort((a, b) => (deadlineOf(a) ?? Infinity) - (deadlineOf(b) ?? Infinity));
    return [
      rows.length === 0
        ? table([], [])
        : h(
            'div',
            { class: 'queue' },
            rows.map((s) => card(s, now, id !== undefined && String(s.id) === id, () => void fill(list, load))),
          ),
      pager(offset, PAGE, page.total, (o) => go(status, o)),
    ];
  };
  void fill(list, load);
}

function card(s: api.Submission, now: number, focused: boolean, reload: () => void): HTMLElement {
  const triage = h(
    'select',
    { name: 'triage', required: true },
    h('option', { value: '' }, t('sub.chooseTriage')),
    TRIAGE_KINDS.map((k) =>
      h('option', { value: k, selected: s.triage === k }, `${t(`triage.${k}`)} → ${t(`response.${k}`)}`),
    ),
  );
  const answer = h('textarea', { name: 'answer', rows: 3, maxlength: LIMITS.description }, s.public_answer ?? '');
  const note = h('input', { name: 'note', maxlength: 2000, value: s.internal_note ?? '', placeholder: t('sub.notePlaceholder') });
  const requiredText = (k: string) => (k ? t('sub.required', { r: tOr(`response.${k}`, k) }) : '');
  const required = h('div', { class: 'muted' }, requiredText(s.triage ?? ''));
  triage.addEventListener('change', () => (required.textContent = requiredText(triage.value)));
  // A verified threat report becomes an intel indicator, the reporter
  // credited when they asked to be; the server does the conversion.
  const verified = s.kind === 'threat' ? h('input', { type: 'checkbox', name: 'verified', checked: s.verified === true }) : null;
  const overdue = isOverdue(s, now);
  const el = h(
    'article',
    {
      class: `sub-card${overdue ? ' overdue' : ''}${focused ? ' focused' : ''}`,
      'data-code': s.tracking_code,
      'data-id': String(s.id),
      'data-status': s.status,
    },
    h(
      'header',
      null,
      h('span', { class: 'kind' }, tOr(`kind.${s.kind}`, s.kind ?? '')),
      ' ',
      statusBadge('substatus', s.status),
      ' ',
      h('code', null, s.tracking_code),
      h('span', { class: 'deadline' }, deadlineCell(s, now)),
    ),
    h('h3', null, s.title),
    h('p', { class: 'desc' }, s.description),
    h(
      'dl',
      { class: 'facts' },
      s.indicator ? [h('dt', null, t('sub.indicator')), h('dd', null, h('code', null, s.indicator))] : null,
      s.contact ? [h('dt', null, t('sub.contact')), h('dd', null, s.contact)] : null,
      s.credit ? [h('dt', null, t('sub.credit')), h('dd', null, s.credit)] : null,
      [h('dt', null, t('sub.received')), h('dd', null, formatTime(s.created))],
      s.routed_to ? [h('dt', null, t('sub.routedTo')), h('dd', null, `${s.routed_to}${s.asset ? ` (${s.asset})` : ''}`)] : null,
      s.handler ? [h('dt', null, t('sub.handler')), h('dd', null, s.handler)] : null,
      s.answered_at ? [h('dt', null, t('sub.answer')), h('dd', null, t('sub.answered', { time: formatTime(s.answered_at) }))] : null,
    ),
    h(
      'form',
      {
        class: 'triage',
        'data-write': true,
        on: {
          submit: async (e) => {
            e.preventDefault();
            if (!triage.value) {
              toast(t('valid.required', { field: t('sub.triage') }), 'error');
              return;
            }
            const text = answer.value.trim();
            try {
              // Classifying sets the deadline (and files intel or routes a
              // vulnerability); answering needs a classification first.
              const changed =
                triage.value !== s.triage || (verified !== null && verified.checked !== (s.verified === true)) || note.value.trim() !== (s.internal_note ?? '');
              if (changed) {
                const r = await api.triageSubmission(s.id, {
                  kind: triage.value,
                  verified: verified?.checked ?? false,
                  note: note.value.trim() || undefined,
                });
                if (r.intel_indicators > 0) toast(t('sub.intelFiled', { n: r.intel_indicators }));
                if (r.routed_to) toast(t('sub.routed', { owner: r.routed_to }));
              }
              if (text && text !== (s.public_answer ?? '')) await api.answerSubmission(s.id, text);
              toast(t('incident.saved'));
              reload();
            } catch (err) {
              toast(errorState(err).textContent ?? String(err), 'error');
            }
          },
        },
      },
      h('label', null, t('sub.triage'), ' ', triage),
      required,
      verified ? h('label', null, verified, ' ', t('sub.verified')) : null,
      h('label', { class: 'block' }, t('sub.note'), note),
      h('label', { class: 'block' }, t('sub.answer'), answer),
      h('button', { type: 'submit', 'data-action': 'triage' }, t('sub.save')),
    ),
  );
  if (focused) queueMicrotask(() => el.scrollIntoView({ block: 'center' }));
  return el;
}

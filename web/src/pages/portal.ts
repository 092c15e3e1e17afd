// The public portal (no login): report a threat, a vulnerability or give
// feedback; follow a report by its tracking code; the acknowledgements board.
import * as api from '../api';
import { h, mount } from '../dom';
import { formatTime } from '../format';
import { t, tOr } from '../i18n';
import type { PortalRoute } from '../router';
import { errorState, fill, loading, statusBadge } from '../ui';
import { LIMITS, cleanSubmission, isTrackingCode, normaliseCode, validateSubmission, type Field } from '../validate';

/** Renders a portal page into `root`. */
export function renderPortal(root: HTMLElement, route: PortalRoute): void {
  if (route.page === 'status') renderStatus(root, route.code);
  else if (route.page === 'acks') renderAcks(root);
  else renderForm(root);
}

function lookupForm(): HTMLElement {
  const code = h('input', { name: 'code', maxlength: 64, placeholder: t('sub.code'), autocomplete: 'off' });
  const err = h('span', { class: 'field-error' });
  return h(
    'form',
    {
      class: 'lookup',
      on: {
        submit: (e) => {
          e.preventDefault();
          const v = normaliseCode(code.value);
          if (!isTrackingCode(v)) {
            err.textContent = t('valid.code');
            return;
          }
          location.assign(`/report/status/${encodeURIComponent(v)}`);
        },
      },
    },
    h('label', null, t('portal.lookup'), ' ', code),
    h('button', { type: 'submit' }, t('portal.lookupButton')),
    err,
  );
}

function renderForm(root: HTMLElement): void {
  const kinds = ['threat', 'vulnerability', 'feedback'] as const;
  const errors = new Map<Field, HTMLElement>();
  const errEl = (f: Field) => {
    const el = h('div', { class: 'field-error', id: `err-${f}`, 'aria-live': 'polite' });
    errors.set(f, el);
    return el;
  };
  const kindInputs = kinds.map((k) =>
    h('label', { class: 'radio' }, h('input', { type: 'radio', name: 'kind', value: k, checked: k === 'threat' }), ' ', t(`kind.${k}`)),
  );
  const title = h('input', { name: 'title', maxlength: LIMITS.title, required: true, 'aria-describedby': 'err-title' });
  const description = h('textarea', { name: 'description', rows: 8, maxlength: LIMITS.description, required: true, 'aria-describedby': 'err-description' });
  const indicator = h('input', { name: 'indicator', maxlength: LIMITS.indicator, 'aria-describedby': 'err-indicator' });
  const contact = h('input', { name: 'contact', maxlength: LIMITS.contact, 'aria-describedby': 'err-contact' });
  const credit = h('input', { name: 'credit', maxlength: LIMITS.credit, 'aria-describedby': 'err-credit' });
  const result = h('div', { class: 'result', 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit' }, t('portal.submit'));

  const form = h(
    'form',
    { class: 'portal-form', novalidate: true },
    h('fieldset', null, h('legend', null, t('portal.kind')), kindInputs, errEl('kind')),
    h('label', { class: 'block' }, t('portal.title.label'), title, errEl('title')),
    h('label', { class: 'block' }, t('portal.description'), description, errEl('description')),
    h('label', { class: 'block' }, t('portal.indicator'), indicator, errEl('indicator')),
    h('label', { class: 'block' }, t('portal.contact'), contact, errEl('contact')),
    h('label', { class: 'block' }, t('portal.credit'), credit, errEl('credit')),
    submit,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const kind = (form.querySelector('input[name=kind]:checked') as HTMLInputElement | null)?.value as api.SubmissionKind | undefined;
    const draft = {
      kind: kind ?? ('' as api.SubmissionKind),
      title: title.value,
      description: description.value,
      indicator: indicator.value,
      contact: contact.value,
      credit: credit.value,
    };
    const problems = validateSubmission(draft);
    for (const [f, el] of errors) el.textContent = problems[f] ?? '';
    if (Object.keys(problems).length > 0) return;
    submit.disabled = true;
    mount(result, loading());
    try {
      const code = await api.submitPublic(cleanSubmission(draft));
      form.reset();
      mount(
        result,
        h(
          'div',
          { class: 'sent' },
          h('p', null, t('portal.sent')),
          h('p', { class: 'code', 'data-testid': 'tracking-code' }, code),
          h('p', { class: 'muted' }, t('portal.keepCode')),
          h('a', { href: `/report/status/${encodeURIComponent(code)}` }, t('portal.followLink')),
        ),
      );
    } catch (err) {
      // A 400 names the field: show it there as well as above the button.
      if (err instanceof api.ApiError && err.field && errors.has(err.field as Field)) {
        const el = errors.get(err.field as Field);
        if (el) el.textContent = err.message;
      }
      mount(result, errorState(err));
    } finally {
      submit.disabled = false;
    }
  });
  mount(
    root,
    h('section', { class: 'panel' }, h('h1', null, t('portal.title')), h('p', null, t('portal.intro')), form, result),
    h('section', { class: 'panel' }, lookupForm()),
    h('section', { class: 'panel' }, h('h1', null, t('portal.acks')), acksBoard()),
  );
}

function renderStatus(root: HTMLElement, typed: string): void {
  const code = normaliseCode(typed);
  const body = h('div');
  mount(
    root,
    h('section', { class: 'panel' }, h('h1', null, t('portal.statusTitle', { code })), body),
    h('section', { class: 'panel' }, lookupForm(), h('p', null, h('a', { href: '/report' }, t('portal.newReport')))),
  );
  if (!isTrackingCode(code)) {
    mount(body, h('p', { class: 'state error' }, t('valid.code')));
    return;
  }
  void fill(body, async () => {
    let s: api.PublicStatus;
    try {
      s = await api.publicStatus(code);
    } catch (e) {
      if (e instanceof api.ApiError && e.kind === 'not_found') return h('p', { class: 'state error' }, t('portal.unknownCode'));
      throw e;
    }
    return h(
      'div',
      { class: 'status', 'data-status': s.status },
      h(
        'dl',
        { class: 'facts' },
        s.kind ? [h('dt', null, t('sub.kind')), h('dd', null, tOr(`kind.${s.kind}`, s.kind))] : null,
        s.title ? [h('dt', null, t('sub.title')), h('dd', null, s.title)] : null,
        [h('dt', null, t('sub.status')), h('dd', null, statusBadge('substatus', s.status))],
        s.response ? [h('dt', null, t('portal.response')), h('dd', null, responseLabel(s.response))] : null,
        [h('dt', null, t('sub.received')), h('dd', null, formatTime(s.created))],
      ),
      h('h2', null, t('portal.answer')),
      s.answer
        ? h('div', { class: 'answer', 'data-testid': 'answer' }, h('p', { class: 'answer-text' }, s.answer), h('p', { class: 'muted' }, t('sub.answered', { time: formatTime(s.answered_at) })))
        : h('p', { class: 'muted' }, t('portal.noAnswer')),
    );
  });
}

// The server names the response (adopt, help ...); the strings are keyed by triage kind.
const RESPONSE_KIND: Record<string, string> = {
  adopt: 'suggestion',
  help: 'help_request',
  inform: 'uninformed',
  clarify: 'vague',
  resolve: 'grievance',
  correct: 'mistaken',
};

function responseLabel(response: string): string {
  const kind = RESPONSE_KIND[response];
  return kind ? `${t(`triage.${kind}` as 'triage.suggestion')} → ${t(`response.${kind}` as 'response.suggestion')}` : response;
}

/** The acknowledgements board, shown on its own page and under the form. */
export function acksBoard(): HTMLElement {
  const el = h('div');
  void fill(el, async () => {
    const a = await api.acknowledgements();
    return [
      h('h2', null, t('portal.openChallenges')),
      a.open_challenges.length === 0
        ? h('p', { class: 'muted' }, t('state.empty'))
        : h(
            'ul',
            null,
            a.open_challenges.map((c) =>
              h(
                'li',
                null,
                h('b', null, String(c.open)),
                ` × ${c.kind === 'untriaged' ? t('portal.untriaged') : tOr(`triage.${c.kind}`, c.kind)}`,
                c.since ? h('span', { class: 'muted' }, ` (${t('portal.since', { time: formatTime(c.since) })})`) : '',
              ),
            ),
          ),
      h('h2', null, t('portal.credited')),
      a.credited.length === 0
        ? h('p', { class: 'muted' }, t('state.empty'))
        : h(
            'ul',
            { class: 'credited' },
            a.credited.map((c) =>
              h(
                'li',
                null,
                h('b', null, c.name),
                c.kind ? ` — ${tOr(`kind.${c.kind}`, c.kind)}` : '',
                c.date ? h('span', { class: 'muted' }, ` (${formatTime(c.date)})`) : '',
              ),
            ),
          ),
    ];
  });
  return el;
}

function renderAcks(root: HTMLElement): void {
  mount(root, h('section', { class: 'panel' }, h('h1', null, t('portal.acks')), acksBoard()), h('p', null, h('a', { href: '/report' }, t('portal.newReport'))));
}

// Client-side checks of a public report, mirroring the server's so that a
// person learns of a mistake before sending. The server checks again and
// is the authority: its 400 names the field, and the form shows it there.
import type { NewSubmission } from './api';
import { t, type Key } from './i18n';

/** Longest accepted length of each field, in characters. */
export const LIMITS = {
  title: 200,
  description: 10_000,
  indicator: 2_048,
  contact: 200,
  credit: 100,
} as const;

/** Shortest useful description: "help" alone gives the analyst nothing to act on. */
export const MIN_DESCRIPTION = 10;

/** A field of the public form. */
export type Field = keyof typeof LIMITS | 'kind';

const FIELD_LABEL: Record<Field, Key> = {
  kind: 'portal.kind',
  title: 'portal.title.label',
  description: 'portal.description',
  indicator: 'sub.indicator',
  contact: 'sub.contact',
  credit: 'sub.credit',
};

// Control characters other than tab and newline: they have no place in a
// report and are a favourite of log-injection attempts.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}(\/([12]?\d|3[0-2]))?$/;
const IPV6 = /^[0-9a-f:]*:[0-9a-f:.]*(\/\d{1,3})?$/i;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9\u00a1-\uffff]([a-z0-9\u00a1-\uffff-]{0,61}[a-z0-9\u00a1-\uffff])?\.)+[a-z\u00a1-\uffff][a-z0-9\u00a1-\uffff-]{0,62}\.?$/i;
const URL_RE = /^(https?|ftp):\/\/[^\s/$.?#][^\s]*$/i;
const CODE = /^[A-Za-z0-9-]{4,64}$/;

/** Whether `s` is a URL, a domain name, or an IPv4/IPv6 address or network. */
export function isIndicator(s: string): boolean {
  const v = s.trim();
  if (URL_RE.test(v) || IPV4.test(v) || DOMAIN.test(v)) return true;
  return IPV6.test(v) && (v.match(/:/g) ?? []).length >= 2;
}

/** Whether `s` looks like a tracking code (before asking the server). */
export function isTrackingCode(s: string): boolean {
  return CODE.test(s.trim());
}

/** The problems of a report, by field (empty: fine to send). */
export function validateSubmission(s: Partial<NewSubmission>): Partial<Record<Field, string>> {
  const errors: Partial<Record<Field, string>> = {};
  const label = (f: Field) => t(FIELD_LABEL[f]).replace(/\s*[—-]\s*(optional|选填)$/i, '');
  if (s.kind !== 'threat' && s.kind !== 'vulnerability' && s.kind !== 'feedback') errors.kind = t('valid.kind');
  for (const f of ['title', 'description', 'indicator', 'contact', 'credit'] as const) {
    const v = (s[f] ?? '').trim();
    const required = f === 'title' || f === 'description';
    if (!v) {
      if (required) errors[f] = t('valid.required', { field: label(f) });
      continue;
    }
    if ([...v].length > LIMITS[f]) errors[f] = t('valid.tooLong', { field: label(f), n: LIMITS[f] });
    else if (f === 'description' ? CONTROL.test(v) : /[\u0000-\u001f\u007f]/.test(v)) errors[f] = t('valid.control', { field: label(f) });
    else if (f === 'description' && [...v].length < MIN_DESCRIPTION) errors[f] = t('valid.tooShort', { field: label(f), n: MIN_DESCRIPTION });
    else if (f === 'indicator' && !isIndicator(v)) errors[f] = t('valid.indicator');
  }
  return errors;
}

/** The report with its text fields trimmed and empty optional ones dropped, as it is sent. */
export function cleanSubmission(s: NewSubmission): NewSubmission {
  const out: NewSubmission = { kind: s.kind, title: s.title.trim(), description: s.description.trim() };
  for (const f of ['indicator', 'contact', 'credit'] as const) {
    const v = s[f]?.trim();
    if (v) out[f] = v;
  }
  return out;
}

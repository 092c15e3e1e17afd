// Client-side checks of a public report, mirroring the server's so that a
// person learns of a mistake before sending. The server checks again and
// is the authority: its 400 names the field, and the form shows it there.
import type { NewSubmission } from './api';
import { t, type Key } from './i18n';

/** Longest accepted length of each field, in characters (taishi-server `api/public.rs`). */
export const LIMITS = {
  title: 200,
  description: 10_000,
  indicator: 2_000,
  contact: 200,
  credit: 100,
} as const;

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

// Rust's char::is_control: the C0 and C1 control characters and DEL. They
// have no place in a report and are a favourite of log injection. Line
// breaks and tabs are allowed in the description only.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// eslint-disable-next-line no-control-regex
const CONTROL_MULTILINE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
// 16 characters of base32 (A-Z, 2-7), as the server makes them.
const CODE = /^[A-Z2-7]{16}$/;

/** A tracking code as typed, made comparable: capitals, no spaces or dashes. */
export function normaliseCode(s: string): string {
  return s.replace(/[\s-]/g, '').toUpperCase();
}

/** Whether `s` is a well-formed tracking code (before asking the server). */
export function isTrackingCode(s: string): boolean {
  return CODE.test(s);
}

/** The problems of a report, by field (empty: fine to send). */
export function validateSubmission(s: Partial<NewSubmission>): Partial<Record<Field, string>> {
  const errors: Partial<Record<Field, string>> = {};
  const label = (f: Field) => t(FIELD_LABEL[f]).replace(/\s*[—-]\s*(optional|选填)$/i, '');
  if (s.kind !== 'threat' && s.kind !== 'vulnerability' && s.kind !== 'feedback') errors.kind = t('valid.kind');
  // The server checks the text as sent; the form sends it trimmed.
  for (const f of ['title', 'description', 'indicator', 'contact', 'credit'] as const) {
    const v = (s[f] ?? '').trim();
    const required = f === 'title' || f === 'description';
    if (!v) {
      if (required) errors[f] = t('valid.required', { field: label(f) });
      continue;
    }
    if ([...v].length > LIMITS[f]) errors[f] = t('valid.tooLong', { field: label(f), n: LIMITS[f] });
    else if ((f === 'description' ? CONTROL_MULTILINE : CONTROL).test(v)) errors[f] = t('valid.control', { field: label(f) });
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

// Formatting of the values the API sends. Times arrive in several units
// (the store keeps nanoseconds, posture buckets are seconds, some records
// may be ISO strings), so everything goes through `toMillis`.
import { lang, t, tOr } from './i18n';

/** Posture level names, lowest first (as `Level` in taishi-core). */
export const LEVELS = ['green', 'blue', 'yellow', 'orange', 'red'] as const;
/** One of the five posture levels. */
export type LevelName = (typeof LEVELS)[number];

/** The colour each level is painted in (taishi-core `Level::colour`). */
export const LEVEL_COLOURS: Record<LevelName, string> = {
  green: '#2e7d32',
  blue: '#1565c0',
  yellow: '#f9a825',
  orange: '#ef6c00',
  red: '#c62828',
};

/** Default index thresholds of blue, yellow, orange, red (taishi-assess `PostureConfig`). */
export const DEFAULT_THRESHOLDS: [number, number, number, number] = [10, 30, 55, 80];

/** The colour of a level name; unknown names get grey rather than a wrong colour. */
export function levelColour(level: string | undefined): string {
  return (LEVELS as readonly string[]).includes(level ?? '')
    ? LEVEL_COLOURS[level as LevelName]
    : '#757575';
}

/** The level an index maps to under `thresholds` (as `level_of` in taishi-assess). */
export function levelOf(index: number, thresholds = DEFAULT_THRESHOLDS): LevelName {
  if (!Number.isFinite(index)) return 'green';
  let i = 0;
  while (i < 4 && index >= (thresholds[i] ?? Infinity)) i++;
  return LEVELS[i] ?? 'red';
}

/** The translated label of a level. */
export function levelLabel(level: string | undefined): string {
  return tOr(`level.${level}`, level ?? '?');
}

/**
 * Milliseconds since the epoch from a number in s, ms, µs or ns (told apart
 * by magnitude: any date between 1973 and 5138 is read correctly) or an
 * ISO-8601 string. `undefined` when it is neither.
 */
export function toMillis(v: unknown): number | undefined {
  if (typeof v === 'string') {
    if (/^\d+$/.test(v)) return toMillis(Number(v));
    const ms = Date.parse(v);
    return Number.isNaN(ms) ? undefined : ms;
  }
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) return undefined;
  if (v >= 1e17) return v / 1e6;
  if (v >= 1e14) return v / 1e3;
  if (v >= 1e11) return v;
  return v * 1000;
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** `2024-05-01 10:00:00` in local time, or `—` when the value is not a time. */
export function formatTime(v: unknown): string {
  const ms = toMillis(v);
  if (ms === undefined) return '—';
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A duration in ms as `42 min`, `5 h`, `3 d` (rounded, in the current language). */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 3_600_000) return t('time.minutes', { n: Math.max(0, Math.round(abs / 60_000)) });
  if (abs < 172_800_000) return t('time.hours', { n: Math.round(abs / 3_600_000) });
  return t('time.days', { n: Math.round(abs / 86_400_000) });
}

/** A number with the current language's grouping, `—` when absent. */
export function formatNumber(v: unknown, digits = 0): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '—';
  return v.toLocaleString(lang() === 'zh' ? 'zh-CN' : 'en-GB', {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  });
}

/** `10.0.0.5:502` or just the address when there is no port; IPv6 gets brackets. */
export function endpoint(ip: string, port?: number | null): string {
  if (port === undefined || port === null) return ip;
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Industrial protocols as Taishi names them in `app_proto`. */
export const INDUSTRIAL = new Set(['modbus', 'dnp3', 's7comm', 'iec104', 'enip', 'cip', 'bacnet', 'opcua', 'goose', 'mms']);

/** The six triage kinds and the response each requires (issue 7). */
export const TRIAGE_KINDS = ['suggestion', 'help_request', 'uninformed', 'vague', 'grievance', 'mistaken'] as const;
/** A triage kind. */
export type TriageKind = (typeof TRIAGE_KINDS)[number];

/**
 * Response deadlines, hours, used only when the server sends no deadline
 * of its own (the server's are configurable and win). A request for help
 * is the most urgent; a suggestion can wait for a considered answer.
 */
export const FALLBACK_DEADLINE_HOURS: Record<TriageKind | 'untriaged', number> = {
  untriaged: 24,
  help_request: 24,
  grievance: 72,
  mistaken: 48,
  uninformed: 72,
  vague: 72,
  suggestion: 168,
};

/** The fields of a public submission the queue and figures need. */
export interface SubmissionTiming {
  created?: unknown;
  deadline?: unknown;
  answered_at?: unknown;
  triage?: string | null;
  status?: string;
  /** The server's verdict, when it sends one. */
  overdue?: boolean;
}

/** The deadline of a submission in ms: the server's, else received + fallback hours. */
export function deadlineOf(s: SubmissionTiming): number | undefined {
  const given = toMillis(s.deadline);
  if (given !== undefined) return given;
  const created = toMillis(s.created);
  if (created === undefined) return undefined;
  const kind = (s.triage ?? 'untriaged') as TriageKind | 'untriaged';
  const hours = FALLBACK_DEADLINE_HOURS[kind] ?? FALLBACK_DEADLINE_HOURS.untriaged;
  return created + hours * 3_600_000;
}

/** Whether a submission still waits for its answer. */
export function isWaiting(s: SubmissionTiming): boolean {
  return toMillis(s.answered_at) === undefined && s.status !== 'answered' && s.status !== 'closed';
}

/** Whether a waiting submission is past its deadline at `now`. */
export function isOverdue(s: SubmissionTiming, now: number): boolean {
  if (typeof s.overdue === 'boolean') return s.overdue;
  const d = deadlineOf(s);
  return isWaiting(s) && d !== undefined && now > d;
}

/** Response-time figures for the Overview. */
export interface ResponseFigures {
  waiting: number;
  overdue: number;
  answered: number;
  /** Median time from receipt to answer, ms (undefined with no answer yet). */
  medianMs?: number;
  /** Share of answered submissions answered by their deadline, 0..1. */
  inTime?: number;
}

/** Response-time figures of a set of submissions at `now`. */
export function responseFigures(subs: SubmissionTiming[], now: number): ResponseFigures {
  const durations: number[] = [];
  let waiting = 0;
  let overdue = 0;
  let inTime = 0;
  for (const s of subs) {
    if (isWaiting(s)) {
      waiting++;
      if (isOverdue(s, now)) overdue++;
      continue;
    }
    const created = toMillis(s.created);
    const answered = toMillis(s.answered_at);
    if (created === undefined || answered === undefined) continue;
    durations.push(answered - created);
    const d = deadlineOf(s);
    if (d === undefined || answered <= d) inTime++;
  }
  durations.sort((a, b) => a - b);
  const n = durations.length;
  const medianMs =
    n === 0 ? undefined : n % 2 === 1 ? durations[(n - 1) / 2] : ((durations[n / 2 - 1] ?? 0) + (durations[n / 2] ?? 0)) / 2;
  return { waiting, overdue, answered: n, medianMs, inTime: n === 0 ? undefined : inTime / n };
}

/** The fields of an asset risk is computed from. */
export interface RiskInput {
  criticality?: number;
  cii?: boolean;
  vulns?: { cvss?: number }[];
  risk?: number;
}

/**
 * Risk, 0..100, when the server sends none: criticality (1..5) scaled by
 * exposure (the worst CVSS among its matched vulnerabilities) and by open
 * incidents against it. A vital asset with a critical hole under attack
 * reads near 100; a low asset with nothing known reads under 10.
 */
export function riskOf(a: RiskInput, openIncidents = 0): number {
  if (typeof a.risk === 'number' && Number.isFinite(a.risk)) return Math.max(0, Math.min(100, a.risk));
  const crit = Math.max(1, Math.min(5, a.criticality ?? 2)) * (a.cii ? 1.2 : 1);
  const worst = Math.max(0, ...(a.vulns ?? []).map((v) => v.cvss ?? 0));
  const exposure = 1 + worst / 10;
  const attack = 1 + Math.min(openIncidents, 3) / 3;
  // 6 × 2 × 2 is the largest product: map it to 100.
  return Math.round(Math.min(100, ((crit * exposure * attack) / 24) * 100));
}

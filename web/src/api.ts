// Every call to the Taishi server goes through this module, so adjusting to
// the server's shapes is one place. Types follow the serde types of
// crates/taishi-core (domain/, control.rs), taishi-assess's posture
// `Summary` and crates/taishi-server/src/api; the normalisers below accept
// both a bare array and `{items, total}`.

/** Why a call failed, as the pages tell it. */
export type ErrorKind =
  | 'unreachable'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'invalid'
  | 'rate_limited'
  | 'server';

/** A failed call: its kind, HTTP status (0 when no answer), the server's message and the field it named. */
export class ApiError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** A page of a list. */
export interface Page<T> {
  items: T[];
  total: number;
}

/** A posture level name. */
export type Level = 'green' | 'blue' | 'yellow' | 'orange' | 'red';

/** taishi-core `Scope`. */
export interface Scope {
  kind: 'service' | 'host' | 'zone' | 'organisation';
  key: string;
}

/** taishi-core `PosturePoint`. */
export interface PosturePoint {
  scope: Scope;
  bucket: number;
  width: number;
  index: number;
  level: Level;
  forecast?: boolean;
}

/** taishi-assess `Contribution`. */
export interface Contribution {
  key: string;
  label: string;
  raw: number;
  share: number;
  alerts: number;
}

/** taishi-assess `Explanation`. */
export interface Explanation {
  bucket: number;
  raw: number;
  index: number;
  incidents: Contribution[];
  hosts: Contribution[];
  services: Contribution[];
}

/** taishi-assess posture `Summary` (what `taishi posture --json` prints). */
export interface PostureSummary {
  scope: Scope;
  bucket_secs: number;
  as_of: number | null;
  level: Level;
  index: number;
  trend: { direction: 'rising' | 'steady' | 'falling'; slope: number; change: number; buckets: number };
  previous_level: Level;
  explanation: Explanation;
  peak?: PosturePoint | null;
  series: PosturePoint[];
  forecast: PosturePoint[];
  forecast_method?: string;
  backtest?: { mae?: number | null; naive_mae?: number | null; horizon?: number };
  /** Index thresholds of blue, yellow, orange, red, when the server sends them. */
  thresholds?: [number, number, number, number];
}

/** A posture figure in the drill-down (taishi-server `Point`). */
export interface DrillPoint {
  kind: Scope['kind'];
  key: string;
  bucket: number;
  index: number;
  level: Level;
}

/** A scope and its children, most threatened first. */
export interface Drill {
  node: DrillPoint | null;
  items: DrillPoint[];
}

/** taishi-core `IncidentNote`. */
export interface IncidentNote {
  ts: number;
  author: string;
  text: string;
}

/** taishi-core incident status. */
export type IncidentStatus = 'new' | 'acknowledged' | 'investigating' | 'resolved' | 'false_positive';

/** taishi-core `Incident`. */
export interface Incident {
  id: number;
  tenant?: string;
  title: string;
  attackers: string[];
  victims: string[];
  techniques: string[];
  stages: string[];
  severity: number;
  grade: string;
  category: string;
  status: IncidentStatus;
  assignee?: string | null;
  notes?: IncidentNote[];
  first_seen: number;
  last_seen: number;
  alert_count: number;
  max_criticality?: number;
  /** Ids of stored incidents folded into this one (they no longer exist). */
  merged?: number[];
}

/** taishi-core `AlertRow`. */
export interface AlertRow {
  id: number;
  ts: number;
  flow_id?: number | null;
  src_ip: string;
  src_port?: number | null;
  dest_ip: string;
  dest_port?: number | null;
  proto: string;
  app_proto?: string | null;
  gid: number;
  sid: number;
  rev: number;
  signature: string;
  category: string;
  severity: number;
  techniques: string[];
  tactics: string[];
  attacker: string;
  victim: string;
  incident_id?: number | null;
  record?: unknown;
}

/** taishi-core `FlowRow`. */
export interface FlowRow {
  id: number;
  start: number;
  end: number;
  src_ip: string;
  src_port?: number | null;
  dest_ip: string;
  dest_port?: number | null;
  proto: string;
  app_proto?: string | null;
  pkts: number;
  bytes_toserver: number;
  bytes_toclient: number;
  state: string;
  alerted: boolean;
}

/** taishi-core `Asset` (the fields the console shows). */
export interface Asset {
  address: string;
  name?: string;
  owner?: string;
  tenant?: string;
  sector?: string;
  criticality?: number;
  cii?: boolean;
  zone?: string;
  role?: string;
  origin?: 'declared' | 'discovered' | 'both';
  services?: { port: number; transport: string; app_proto?: string; software?: string }[];
  software?: { product: string; version?: string; source: string }[];
  vulns?: { id: string; cvss: number; software: string }[];
  os_hint?: string;
  ics_role?: string;
  first_seen?: number;
  last_seen?: number;
  /** Risk 0..100 when the server computes it. */
  risk?: number;
}

/** An intel indicator (taishi-detect `Indicator`). */
export interface Indicator {
  value: string;
  /** `ipv4`, `ipv6`, `domain`, `url`, `sha256` ... */
  kind?: string;
  /** Feed or import it came from (`public:CODE` for a verified public report). */
  source?: string;
  confidence?: number;
  tags?: string[];
  first_seen?: number | null;
  last_seen?: number | null;
  expiry?: number | null;
}

/** Public submission kinds. */
export type SubmissionKind = 'threat' | 'vulnerability' | 'feedback';

/** Submission states (taishi-core `SubmissionStatus`). */
export type SubmissionStatus = 'received' | 'triaged' | 'answered';

/** A public submission as the triage queue sees it (taishi-core `Submission` + deadline). */
export interface Submission {
  id: number;
  tracking_code: string;
  kind?: SubmissionKind | null;
  title: string;
  description: string;
  indicator?: string | null;
  contact?: string | null;
  credit?: string | null;
  status: SubmissionStatus | string;
  triage?: string | null;
  verified?: boolean;
  public_answer?: string | null;
  internal_note?: string | null;
  /** For a vulnerability: the asset and the owner it was routed to. */
  asset?: string | null;
  routed_to?: string | null;
  handler?: string | null;
  created?: number;
  triaged_at?: number | null;
  answered_at?: number | null;
  /** The deadline (the server's, from the triage kind). */
  deadline?: number | null;
  due?: number | null;
  /** Whether it is past its deadline unanswered, by the server's clock. */
  overdue?: boolean;
}

/** The queue's response-time figures (`GET /submissions/stats`). */
export interface SubmissionStats {
  open: number;
  overdue: number;
  answered: number;
  median_response_secs?: number | null;
  p90_response_secs?: number | null;
}

/** What the public sees of a submission. */
export interface PublicStatus {
  tracking_code: string;
  kind?: SubmissionKind | null;
  title?: string;
  status: string;
  /** What the answer does: adopt, help, inform, clarify, resolve, correct. */
  response?: string | null;
  created?: number;
  answered_at?: number | null;
  answer?: string | null;
}

/** The public acknowledgements board. */
export interface Acknowledgements {
  /** What is still open, by triage kind (counts and age only). */
  open_challenges: { title?: string; kind: string; open: number; since?: number }[];
  /** Reporters of verified reports who asked for credit. */
  credited: { name: string; kind?: string | null; date?: number }[];
}

/** A user of the console. */
export interface User {
  id?: number;
  username: string;
  role: string;
  tenant?: string;
  disabled?: boolean;
}

/** An API token (its secret only once, at creation). */
export interface Token {
  id: number;
  user_id?: number;
  name: string;
  created?: number;
  last_used?: number | null;
  token?: string;
}

/** A generated report, as the server keeps it. */
export interface Report {
  id: number;
  period: string;
  format: string;
  /** Where to download it. */
  download: string;
  /** When it was made (ns). */
  created?: number;
  /** The tenant it is cut to (`null`: every tenant). */
  tenant?: string | null;
}

/** An audit-log entry. */
export interface AuditEntry {
  id: number;
  ts: number;
  actor: string;
  action: string;
  target?: string;
  detail?: string;
  hash?: string;
}

/** The audit chain check (`GET /audit/verify`). */
export interface AuditVerification {
  entries: number;
  last_hash: string;
  broken?: unknown;
}

const BASE = '/api/v1';
const CSRF_KEY = 'taishi.csrf';
let csrf: string | null = null;

function storedCsrf(): string | null {
  if (csrf) return csrf;
  try {
    csrf = globalThis.sessionStorage?.getItem(CSRF_KEY) ?? null;
  } catch {
    csrf = null;
  }
  return csrf;
}

/** Remembers the CSRF token for this tab (a reload keeps the session cookie, so it must keep the token too). */
export function setCsrf(token: string | null): void {
  csrf = token;
  try {
    if (token) globalThis.sessionStorage?.setItem(CSRF_KEY, token);
    else globalThis.sessionStorage?.removeItem(CSRF_KEY);
  } catch {
    // Kept in memory only.
  }
}

function kindOf(status: number, unreachableHeader: boolean): ErrorKind {
  if (unreachableHeader || status === 502 || status === 503 || status === 504) return 'unreachable';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 429) return 'rate_limited';
  if (status >= 400 && status < 500) return 'invalid';
  return 'server';
}

/** Options of one request. */
export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** A JSON body. */
  body?: unknown;
  /** A file body (an upload), sent as is with its content type. */
  file?: Blob;
  query?: Record<string, string | number | undefined | null>;
  signal?: AbortSignal;
}

/** The URL of an API path with its query (empty values dropped). */
export function apiUrl(path: string, query?: RequestOptions['query']): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  }
  const qs = params.toString();
  return `${BASE}${path}${qs ? `?${qs}` : ''}`;
}

/** Sends one request and returns the parsed JSON (undefined for 204), or throws an `ApiError`. */
export async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const method = opts.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  else if (opts.file) headers['content-type'] = opts.file.type || 'application/octet-stream';
  const token = storedCsrf();
  if (method !== 'GET' && token) headers['x-csrf-token'] = token;
  let res: Response;
  try {
    res = await fetch(apiUrl(path, opts.query), {
      method,
      headers,
      body: opts.body === undefined ? opts.file : JSON.stringify(opts.body),
      credentials: 'same-origin',
      signal: opts.signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError('unreachable', 0, e instanceof Error ? e.message : String(e));
  }
  const text = await res.text().catch(() => '');
  let body: unknown = undefined;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
  }
  if (!res.ok) {
    const obj = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    const message =
      typeof obj.error === 'string'
        ? obj.error
        : typeof obj.message === 'string'
          ? obj.message
          : text.slice(0, 200) || `HTTP ${res.status}`;
    const field = typeof obj.field === 'string' ? obj.field : undefined;
    throw new ApiError(kindOf(res.status, res.headers.get('x-taishi-unreachable') === '1'), res.status, message, field);
  }
  if (text && body === undefined) {
    // A 200 that is not JSON is most likely an HTML page from something
    // that is not Taishi (a captive portal, a wrong proxy).
    throw new ApiError('server', res.status, 'the answer is not JSON');
  }
  return body as T;
}

/** Accepts a bare array or `{items, total}` (or `{items}`), so list endpoints can evolve. */
export function asPage<T>(body: unknown): Page<T> {
  if (Array.isArray(body)) return { items: body as T[], total: body.length };
  if (body && typeof body === 'object') {
    const o = body as Record<string, unknown>;
    const items = Array.isArray(o.items) ? (o.items as T[]) : [];
    const total = typeof o.total === 'number' ? o.total : items.length;
    return { items, total };
  }
  return { items: [], total: 0 };
}

// ---- session ----

/** The signed-in user and what they may do. */
export interface Me {
  username: string;
  role: string;
  tenant?: string;
  /** May change things (not a viewer). */
  can_write: boolean;
  is_admin: boolean;
}

function asMe(body: unknown): Me {
  const o = (body ?? {}) as Record<string, unknown>;
  const u = (o.user && typeof o.user === 'object' ? o.user : o) as Record<string, unknown>;
  const role = String(u.role ?? 'viewer');
  return {
    username: String(u.username ?? ''),
    role,
    tenant: typeof u.tenant === 'string' ? u.tenant : undefined,
    can_write: typeof o.can_write === 'boolean' ? o.can_write : role !== 'viewer',
    is_admin: typeof o.is_admin === 'boolean' ? o.is_admin : role === 'admin',
  };
}

/** Signs in; remembers the CSRF token. */
export async function login(username: string, password: string): Promise<Me> {
  const r = await request<{ csrf_token: string; user: unknown }>('/auth/login', {
    method: 'POST',
    body: { username, password },
  });
  setCsrf(r.csrf_token);
  // The login answer has the user without the permission flags: ask.
  return me().catch(() => asMe(r.user));
}

/** Signs out (errors ignored: the cookie is dropped client-side either way). */
export async function logout(): Promise<void> {
  try {
    await request('/auth/logout', { method: 'POST' });
  } finally {
    setCsrf(null);
  }
}

/** The signed-in user, or an `unauthorized` error. */
export async function me(): Promise<Me> {
  const r = await request<{ csrf_token?: string }>('/me');
  if (r.csrf_token) setCsrf(r.csrf_token);
  return asMe(r);
}

// ---- posture ----

/** Posture of a scope: `org`, `zone:OT`, `host:10.0.0.5`. */
export function posture(scope = 'org'): Promise<PostureSummary> {
  return request<PostureSummary>('/posture', { query: { scope } });
}

/** A scope and its children (organisation → zones → hosts → services) with their level now. */
export async function drilldown(scope = 'org'): Promise<Drill> {
  const r = await request<Partial<Drill>>('/posture/drilldown', { query: { scope } });
  return { node: r?.node ?? null, items: Array.isArray(r?.items) ? r.items : [] };
}

// ---- incidents ----

/** Statuses of an incident still being handled. */
export const OPEN_STATUSES = 'new,acknowledged,investigating';

/** Filters of the incident list. */
export interface IncidentQuery {
  /** One status, a comma-separated list, or `open`. */
  status?: string;
  /** An attacker or victim address. */
  ip?: string;
  /** `recent` (default) or `severity`. */
  order?: 'recent' | 'severity';
  limit?: number;
  offset?: number;
}

/** A page of incidents. */
export async function incidents(query: IncidentQuery = {}): Promise<Page<Incident>> {
  const status = query.status === 'open' ? OPEN_STATUSES : query.status;
  return asPage<Incident>(await request('/incidents', { query: { ...query, status } }));
}

/** Alerts shown in an incident's timeline at most. */
export const TIMELINE_LIMIT = 1000;

/** An incident with its alerts, oldest first. */
export async function incident(id: number | string): Promise<{ incident: Incident; alerts: AlertRow[]; totalAlerts: number }> {
  const path = `/incidents/${encodeURIComponent(String(id))}`;
  const [body, timeline] = await Promise.all([
    request<Record<string, unknown>>(path),
    request<unknown>(`${path}/timeline`, { query: { limit: TIMELINE_LIMIT } }).catch((e: unknown) => {
      // An older server sends the alerts inline instead.
      if (e instanceof ApiError && e.kind === 'not_found') return undefined;
      throw e;
    }),
  ]);
  const inc = (body.incident ?? body) as Incident;
  const page = asPage<AlertRow>(timeline ?? body.alerts ?? body.timeline ?? []);
  return { incident: inc, alerts: page.items.slice().sort((a, b) => a.ts - b.ts), totalAlerts: page.total };
}

/** Changes an incident's status and/or assignee. */
export function updateIncident(
  id: number | string,
  change: { status?: IncidentStatus; assignee?: string },
): Promise<Incident> {
  return request<Incident>(`/incidents/${encodeURIComponent(String(id))}`, { method: 'PATCH', body: change });
}

/** Adds an analyst's note. */
export function addNote(id: number | string, text: string): Promise<unknown> {
  return request(`/incidents/${encodeURIComponent(String(id))}/notes`, { method: 'POST', body: { text } });
}

// ---- alerts, flows ----

/** Filters of the alert search (the server's names). */
export interface AlertQuery {
  /** Source or destination address. */
  ip?: string;
  /** Signature id. */
  sid?: number;
  /** Severity at most this (1 high .. 4 low). */
  max_severity?: number;
  /** Text the signature, category or ATT&CK technique ids contain. */
  q?: string;
  incident_id?: number;
  since?: string;
  until?: string;
  limit?: number;
  offset?: number;
}

/** A page of alerts, newest first. */
export async function alerts(query: AlertQuery = {}): Promise<Page<AlertRow>> {
  return asPage<AlertRow>(await request('/alerts', { query: { ...query, newest_first: 'true' } }));
}

/** Longest text search the server accepts (characters). */
export const MAX_ALERT_SEARCH = 200;

/**
 * Reads the console's one search box: an address (IPv4/IPv6) searches by
 * address, a number by signature id, `sid:N` too, and anything else is
 * text in the signature, category or technique ids. Text longer than the
 * server accepts is not a search: `undefined`.
 */
export function parseAlertSearch(text: string): Pick<AlertQuery, 'ip' | 'sid' | 'q'> | undefined {
  const v = text.trim();
  if (v === '') return {};
  const sid = /^(?:sid:)?(\d+)$/i.exec(v);
  if (sid?.[1]) {
    const n = Number(sid[1]);
    return sid[1].length <= 10 && n <= 4_294_967_295 ? { sid: n } : undefined;
  }
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(v) || (/^[0-9a-f:.]+$/i.test(v) && v.includes(':') && /\d/.test(v))) return { ip: v };
  return [...v].length <= MAX_ALERT_SEARCH ? { q: v } : undefined;
}

/** A page of flows. */
export async function flows(
  query: { limit?: number; offset?: number; app_proto?: string; ip?: string; since?: string } = {},
): Promise<Page<FlowRow>> {
  return asPage<FlowRow>(await request('/flows', { query: { ...query } }));
}

/** Flows grouped (largest first) with the total they come from. */
export interface FlowSummary {
  group: string;
  total: number;
  items: { key: string; flows: number; bytes: number }[];
}

/** Flow counts by application protocol (or `service`, `src_ip`, `dest_ip`). */
export function flowSummary(query: { group?: string; ip?: string; since?: string; limit?: number } = {}): Promise<FlowSummary> {
  return request<FlowSummary>('/flows/summary', { query: { ...query } });
}

/** Flows of one application protocol (`app_proto`, or the transport when none was recognised). */
export interface ProtocolCount {
  key: string;
  flows: number;
}

/**
 * The protocol mix: flow counts by application protocol over every flow
 * stored. A tenant's users may only search flows by one of their
 * addresses (the server answers 403 naming `ip` otherwise), so for them it
 * is counted from the flows of their most critical hosts, `hosts` at most,
 * `limit` flows in all.
 */
export async function protocolMix(assetsOf: () => Promise<Page<Asset>>, limit = 1000, hosts = 10): Promise<ProtocolCount[]> {
  try {
    const s = await flowSummary({ group: 'app_proto', limit: 50 });
    return s.items.map((i) => ({ key: i.key || 'unknown', flows: i.flows }));
  } catch (e) {
    if (!(e instanceof ApiError && e.kind === 'forbidden' && e.field === 'ip')) throw e;
  }
  const mine = (await assetsOf()).items
    .filter((a) => !a.address.includes('/'))
    .sort((a, b) => (b.criticality ?? 0) - (a.criticality ?? 0))
    .slice(0, hosts);
  const pages = await Promise.all(mine.map((a) => flows({ ip: a.address, limit: Math.ceil(limit / Math.max(1, mine.length)) })));
  const seen = new Map<number, FlowRow>();
  for (const p of pages) for (const f of p.items) seen.set(f.id, f);
  const counts = new Map<string, number>();
  for (const f of seen.values()) {
    const key = f.app_proto && f.app_proto !== 'failed' ? f.app_proto : f.proto.toLowerCase();
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()].map(([key, n]) => ({ key, flows: n })).sort((a, b) => b.flows - a.flows);
}

// ---- assets, intel ----

/** What an asset registry import did. */
export interface AssetsImported {
  imported: number;
  /** Columns no asset field takes. */
  ignored_fields: string[];
}

/** Imports an asset registry file (`csv`, `json` or `yaml`). */
export function importAssets(file: Blob, format: string): Promise<AssetsImported> {
  return request<AssetsImported>('/assets/import', { method: 'POST', query: { format }, file });
}

/** What an intel import did. */
export interface IntelImported {
  imported: number;
  bad: number;
  skipped: number;
}

/** Imports an intel feed (`txt` list, `csv`, or `json`: STIX 2.1 / MISP) under a source name. */
export function importIntel(file: Blob, source: string, format: string): Promise<IntelImported> {
  return request<IntelImported>('/intel/import', { method: 'POST', query: { source, format }, file });
}

/** Assets (registry and discovered). */
export async function assets(query: { origin?: string; limit?: number; offset?: number } = {}): Promise<Page<Asset>> {
  return asPage<Asset>(await request('/assets', { query: { ...query } }));
}

/** One asset. */
export function asset(address: string): Promise<Asset> {
  return request<Asset>(`/assets/${encodeURIComponent(address)}`);
}

/** Intel indicators (`q`: part of the value; `kind`: ipv4, domain, url ...). */
export async function intel(query: { q?: string; kind?: string; limit?: number; offset?: number } = {}): Promise<Page<Indicator>> {
  return asPage<Indicator>(await request('/intel', { query: { ...query } }));
}

// ---- public submissions (console side) ----

/** Submission states still waiting for their answer. */
export const WAITING_STATUSES = 'received,triaged';

/** The triage queue (`status`: a comma-separated list, or `waiting`). */
export async function submissions(query: { status?: string; limit?: number; offset?: number } = {}): Promise<Page<Submission>> {
  const status = query.status === 'waiting' ? WAITING_STATUSES : query.status;
  return asPage<Submission>(await request('/submissions', { query: { ...query, status } }));
}

/** The queue's response-time figures. */
export function submissionStats(): Promise<SubmissionStats> {
  return request<SubmissionStats>('/submissions/stats');
}

/** What triage did besides classifying. */
export interface Triaged {
  submission: Submission;
  /** Intel indicators filed from a verified threat report. */
  intel_indicators: number;
  /** For a vulnerability: the owner unit it was routed to. */
  routed_to?: string | null;
}

/**
 * Classifies a submission into one of the six kinds (which sets its
 * deadline). `verified` on a threat report files its indicator as intel,
 * crediting the reporter; a vulnerability is routed to the asset's owner.
 */
export function triageSubmission(id: number | string, form: { kind: string; verified?: boolean; note?: string }): Promise<Triaged> {
  return request<Triaged>(`/submissions/${encodeURIComponent(String(id))}/triage`, { method: 'POST', body: form });
}

/** Answers a classified submission publicly (plain text, shown at its status page). */
export function answerSubmission(id: number | string, answer: string): Promise<Submission> {
  return request<Submission>(`/submissions/${encodeURIComponent(String(id))}/answer`, { method: 'POST', body: { answer } });
}

// ---- reports ----

/**
 * The generated reports the server still keeps that the caller may read,
 * newest first: a tenant's users see their tenant's (whoever made them),
 * regulators and the site every one.
 */
export async function reports(): Promise<Report[]> {
  const list = await request<Report[]>('/reports');
  return list.map((r) => ({ ...r, download: r.download || apiUrl(`/reports/${r.id}/download`) }));
}

/**
 * Generates a report for a period (`24h`, `7d`, `30d`) in a format (`html`,
 * `md`, `json`) and language: the caller's tenant's, or the whole store's
 * for regulators and the site.
 */
export async function generateReport(period: string, format: string, lang: string): Promise<Report> {
  const r = await request<Report>('/reports', { method: 'POST', body: { period, format, lang } });
  return { ...r, download: r.download || apiUrl(`/reports/${r.id}/download`) };
}

// ---- users, tokens, audit ----

/** Console users. */
export async function users(): Promise<User[]> {
  return asPage<User>(await request('/users')).items;
}

/** Creates a user. */
export function createUser(u: { username: string; role: string; password: string; tenant: string }): Promise<User> {
  return request<User>('/users', { method: 'POST', body: u });
}

/** Enables or disables a user (disabling ends their sessions). */
export function setUserDisabled(id: number, disabled: boolean): Promise<User> {
  return request<User>(`/users/${id}`, { method: 'PATCH', body: { disabled } });
}

/** API tokens. */
export async function tokens(): Promise<Token[]> {
  return asPage<Token>(await request('/tokens')).items;
}

/** Creates an API token; its secret is in the answer, once. */
export function createToken(name: string): Promise<Token> {
  return request<Token>('/tokens', { method: 'POST', body: { name } });
}

/** Revokes an API token. */
export function revokeToken(id: number | string): Promise<unknown> {
  return request(`/tokens/${encodeURIComponent(String(id))}`, { method: 'DELETE' });
}

/** The audit log, newest first. */
export async function audit(query: { limit?: number; offset?: number } = {}): Promise<Page<AuditEntry>> {
  return asPage<AuditEntry>(await request('/audit', { query: { ...query } }));
}

/** Checks the audit log's hash chain. */
export function verifyAudit(): Promise<AuditVerification> {
  return request<AuditVerification>('/audit/verify');
}

// ---- live updates ----

/** Kinds of change the event stream announces. */
export type LiveKind = 'posture' | 'incident' | 'submission';

/**
 * Opens the server-sent event stream; `onChange` gets the kind of each
 * change, `onState` whether the stream is up. EventSource reconnects by
 * itself; `close` ends it.
 */
export function liveEvents(onChange: (kind: LiveKind, data: unknown) => void, onState: (up: boolean) => void): { close(): void } {
  if (typeof EventSource === 'undefined') return { close() {} };
  const es = new EventSource(apiUrl('/events'), { withCredentials: true });
  const handle = (kind: LiveKind) => (ev: MessageEvent) => {
    let data: unknown = undefined;
    try {
      data = JSON.parse(String(ev.data));
    } catch {
      data = ev.data;
    }
    onChange(kind, data);
  };
  for (const kind of ['posture', 'incident', 'submission'] as const) es.addEventListener(kind, handle(kind) as EventListener);
  // Unnamed messages carry their kind inside: {"kind": "posture", ...}.
  es.onmessage = (ev) => {
    try {
      const data = JSON.parse(String(ev.data)) as { kind?: string; type?: string };
      const kind = data.kind ?? data.type;
      if (kind === 'posture' || kind === 'incident' || kind === 'submission') onChange(kind, data);
    } catch {
      // A keep-alive or a comment: nothing to do.
    }
  };
  es.onopen = () => onState(true);
  es.onerror = () => onState(false);
  return { close: () => es.close() };
}

// ---- public portal ----

/** What the public form sends. */
export interface NewSubmission {
  kind: SubmissionKind;
  title: string;
  description: string;
  indicator?: string;
  contact?: string;
  credit?: string;
}

/** Sends a public report; answers its tracking code. */
export async function submitPublic(s: NewSubmission): Promise<string> {
  const r = await request<{ tracking_code: string }>('/public/submissions', { method: 'POST', body: s });
  return r.tracking_code;
}

/** The public status of a report. */
export function publicStatus(code: string): Promise<PublicStatus> {
  return request<PublicStatus>(`/public/submissions/${encodeURIComponent(code)}`);
}

/** The acknowledgements board. */
export async function acknowledgements(): Promise<Acknowledgements> {
  const r = await request<Partial<Acknowledgements>>('/public/acknowledgements');
  return {
    open_challenges: Array.isArray(r?.open_challenges) ? r.open_challenges : [],
    credited: Array.isArray(r?.credited) ? r.credited : [],
  };
}

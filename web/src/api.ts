// Every call to the Taishi server goes through this module, so adjusting to
// the server's final shapes is one place. Types follow the serde types of
// crates/taishi-core/src/domain and taishi-assess's posture `Summary`;
// fields the server may add are optional and the normalisers below accept
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

/** One child in the posture drill-down. */
export interface DrilldownRow {
  scope: Scope;
  index: number;
  level: Level;
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

/** An intel indicator. */
export interface Indicator {
  id?: number | string;
  value: string;
  kind?: string;
  source?: string;
  provenance?: string;
  confidence?: number;
  added?: number | string;
  description?: string;
}

/** Public submission kinds. */
export type SubmissionKind = 'threat' | 'vulnerability' | 'feedback';

/** A public submission as the triage queue sees it. */
export interface Submission {
  id: number | string;
  tracking_code: string;
  kind: SubmissionKind;
  title: string;
  description: string;
  indicator?: string | null;
  contact?: string | null;
  credit?: string | null;
  status: string;
  triage?: string | null;
  answer?: string | null;
  created?: number | string;
  deadline?: number | string | null;
  answered_at?: number | string | null;
}

/** What the public sees of a submission. */
export interface PublicStatus {
  tracking_code: string;
  kind?: SubmissionKind;
  title?: string;
  status: string;
  answer?: string | null;
  created?: number | string;
  answered_at?: number | string | null;
}

/** The public acknowledgements board. */
export interface Acknowledgements {
  open_challenges: { title: string; description?: string; since?: number | string }[];
  credited: { name: string; title?: string; kind?: string; date?: number | string }[];
}

/** A user of the console. */
export interface User {
  username: string;
  role: string;
  tenant?: string;
  created?: number | string;
}

/** An API token (its secret only once, at creation). */
export interface Token {
  id: number | string;
  name: string;
  created?: number | string;
  last_used?: number | string | null;
  token?: string;
}

/** A generated report. */
export interface Report {
  id: number | string;
  name?: string;
  period?: string;
  format?: string;
  created?: number | string;
}

/** An audit-log entry. */
export interface AuditEntry {
  id?: number;
  ts: number | string;
  actor: string;
  action: string;
  target?: string;
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
  body?: unknown;
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
  const token = storedCsrf();
  if (method !== 'GET' && token) headers['x-csrf-token'] = token;
  let res: Response;
  try {
    res = await fetch(apiUrl(path, opts.query), {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
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

/** The signed-in user. */
export interface Me {
  username: string;
  role: string;
  tenant?: string;
}

/** Signs in; remembers the CSRF token. */
export async function login(username: string, password: string): Promise<Me> {
  const r = await request<{ csrf_token: string; user: Me }>('/auth/login', {
    method: 'POST',
    body: { username, password },
  });
  setCsrf(r.csrf_token);
  return r.user;
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
  const r = await request<Me & { user?: Me; csrf_token?: string }>('/me');
  if (r.csrf_token) setCsrf(r.csrf_token);
  return r.user ?? r;
}

// ---- posture ----

/** Posture of a scope: `org`, `zone:OT`, `host:10.0.0.5`. */
export function posture(scope = 'org'): Promise<PostureSummary> {
  return request<PostureSummary>('/posture', { query: { scope } });
}

/** The children of a scope with their level now. */
export async function drilldown(scope = 'org'): Promise<DrilldownRow[]> {
  return asPage<DrilldownRow>(await request('/posture/drilldown', { query: { scope } })).items;
}

// ---- incidents ----

/** Filters of the incident list. */
export interface IncidentQuery {
  status?: string;
  limit?: number;
  offset?: number;
  q?: string;
}

/** A page of incidents. */
export async function incidents(query: IncidentQuery = {}): Promise<Page<Incident>> {
  return asPage<Incident>(await request('/incidents', { query: { ...query } }));
}

/** An incident with its alerts, oldest first. */
export async function incident(id: number | string): Promise<{ incident: Incident; alerts: AlertRow[] }> {
  const body = await request<Record<string, unknown>>(`/incidents/${encodeURIComponent(String(id))}`);
  const inc = (body.incident ?? body) as Incident;
  const raw = body.alerts ?? body.timeline ?? [];
  const alerts = asPage<AlertRow>(raw).items.slice().sort((a, b) => a.ts - b.ts);
  return { incident: inc, alerts };
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

/** Filters of the alert search. */
export interface AlertQuery {
  q?: string;
  severity?: number | string;
  src_ip?: string;
  dest_ip?: string;
  limit?: number;
  offset?: number;
}

/** A page of alerts. */
export async function alerts(query: AlertQuery = {}): Promise<Page<AlertRow>> {
  return asPage<AlertRow>(await request('/alerts', { query: { ...query } }));
}

/** A page of flows. */
export async function flows(query: { limit?: number; offset?: number; app_proto?: string } = {}): Promise<Page<FlowRow>> {
  return asPage<FlowRow>(await request('/flows', { query: { ...query } }));
}

// ---- assets, intel ----

/** Assets (registry and discovered). */
export async function assets(query: { origin?: string; limit?: number; offset?: number } = {}): Promise<Page<Asset>> {
  return asPage<Asset>(await request('/assets', { query: { ...query } }));
}

/** One asset. */
export function asset(address: string): Promise<Asset> {
  return request<Asset>(`/assets/${encodeURIComponent(address)}`);
}

/** Intel indicators. */
export async function intel(query: { q?: string; limit?: number; offset?: number } = {}): Promise<Page<Indicator>> {
  return asPage<Indicator>(await request('/intel', { query: { ...query } }));
}

// ---- public submissions (console side) ----

/** The triage queue. */
export async function submissions(query: { status?: string; limit?: number; offset?: number } = {}): Promise<Page<Submission>> {
  return asPage<Submission>(await request('/submissions', { query: { ...query } }));
}

/**
 * Classifies a submission into one of the six kinds and answers it;
 * `verified` (threat reports) asks the server to make it an intel indicator.
 */
export function triageSubmission(
  id: number | string,
  change: { triage?: string; answer?: string; status?: string; verified?: boolean },
): Promise<Submission> {
  return request<Submission>(`/submissions/${encodeURIComponent(String(id))}`, { method: 'PATCH', body: change });
}

// ---- reports ----

/** Generated reports. */
export async function reports(): Promise<Report[]> {
  return asPage<Report>(await request('/reports')).items;
}

/** Generates a report for a period (`day`, `week`, `month`) in a format (`html`, `pdf`, `json`). */
export function generateReport(period: string, format: string): Promise<Report> {
  return request<Report>('/reports', { method: 'POST', body: { period, format } });
}

/** Where a report downloads from. */
export function reportUrl(id: number | string): string {
  return apiUrl(`/reports/${encodeURIComponent(String(id))}/download`);
}

// ---- users, tokens, audit ----

/** Console users. */
export async function users(): Promise<User[]> {
  return asPage<User>(await request('/users')).items;
}

/** Creates a user. */
export function createUser(u: { username: string; role: string; password: string; tenant?: string }): Promise<User> {
  return request<User>('/users', { method: 'POST', body: u });
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
  const r = await request<Partial<Acknowledgements> & { reporters?: Acknowledgements['credited'] }>('/public/acknowledgements');
  return {
    open_challenges: Array.isArray(r?.open_challenges) ? r.open_challenges : [],
    credited: Array.isArray(r?.credited) ? r.credited : Array.isArray(r?.reporters) ? r.reporters : [],
  };
}

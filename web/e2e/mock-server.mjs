// A stand-in for `taishi serve` with the shapes of crates/taishi-server's
// API (that crate is the authority: when it changes, change this and
// src/api.ts together). It lets the console and its end-to-end tests run
// without building the Rust server.
// It serves web/dist with the portal paths falling back to index.html, keeps
// everything in memory, and is used by `npm run e2e:mock` and for looking
// at pages by hand: `npm run build && npm run mock` then open the address.
//
// Usage: node e2e/mock-server.mjs [--port N]   (prints its URL on stdout)
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
const USER = process.env.TAISHI_USER ?? 'admin';
const PASSWORD = process.env.TAISHI_PASSWORD ?? 'admin-password';

const now = Math.floor(Date.now() / 1000);
const BUCKET = 300;
const S = 1e9;

function levelOf(i) {
  return i >= 80 ? 'red' : i >= 55 ? 'orange' : i >= 30 ? 'yellow' : i >= 10 ? 'blue' : 'green';
}
const org = { kind: 'organisation', key: '' };
const series = [];
for (let k = 48; k >= 1; k--) {
  const b = Math.floor((now - k * BUCKET) / BUCKET) * BUCKET;
  const x = 48 - k;
  const index = Math.max(0, Math.min(100, 8 + (x > 20 ? (x - 20) * 2.4 : 0) + 4 * Math.sin(x / 3)));
  series.push({ scope: org, bucket: b, width: BUCKET, index, level: levelOf(index), forecast: false });
}
const last = series[series.length - 1];
const forecast = Array.from({ length: 12 }, (_, i) => {
  const index = Math.max(0, last.index - i * 2.5);
  return { scope: org, bucket: last.bucket + (i + 1) * BUCKET, width: BUCKET, index, level: levelOf(index), forecast: true };
});

const incidents = [
  mkIncident(1, 'Modbus writes from an unauthorised host to PLC-3', ['203.0.113.7'], ['10.0.2.10'], ['T0855', 'T0836'], ['discovery', 'impair_process_control', 'impact'], 86, 'major', 'network_attack/ics'),
  mkIncident(2, 'SSH brute force against the jump host', ['198.51.100.23'], ['10.0.0.5'], ['T1110'], ['credential_access'], 58, 'relatively_major', 'network_attack/brute_force'),
  mkIncident(3, 'Port scan of the DMZ', ['198.51.100.23', '198.51.100.24'], ['10.0.1.2', '10.0.1.3', '10.0.1.4'], ['T1046'], ['reconnaissance', 'discovery'], 31, 'general', 'network_attack/scanning'),
  mkIncident(4, 'Beaconing to a known C2 domain <script>alert(1)</script>', ['10.0.0.42'], ['192.0.2.99'], ['T1071.001', 'T1041'], ['command_and_control', 'exfiltration'], 72, 'major', 'malware/trojan'),
];
function mkIncident(id, title, attackers, victims, techniques, stages, severity, grade, category) {
  return {
    id, tenant: '', title, attackers, victims, techniques, stages, severity, grade, category,
    status: 'new', notes: [], first_seen: (now - 3600) * S, last_seen: (now - 120) * S, alert_count: 5 + id * 3, max_criticality: 5 - (id % 3),
  };
}
const alerts = [];
let alertId = 1;
for (const inc of incidents) {
  for (let j = 0; j < inc.alert_count; j++) {
    const ts = (now - 3600 + j * 97 + inc.id * 13) * S;
    alerts.push({
      id: alertId++, ts, flow_id: 1000 + alertId, src_ip: inc.attackers[0], src_port: 40000 + j, dest_ip: inc.victims[j % inc.victims.length], dest_port: 502,
      proto: 'TCP', app_proto: inc.id === 1 ? 'modbus' : 'ssh', gid: 1, sid: 3000500 + inc.id, rev: 1, signature: inc.title, category: inc.category,
      severity: 1 + (j % 3), techniques: inc.techniques, tactics: [], attacker: inc.attackers[0], victim: inc.victims[0], incident_id: inc.id,
      record: { event_type: 'alert', note: '<img src=x onerror=alert(1)>' },
    });
  }
}
const protos = ['http', 'tls', 'dns', 'ssh', 'modbus', 'dnp3', 's7comm', 'smtp'];
const flows = Array.from({ length: 400 }, (_, i) => ({
  id: i + 1, start: (now - 3000 + i) * S, end: (now - 2990 + i) * S, src_ip: `10.0.0.${i % 50}`, src_port: 50000 + i, dest_ip: '10.0.2.10', dest_port: 502,
  proto: i % 7 === 0 ? 'UDP' : 'TCP', app_proto: protos[(i * i) % protos.length], pkts: 10, bytes_toserver: 500, bytes_toclient: 700, state: 'closed', alerted: false,
}));
const assets = [
  { address: '10.0.2.10', name: 'PLC-3 pump station', owner: 'Water works', zone: 'OT', role: 'plc', criticality: 5, cii: true, origin: 'both', vulns: [{ id: 'CVE-2022-0001', cvss: 9.8, software: 'Siemens S7-1200 4.2' }], services: [{ port: 502, transport: 'TCP', app_proto: 'modbus' }], last_seen: (now - 60) * S },
  { address: '10.0.0.5', name: 'Jump host', owner: 'IT', zone: 'DMZ', role: 'server', criticality: 4, origin: 'both', vulns: [{ id: 'CVE-2024-6387', cvss: 8.1, software: 'OpenSSH 9.6' }], services: [{ port: 22, transport: 'TCP', app_proto: 'ssh', software: 'OpenSSH_9.6' }], last_seen: (now - 60) * S },
  { address: '10.0.1.0/24', name: 'DMZ', owner: 'IT', zone: 'DMZ', criticality: 3, origin: 'declared' },
  { address: '10.0.0.42', origin: 'discovered', criticality: 2, last_seen: (now - 100) * S },
];
const submissions = [];
let subId = 1;
function mkSub(kind, title, description, extra = {}) {
  const s = { id: subId++, tracking_code: code(), kind, title, description, status: 'received', verified: false, tenant: '', created: (now - 60) * S, ...extra };
  submissions.unshift(s);
  return s;
}
const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
function code() {
  return [...randomBytes(16)].map((b) => B32[b % 32]).join('');
}
// Hours to answer each triage kind (the server's `deadlines` config).
const DEADLINE_H = { untriaged: 24, help_request: 24, grievance: 72, mistaken: 48, uninformed: 72, vague: 72, suggestion: 168 };
const RESPONSE = { suggestion: 'adopt', help_request: 'help', uninformed: 'inform', vague: 'clarify', grievance: 'resolve', mistaken: 'correct' };
function view(s) {
  const deadline = s.created + DEADLINE_H[s.triage ?? 'untriaged'] * 3600 * S;
  return { ...s, deadline, overdue: s.status !== 'answered' && Date.now() * 1e6 > deadline };
}
mkSub('threat', 'Phishing site imitating the water company', 'A message asked me to pay my bill at this address.', { indicator: 'http://example.invalid/pay', created: (now - 3 * 86400) * S });
mkSub('feedback', 'Why was the outage notice late?', 'The notice came two hours after the water stopped.', { created: (now - 5 * 3600) * S });
mkSub('feedback', 'Thanks', 'The fix was quick, thank you all.', { status: 'answered', triage: 'suggestion', public_answer: 'Thank you.', created: (now - 2 * 86400) * S, answered_at: (now - 86400) * S });
mkSub('threat', 'Fake bank SMS', 'An SMS with a link to a fake bank page.', { status: 'answered', triage: 'help_request', verified: true, credit: 'Li Lei', indicator: 'fake-bank.example', public_answer: 'Blocked.', created: (now - 4 * 86400) * S, answered_at: (now - 3 * 86400) * S });

const sessions = new Map(); // sid -> { csrf, user }
const users = [{ id: 1, username: USER, role: 'admin', tenant: '', disabled: false }];
const tokens = [];
const reports = [];
const audit = [];
const streams = new Set();
const intel = [{ value: '192.0.2.99', kind: 'ipv4', source: 'feed:abuse', confidence: 80, tags: ['c2'], first_seen: now - 86400 }];

function send(res, status, body, headers = {}) {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(text);
}
// As the server: a named event whose data is only {"kind"}; clients refetch.
function broadcast(kind) {
  for (const s of streams) s.write(`event: ${kind}\ndata: ${JSON.stringify({ kind })}\n\n`);
}
function record(actor, action, target, detail = '') {
  const prev = audit[0]?.hash ?? '';
  const id = audit.length + 1;
  audit.unshift({ id, ts: Date.now() * 1e6, actor, action, target, detail, prev_hash: prev, hash: randomBytes(16).toString('hex') });
}
function cookieSid(req) {
  const m = /(?:^|;\s*)taishi_session=([^;]+)/.exec(req.headers.cookie ?? '');
  return m ? m[1] : null;
}
async function readJson(req) {
  let raw = '';
  for await (const chunk of req) {
    raw += chunk;
    if (raw.length > 65536) throw new Error('too large');
  }
  return raw ? JSON.parse(raw) : {};
}
function page(list, q) {
  const limit = Number(q.get('limit') ?? 100) || 100;
  if (limit < 1 || limit > 1000) throw Object.assign(new Error('limit must be 1..=1000'), { field: 'limit' });
  const offset = Number(q.get('offset') ?? 0) || 0;
  return { total: list.length, limit, offset, items: list.slice(offset, offset + limit) };
}
const LIMITS = { title: 200, description: 10000, indicator: 2000, contact: 200, credit: 100 };
// As taishi-server's check_text: not empty, at most N characters, no control characters.
function validate(b) {
  const known = ['kind', 'title', 'description', 'indicator', 'contact', 'credit'];
  const unknown = Object.keys(b).find((k) => !known.includes(k));
  if (unknown) return unknown;
  if (!['threat', 'vulnerability', 'feedback'].includes(b.kind)) return 'kind';
  for (const [f, n] of Object.entries(LIMITS)) {
    const v = b[f];
    if (v === undefined || v === null) {
      if (f === 'title' || f === 'description') return f;
      continue;
    }
    if (typeof v !== 'string' || !v.trim() || [...v].length > n) return f;
    const control = f === 'description' ? /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/ : /[\u0000-\u001f\u007f-\u009f]/;
    if (control.test(v)) return f;
  }
  return null;
}
function publicView(s) {
  return {
    tracking_code: s.tracking_code, kind: s.kind, title: s.title, status: s.status, response: s.triage ? RESPONSE[s.triage] : null,
    created: Math.floor(s.created / S), answered_at: s.answered_at ? Math.floor(s.answered_at / S) : null, answer: s.public_answer ?? null,
  };
}

async function api(req, res, url) {
  const path = url.pathname.slice('/api/v1'.length);
  const q = url.searchParams;
  const m = req.method;
  // Public portal.
  if (m === 'POST' && path === '/public/submissions') {
    const b = await readJson(req);
    const bad = validate(b);
    if (bad) return send(res, 400, { error: `invalid field: ${bad}`, field: bad });
    const s = mkSub(b.kind, b.title, b.description, { indicator: b.indicator ?? undefined, contact: b.contact ?? undefined, credit: b.credit ?? undefined, created: Date.now() * 1e6 });
    broadcast('submission');
    return send(res, 201, { tracking_code: s.tracking_code });
  }
  let mm;
  if (m === 'GET' && (mm = /^\/public\/submissions\/([^/]+)$/.exec(path))) {
    const c = decodeURIComponent(mm[1]);
    if (!/^[A-Z2-7]{16}$/.test(c)) return send(res, 400, { error: 'a tracking code is 16 characters A-Z and 2-7', field: 'code' });
    const s = submissions.find((x) => x.tracking_code === c);
    return s ? send(res, 200, publicView(s)) : send(res, 404, { error: 'no such tracking code' });
  }
  if (m === 'GET' && path === '/public/acknowledgements') {
    const open = new Map();
    for (const s of submissions.filter((x) => x.status !== 'answered')) {
      const kind = s.triage ?? 'untriaged';
      const c = open.get(kind) ?? { title: '', kind, open: 0, since: Infinity };
      c.open++;
      c.since = Math.min(c.since, Math.floor(s.created / S));
      c.title = `${c.open} open report(s): ${kind}`;
      open.set(kind, c);
    }
    return send(res, 200, {
      credited: submissions.filter((s) => s.verified && s.credit).map((s) => ({ name: s.credit, kind: s.kind, date: Math.floor(s.created / S) })),
      open_challenges: [...open.values()],
    });
  }
  if (m === 'POST' && path === '/auth/login') {
    const b = await readJson(req);
    if (b.username !== USER || b.password !== PASSWORD) return send(res, 401, { error: 'wrong username or password' });
    const sid = randomBytes(16).toString('hex');
    const csrf = randomBytes(16).toString('hex');
    sessions.set(sid, { csrf, user: users[0] });
    return send(res, 200, { csrf_token: csrf, user: users[0] }, { 'set-cookie': `taishi_session=${sid}; HttpOnly; SameSite=Strict; Path=/` });
  }
  const sess = sessions.get(cookieSid(req) ?? '');
  if (!sess) return send(res, 401, { error: 'not signed in' });
  if (m !== 'GET' && req.headers['x-csrf-token'] !== sess.csrf) return send(res, 403, { error: 'missing or wrong CSRF token' });
  const who = sess.user.username;
  if (m === 'POST' && path === '/auth/logout') {
    sessions.delete(cookieSid(req));
    return send(res, 204);
  }
  if (m === 'GET' && path === '/me') return send(res, 200, { user: sess.user, can_write: sess.user.role !== 'viewer', is_admin: sess.user.role === 'admin', all_tenants: sess.user.role === 'regulator' });
  if (m === 'GET' && path === '/posture') {
    return send(res, 200, {
      scope: org, bucket_secs: BUCKET, as_of: last.bucket, level: last.level, index: last.index,
      trend: { direction: 'rising', slope: 2.1, change: 23, buckets: 12 }, previous_level: series[series.length - 13].level,
      explanation: { bucket: last.bucket, raw: 40, index: last.index, incidents: incidents.slice(0, 3).map((i) => ({ key: String(i.id), label: i.title, raw: 10, share: 0.3, alerts: 4 })), hosts: [], services: [] },
      peak: last, peak_explanation: null, series, forecast, forecast_method: 'holt', forecast_params: {},
      backtest: { method: 'holt', horizon: 12, origins: 8, samples: 60, mae: 4.2, rmse: 5.1, naive_mae: 6.3 },
    });
  }
  if (m === 'GET' && path === '/posture/drilldown') {
    const pt = (kind, key, index) => ({ kind, key, bucket: last.bucket, width: BUCKET, index, level: levelOf(index), colour: '', forecast: false });
    return send(res, 200, { node: pt('organisation', '', last.index), items: [pt('zone', 'OT', last.index), pt('zone', 'DMZ', 20)] });
  }
  if (m === 'GET' && path === '/incidents') {
    const st = (q.get('status') ?? '').split(',').filter(Boolean);
    const STATUSES = ['new', 'acknowledged', 'investigating', 'resolved', 'false_positive'];
    const bad = st.find((x) => !STATUSES.includes(x));
    if (bad) return send(res, 400, { error: `unknown status ${JSON.stringify(bad)}`, field: 'status' });
    let list = incidents.filter((i) => st.length === 0 || st.includes(i.status));
    const ip = q.get('ip');
    if (ip) list = list.filter((i) => i.attackers.includes(ip) || i.victims.includes(ip));
    list = q.get('order') === 'severity' ? list.slice().sort((a, b) => b.severity - a.severity) : list.slice().sort((a, b) => b.last_seen - a.last_seen);
    return send(res, 200, page(list, q));
  }
  if ((mm = /^\/incidents\/(\d+)(\/notes|\/timeline)?$/.exec(path))) {
    const inc = incidents.find((i) => i.id === Number(mm[1]));
    if (!inc) return send(res, 404, { error: 'incident not found' });
    if (m === 'GET' && !mm[2]) return send(res, 200, inc);
    if (m === 'GET' && mm[2] === '/timeline') return send(res, 200, page(alerts.filter((a) => a.incident_id === inc.id), q));
    if (m === 'PATCH' && !mm[2]) {
      const b = await readJson(req);
      if (b.status !== undefined && !['new', 'acknowledged', 'investigating', 'resolved', 'false_positive'].includes(b.status)) return send(res, 400, { error: 'bad status', field: 'status' });
      if (b.status) inc.status = b.status;
      if (b.assignee !== undefined) inc.assignee = b.assignee || undefined;
      record(who, 'incident.update', `incident:${inc.id}`, JSON.stringify(b));
      broadcast('incident');
      return send(res, 200, inc);
    }
    if (m === 'POST' && mm[2] === '/notes') {
      const b = await readJson(req);
      if (typeof b.text !== 'string' || !b.text.trim()) return send(res, 400, { error: 'text must not be empty', field: 'text' });
      inc.notes.push({ ts: Date.now() * 1e6, author: who, text: b.text });
      record(who, 'incident.note', `incident:${inc.id}`);
      return send(res, 201, { notes: inc.notes.length });
    }
  }
  if (m === 'GET' && path === '/alerts') {
    const ip = q.get('ip');
    const sid = Number(q.get('sid') ?? 0);
    const sev = Number(q.get('max_severity') ?? 0);
    const inc = Number(q.get('incident_id') ?? 0);
    if (sev && (sev < 1 || sev > 4)) return send(res, 400, { error: 'severity is 1..=4', field: 'max_severity' });
    // As the server's `q`: signature, category or a technique id, case-insensitive.
    const needle = (q.get('q') ?? '').toLowerCase();
    const text = (a) => !needle || [a.signature, a.category, ...a.techniques].some((t) => t.toLowerCase().includes(needle));
    const list = alerts.filter(
      (a) => (!ip || a.src_ip === ip || a.dest_ip === ip) && (!sid || a.sid === sid) && (!sev || a.severity <= sev) && (!inc || a.incident_id === inc) && text(a),
    );
    const newest = q.get('newest_first') === 'true';
    return send(res, 200, page(list.slice().sort((a, b) => (newest ? b.ts - a.ts : a.ts - b.ts)), q));
  }
  if (m === 'GET' && path === '/flows') return send(res, 200, page(flows, q));
  if (m === 'GET' && path === '/flows/summary') {
    // As the server: flows grouped by `group`, most flows first.
    const group = q.get('group') ?? 'app_proto';
    const keyOf = {
      app_proto: (f) => f.app_proto ?? '',
      service: (f) => `${f.dest_port}/${f.proto}`,
      src_ip: (f) => f.src_ip,
      dest_ip: (f) => f.dest_ip,
    }[group];
    if (!keyOf) return send(res, 400, { error: 'group is app_proto, service, src_ip or dest_ip', field: 'group' });
    const sums = new Map();
    for (const f of flows) {
      const s = sums.get(keyOf(f)) ?? { key: keyOf(f), flows: 0, bytes: 0 };
      s.flows += 1;
      s.bytes += f.bytes_toserver + f.bytes_toclient;
      sums.set(s.key, s);
    }
    const items = [...sums.values()].sort((a, b) => b.flows - a.flows || a.key.localeCompare(b.key));
    return send(res, 200, { group, total: flows.length, items: items.slice(0, Number(q.get('limit') ?? 50)) });
  }
  if (m === 'GET' && path === '/assets') {
    const o = q.get('origin');
    return send(res, 200, page(o ? assets.filter((a) => a.origin === o) : assets, q));
  }
  if (m === 'GET' && (mm = /^\/assets\/(.+)$/.exec(path))) {
    const a = assets.find((x) => x.address === decodeURIComponent(mm[1]));
    return a ? send(res, 200, a) : send(res, 404, { error: 'no such asset' });
  }
  if (m === 'GET' && path === '/intel') {
    const needle = (q.get('q') ?? '').toLowerCase();
    return send(res, 200, page(intel.filter((i) => !needle || i.value.toLowerCase().includes(needle)), q));
  }
  if (m === 'POST' && path === '/intel/import') {
    const source = (q.get('source') ?? '').trim();
    if (!source) return send(res, 400, { error: 'source must not be empty', field: 'source' });
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const values = raw.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    for (const value of values) intel.unshift({ value, kind: /^[\d.]+$/.test(value) ? 'ipv4' : 'domain', source, confidence: 50, tags: [] });
    record(who, 'intel.import', `intel:${source}`);
    return send(res, 200, { imported: values.length, bad: 0, skipped: 0 });
  }
  if (m === 'GET' && path === '/submissions') {
    const st = (q.get('status') ?? '').split(',').filter(Boolean);
    const bad = st.find((x) => !['received', 'triaged', 'answered'].includes(x));
    if (bad) return send(res, 400, { error: `unknown status ${JSON.stringify(bad)}`, field: 'status' });
    return send(res, 200, page(submissions.filter((s) => st.length === 0 || st.includes(s.status)).map(view), q));
  }
  if (m === 'GET' && path === '/submissions/stats') {
    const answered = submissions.filter((s) => s.answered_at).map((s) => (s.answered_at - s.created) / S).sort((a, b) => a - b);
    const pick = (p) => (answered.length ? Math.round(answered[Math.min(answered.length - 1, Math.floor(p * answered.length))]) : null);
    const waiting = submissions.filter((s) => s.status !== 'answered').map(view);
    return send(res, 200, { open: waiting.length, overdue: waiting.filter((s) => s.overdue).length, answered: answered.length, median_response_secs: pick(0.5), p90_response_secs: pick(0.9) });
  }
  if (m === 'POST' && (mm = /^\/submissions\/(\d+)\/(triage|answer)$/.exec(path))) {
    const s = submissions.find((x) => x.id === Number(mm[1]));
    if (!s) return send(res, 404, { error: 'submission not found' });
    const b = await readJson(req);
    if (mm[2] === 'triage') {
      if (!RESPONSE[b.kind]) return send(res, 400, { error: 'unknown triage kind', field: 'kind' });
      s.triage = b.kind;
      s.verified = b.verified === true;
      if (s.status === 'received') s.status = 'triaged';
      s.triaged_at = Date.now() * 1e6;
      s.handler = who;
      if (b.note) s.internal_note = b.note;
      let filed = 0;
      if (s.kind === 'threat' && s.verified && s.indicator) {
        intel.unshift({ value: s.indicator, kind: 'url', source: `public:${s.tracking_code}`, confidence: 60, tags: s.credit ? [`credit:${s.credit}`] : [] });
        filed = 1;
      }
      record(who, 'submission.triage', `submission:${s.id}`, JSON.stringify({ kind: b.kind, verified: s.verified }));
      broadcast('submission');
      return send(res, 200, { submission: view(s), intel_indicators: filed, routed_to: null });
    }
    if (typeof b.answer !== 'string' || !b.answer.trim()) return send(res, 400, { error: 'answer must not be empty', field: 'answer' });
    if (!s.triage) return send(res, 409, { error: 'classify the submission before answering it' });
    s.public_answer = b.answer;
    s.status = 'answered';
    s.answered_at = Date.now() * 1e6;
    record(who, 'submission.answer', `submission:${s.id}`, b.answer);
    broadcast('submission');
    return send(res, 200, view(s));
  }
  if (m === 'POST' && path === '/reports') {
    const b = await readJson(req);
    if (!/^\d+[hd]$/.test(b.period ?? '24h')) return send(res, 400, { error: 'period is a duration like 24h or 7d', field: 'period' });
    const r = { id: reports.length + 1, format: b.format ?? 'html', period: b.period ?? '24h', created: Date.now() * 1e6, tenant: null };
    r.download = `/api/v1/reports/${r.id}/download`;
    reports.push(r);
    return send(res, 201, r);
  }
  if (m === 'GET' && path === '/reports') return send(res, 200, [...reports].reverse());
  if (m === 'GET' && (mm = /^\/reports\/(\d+)\/download$/.exec(path))) {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-disposition': `attachment; filename="report-${mm[1]}.html"` });
    return res.end('<!doctype html><title>report</title><p>report</p>');
  }
  if (path === '/users') {
    if (m === 'GET') return send(res, 200, users);
    const b = await readJson(req);
    if (typeof b.password !== 'string' || [...b.password].length < 12) return send(res, 400, { error: 'password must be at least 12 characters', field: 'password' });
    const u = { id: users.length + 1, username: b.username, role: b.role, tenant: b.tenant ?? '', disabled: false };
    users.push(u);
    record(who, 'user.create', `user:${u.username}`);
    return send(res, 201, u);
  }
  if (m === 'PATCH' && (mm = /^\/users\/(\d+)$/.exec(path))) {
    const u = users.find((x) => x.id === Number(mm[1]));
    if (!u) return send(res, 404, { error: 'user not found' });
    const b = await readJson(req);
    if (typeof b.disabled === 'boolean') u.disabled = b.disabled;
    return send(res, 200, u);
  }
  if (path === '/tokens') {
    if (m === 'GET') return send(res, 200, tokens.map(({ token: _secret, ...t }) => t));
    const b = await readJson(req);
    const t = { id: tokens.length + 1, user_id: sess.user.id, name: b.name, created: Date.now() * 1e6, last_used: null, token: `tsk_${randomBytes(16).toString('hex')}` };
    tokens.push(t);
    return send(res, 201, t);
  }
  if (m === 'DELETE' && (mm = /^\/tokens\/(\d+)$/.exec(path))) {
    const i = tokens.findIndex((t) => t.id === Number(mm[1]));
    if (i >= 0) tokens.splice(i, 1);
    return send(res, 204);
  }
  if (m === 'GET' && path === '/audit') return send(res, 200, page(audit, q));
  if (m === 'GET' && path === '/audit/verify') return send(res, 200, { entries: audit.length, last_hash: audit[0]?.hash ?? '' });
  if (m === 'GET' && path === '/events') {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write(': hello\n\n');
    streams.add(res);
    req.on('close', () => streams.delete(res));
    return;
  }
  return send(res, 404, { error: 'no such endpoint' });
}

const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png' };

async function staticFile(res, pathname) {
  const rel = normalize(decodeURIComponent(pathname)).replace(/^(\.\.[/\\])+/, '').replace(/^[/\\]+/, '');
  const file = rel.startsWith('assets/') ? join(DIST, rel) : join(DIST, 'index.html');
  try {
    const body = await readFile(file);
    // The policy the console is meant to run under (README): no inline or
    // foreign script; inline styles only because ECharts' tooltips carry them.
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
    });
    res.end(body);
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end(`not found (did you run npm run build?)`);
  }
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  try {
    if (url.pathname.startsWith('/api/v1/')) await api(req, res, url);
    else await staticFile(res, url.pathname);
  } catch (e) {
    send(res, 400, { error: String(e?.message ?? e), ...(e?.field ? { field: e.field } : {}) });
  }
});

const portArg = process.argv.indexOf('--port');
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 0;
server.listen(port, '127.0.0.1', () => {
  const addr = server.address();
  console.log(`http://127.0.0.1:${addr.port}`);
});

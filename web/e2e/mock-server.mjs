// A stand-in for `taishi serve` with the API shapes the console expects
// (docs/api.md and the serde types of taishi-core are the authority; this
// file is what the console was built against until the server landed).
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
  const s = { id: subId++, tracking_code: code(), kind, title, description, status: 'received', triage: null, answer: null, created: (now - 60) * S, deadline: null, answered_at: null, ...extra };
  submissions.push(s);
  return s;
}
function code() {
  return `TS-${randomBytes(4).toString('hex').toUpperCase()}`;
}
mkSub('threat', 'Phishing site imitating the water company', 'A message asked me to pay my bill at this address.', { indicator: 'http://example.invalid/pay', created: (now - 3 * 86400) * S });
mkSub('feedback', 'Why was the outage notice late?', 'The notice came two hours after the water stopped.', { created: (now - 5 * 3600) * S });
mkSub('feedback', 'Thanks', 'The fix was quick, thank you all.', { status: 'answered', triage: 'suggestion', answer: 'Thank you.', created: (now - 2 * 86400) * S, answered_at: (now - 86400) * S });

const sessions = new Map(); // sid -> { csrf, user }
const users = [{ username: USER, role: 'admin', tenant: '' }];
const tokens = [];
const reports = [];
const audit = [];
const streams = new Set();

function send(res, status, body, headers = {}) {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(text);
}
function broadcast(kind, data) {
  for (const s of streams) s.write(`event: ${kind}\ndata: ${JSON.stringify(data)}\n\n`);
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
  const limit = Math.min(1000, Number(q.get('limit') ?? 50) || 50);
  const offset = Number(q.get('offset') ?? 0) || 0;
  return { items: list.slice(offset, offset + limit), total: list.length };
}
const LIMITS = { title: 200, description: 10000, indicator: 2048, contact: 200, credit: 100 };
function validate(b) {
  if (!['threat', 'vulnerability', 'feedback'].includes(b.kind)) return 'kind';
  for (const f of ['title', 'description']) if (typeof b[f] !== 'string' || !b[f].trim()) return f;
  for (const [f, n] of Object.entries(LIMITS)) if (b[f] !== undefined && (typeof b[f] !== 'string' || [...b[f]].length > n)) return f;
  return null;
}
function publicView(s) {
  return { tracking_code: s.tracking_code, kind: s.kind, title: s.title, status: s.status, answer: s.answer, created: s.created, answered_at: s.answered_at };
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
    const s = mkSub(b.kind, b.title.trim(), b.description.trim(), { indicator: b.indicator ?? null, contact: b.contact ?? null, credit: b.credit ?? null, created: Date.now() * 1e6 });
    broadcast('submission', { id: s.id });
    return send(res, 201, { tracking_code: s.tracking_code });
  }
  let mm;
  if (m === 'GET' && (mm = /^\/public\/submissions\/([^/]+)$/.exec(path))) {
    const s = submissions.find((x) => x.tracking_code === decodeURIComponent(mm[1]));
    return s ? send(res, 200, publicView(s)) : send(res, 404, { error: 'no such tracking code' });
  }
  if (m === 'GET' && path === '/public/acknowledgements') {
    return send(res, 200, {
      open_challenges: [{ title: 'Find weaknesses in the public water-bill portal', description: 'Report through /report, kind vulnerability.' }],
      credited: submissions.filter((s) => s.credit && s.status === 'answered').map((s) => ({ name: s.credit, title: s.title, date: s.answered_at })),
    });
  }
  if (m === 'POST' && path === '/auth/login') {
    const b = await readJson(req);
    if (b.username !== USER || b.password !== PASSWORD) return send(res, 401, { error: 'wrong user name or password' });
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
  if (m === 'GET' && path === '/me') return send(res, 200, { ...sess.user, csrf_token: sess.csrf });
  if (m === 'GET' && path === '/posture') {
    return send(res, 200, {
      scope: org, bucket_secs: BUCKET, as_of: last.bucket, level: last.level, index: last.index,
      trend: { direction: 'rising', slope: 2.1, change: 23, buckets: 12 }, previous_level: series[series.length - 13].level,
      explanation: { bucket: last.bucket, raw: 40, index: last.index, incidents: incidents.slice(0, 3).map((i) => ({ key: String(i.id), label: i.title, raw: 10, share: 0.3, alerts: 4 })), hosts: [], services: [] },
      peak: last, peak_explanation: null, series, forecast, forecast_method: 'holt', forecast_params: {},
      backtest: { method: 'holt', horizon: 12, origins: 8, samples: 60, mae: 4.2, rmse: 5.1, naive_mae: 6.3 },
    });
  }
  if (m === 'GET' && path === '/posture/drilldown') return send(res, 200, { items: [{ scope: { kind: 'zone', key: 'OT' }, index: last.index, level: last.level }] });
  if (m === 'GET' && path === '/incidents') {
    const st = q.get('status');
    let list = incidents;
    if (st === 'open') list = list.filter((i) => ['new', 'acknowledged', 'investigating'].includes(i.status));
    else if (st) list = list.filter((i) => i.status === st);
    return send(res, 200, page(list, q));
  }
  if ((mm = /^\/incidents\/(\d+)(\/notes)?$/.exec(path))) {
    const inc = incidents.find((i) => i.id === Number(mm[1]));
    if (!inc) return send(res, 404, { error: 'no such incident' });
    if (m === 'GET' && !mm[2]) return send(res, 200, { ...inc, alerts: alerts.filter((a) => a.incident_id === inc.id) });
    if (m === 'PATCH' && !mm[2]) {
      const b = await readJson(req);
      if (b.status !== undefined && !['new', 'acknowledged', 'investigating', 'resolved', 'false_positive'].includes(b.status)) return send(res, 400, { error: 'bad status', field: 'status' });
      if (b.status) inc.status = b.status;
      if (b.assignee !== undefined) inc.assignee = b.assignee || undefined;
      audit.unshift({ ts: Date.now() * 1e6, actor: who, action: `incident ${inc.id} ${JSON.stringify(b)}` });
      broadcast('incident', { id: inc.id });
      return send(res, 200, inc);
    }
    if (m === 'POST' && mm[2]) {
      const b = await readJson(req);
      if (typeof b.text !== 'string' || !b.text.trim()) return send(res, 400, { error: 'empty note', field: 'text' });
      inc.notes.push({ ts: Date.now() * 1e6, author: who, text: b.text });
      return send(res, 201, inc);
    }
  }
  if (m === 'GET' && path === '/alerts') {
    const text = (q.get('q') ?? '').toLowerCase();
    const sev = Number(q.get('severity') ?? 0);
    const list = alerts.filter((a) => (!text || a.signature.toLowerCase().includes(text) || a.src_ip.includes(text) || a.dest_ip.includes(text)) && (!sev || a.severity <= sev));
    return send(res, 200, page(list.slice().sort((a, b) => b.ts - a.ts), q));
  }
  if (m === 'GET' && path === '/flows') return send(res, 200, page(flows, q));
  if (m === 'GET' && path === '/assets') {
    const o = q.get('origin');
    return send(res, 200, page(o ? assets.filter((a) => a.origin === o) : assets, q));
  }
  if (m === 'GET' && (mm = /^\/assets\/(.+)$/.exec(path))) {
    const a = assets.find((x) => x.address === decodeURIComponent(mm[1]));
    return a ? send(res, 200, a) : send(res, 404, { error: 'no such asset' });
  }
  if (m === 'GET' && path === '/intel') return send(res, 200, { items: [{ value: '192.0.2.99', kind: 'ip', source: 'feed:abuse', added: (now - 86400) * S, confidence: 80 }], total: 1 });
  if (m === 'GET' && path === '/submissions') {
    const st = q.get('status');
    const list = st === 'waiting' ? submissions.filter((s) => s.status !== 'answered' && s.status !== 'closed') : submissions;
    return send(res, 200, page(list, q));
  }
  if (m === 'PATCH' && (mm = /^\/submissions\/(\d+)$/.exec(path))) {
    const s = submissions.find((x) => x.id === Number(mm[1]));
    if (!s) return send(res, 404, { error: 'no such submission' });
    const b = await readJson(req);
    const kinds = ['suggestion', 'help_request', 'uninformed', 'vague', 'grievance', 'mistaken'];
    if (b.triage !== undefined && !kinds.includes(b.triage)) return send(res, 400, { error: 'bad triage kind', field: 'triage' });
    if (b.triage) s.triage = b.triage;
    if (typeof b.answer === 'string' && b.answer.trim()) {
      s.answer = b.answer.trim();
      s.status = 'answered';
      s.answered_at = Date.now() * 1e6;
    } else if (b.triage) s.status = 'triaged';
    broadcast('submission', { id: s.id });
    return send(res, 200, s);
  }
  if (path === '/reports') {
    if (m === 'GET') return send(res, 200, reports);
    const b = await readJson(req);
    const r = { id: reports.length + 1, name: `Situation report (${b.period})`, period: b.period, format: b.format, created: Date.now() * 1e6 };
    reports.unshift(r);
    return send(res, 201, r);
  }
  if (m === 'GET' && (mm = /^\/reports\/(\d+)\/download$/.exec(path))) {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-disposition': `attachment; filename="report-${mm[1]}.html"` });
    return res.end('<!doctype html><title>report</title><p>report</p>');
  }
  if (path === '/users') {
    if (m === 'GET') return send(res, 200, users);
    const b = await readJson(req);
    const u = { username: b.username, role: b.role, tenant: b.tenant ?? '', created: Date.now() * 1e6 };
    users.push(u);
    return send(res, 201, u);
  }
  if (path === '/tokens') {
    if (m === 'GET') return send(res, 200, tokens.map(({ token: _secret, ...t }) => t));
    const b = await readJson(req);
    const t = { id: tokens.length + 1, name: b.name, created: Date.now() * 1e6, token: `tsk_${randomBytes(16).toString('hex')}` };
    tokens.push(t);
    return send(res, 201, t);
  }
  if (m === 'DELETE' && (mm = /^\/tokens\/(\d+)$/.exec(path))) {
    const i = tokens.findIndex((t) => t.id === Number(mm[1]));
    if (i >= 0) tokens.splice(i, 1);
    return send(res, 204);
  }
  if (m === 'GET' && path === '/audit') return send(res, 200, page(audit, q));
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
    send(res, 400, { error: String(e?.message ?? e) });
  }
});

const portArg = process.argv.indexOf('--port');
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 0;
server.listen(port, '127.0.0.1', () => {
  const addr = server.address();
  console.log(`http://127.0.0.1:${addr.port}`);
});

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as api from './api';

type Call = { url: string; init: RequestInit };
let calls: Call[] = [];

function answer(status: number, body: unknown, headers: Record<string, string> = {}): void {
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit) => {
      calls.push({ url, init });
      const text = typeof body === 'string' ? body : body === undefined ? '' : JSON.stringify(body);
      return new Response(status === 204 ? null : text, { status, headers });
    }),
  );
}

async function failure(p: Promise<unknown>): Promise<api.ApiError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(api.ApiError);
    return e as api.ApiError;
  }
  throw new Error('expected a failure');
}

beforeEach(() => {
  calls = [];
  api.setCsrf(null);
});
afterEach(() => vi.unstubAllGlobals());

describe('errors', () => {
  it('a refused connection is "unreachable", status 0', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))));
    const e = await failure(api.posture());
    expect([e.kind, e.status]).toEqual(['unreachable', 0]);
  });

  it("the dev proxy's 502 and a gateway's 503/504 are unreachable too", async () => {
    for (const s of [502, 503, 504]) {
      answer(s, '');
      expect((await failure(api.me())).kind).toBe('unreachable');
    }
    answer(500, { error: 'x' }, { 'x-taishi-unreachable': '1' });
    expect((await failure(api.me())).kind).toBe('unreachable');
  });

  it('maps 401, 403, 404, 429 and 500 to their kinds with the server message', async () => {
    const cases: [number, api.ErrorKind][] = [
      [401, 'unauthorized'],
      [403, 'forbidden'],
      [404, 'not_found'],
      [429, 'rate_limited'],
      [500, 'server'],
    ];
    for (const [s, kind] of cases) {
      answer(s, { error: `said ${s}` });
      const e = await failure(api.incidents());
      expect([e.kind, e.status, e.message]).toEqual([kind, s, `said ${s}`]);
    }
  });

  it('a 400 names the field at fault', async () => {
    answer(400, { error: 'title is too long', field: 'title' });
    const e = await failure(api.submitPublic({ kind: 'threat', title: 'x'.repeat(300), description: 'd' }));
    expect([e.kind, e.field, e.message]).toEqual(['invalid', 'title', 'title is too long']);
  });

  it('a body that is not JSON gives its first characters, and a 200 page of HTML is an error', async () => {
    answer(400, 'plain words');
    expect((await failure(api.me())).message).toBe('plain words');
    answer(200, '<html>captive portal</html>');
    expect((await failure(api.me())).kind).toBe('server');
  });
});

describe('requests', () => {
  it('sends the CSRF token on writes only, after login', async () => {
    answer(200, { csrf_token: 'tok-1', user: { id: 1, username: 'admin', role: 'admin', tenant: '', disabled: false } });
    const me = await api.login('admin', 'pw');
    // The login answer, then /me for the permission flags (answered the same here).
    expect(me).toMatchObject({ username: 'admin', role: 'admin', is_admin: true, can_write: true });
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual({ username: 'admin', password: 'pw' });
    expect(calls[1]?.url).toBe('/api/v1/me');
    answer(200, { items: [], total: 0 });
    await api.incidents({ status: 'new', limit: 5 });
    expect(calls[2]?.url).toBe('/api/v1/incidents?status=new&limit=5');
    expect((calls[2]?.init.headers as Record<string, string>)['x-csrf-token']).toBeUndefined();
    answer(200, {});
    await api.updateIncident(7, { status: 'acknowledged' });
    expect(calls[3]?.init.method).toBe('PATCH');
    expect((calls[3]?.init.headers as Record<string, string>)['x-csrf-token']).toBe('tok-1');
    expect(sessionStorage.getItem('taishi.csrf')).toBe('tok-1');
  });

  it("reads /me's {user, can_write, is_admin}", async () => {
    answer(200, { user: { id: 2, username: 'v', role: 'viewer', tenant: 'water' }, can_write: false, is_admin: false, all_tenants: false });
    expect(await api.me()).toEqual({ username: 'v', role: 'viewer', tenant: 'water', can_write: false, is_admin: false });
  });

  it('maps the console shorthands to the server filters', async () => {
    answer(200, { items: [], total: 0 });
    await api.incidents({ status: 'open', order: 'severity' });
    expect(decodeURIComponent(calls[0]?.url ?? '')).toBe('/api/v1/incidents?status=new,acknowledged,investigating&order=severity');
    await api.submissions({ status: 'waiting' });
    expect(decodeURIComponent(calls[1]?.url ?? '')).toBe('/api/v1/submissions?status=received,triaged');
    await api.alerts({ ip: '10.0.0.5', max_severity: 2 });
    expect(calls[2]?.url).toBe('/api/v1/alerts?ip=10.0.0.5&max_severity=2&newest_first=true');
  });

  it('reads the alert search box as an address or a signature id', () => {
    expect(api.parseAlertSearch('')).toEqual({});
    expect(api.parseAlertSearch(' 10.0.0.5 ')).toEqual({ ip: '10.0.0.5' });
    expect(api.parseAlertSearch('2001:db8::1')).toEqual({ ip: '2001:db8::1' });
    expect(api.parseAlertSearch('2000001')).toEqual({ sid: 2000001 });
    expect(api.parseAlertSearch('sid:3000503')).toEqual({ sid: 3000503 });
    expect(api.parseAlertSearch(' ET SCAN ')).toEqual({ q: 'ET SCAN' });
    expect(api.parseAlertSearch('T1110')).toEqual({ q: 'T1110' });
    expect(api.parseAlertSearch('fe80::1')).toEqual({ ip: 'fe80::1' });
    expect(api.parseAlertSearch('cafe:')).toEqual({ q: 'cafe:' });
    expect(api.parseAlertSearch('x'.repeat(201))).toBeUndefined();
    expect(api.parseAlertSearch('99999999999')).toBeUndefined();
  });

  it('classifies, then answers, a submission through its two endpoints', async () => {
    answer(200, { submission: { id: 4 }, intel_indicators: 1, routed_to: null });
    api.setCsrf('tok-2');
    const r = await api.triageSubmission(4, { kind: 'help_request', verified: true });
    expect(r.intel_indicators).toBe(1);
    expect([calls[0]?.init.method, calls[0]?.url]).toEqual(['POST', '/api/v1/submissions/4/triage']);
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual({ kind: 'help_request', verified: true });
    answer(200, { id: 4, status: 'answered' });
    await api.answerSubmission(4, 'We helped.');
    expect(calls[1]?.url).toBe('/api/v1/submissions/4/answer');
    expect(JSON.parse(String(calls[1]?.init.body))).toEqual({ answer: 'We helped.' });
  });

  it('uploads a file as the body, with its type and the query', async () => {
    answer(200, { imported: 2, bad: 0, skipped: 0 });
    api.setCsrf('tok-3');
    const file = new Blob(['192.0.2.1\nevil.example\n'], { type: 'text/plain' });
    expect(await api.importIntel(file, 'my feed', 'txt')).toEqual({ imported: 2, bad: 0, skipped: 0 });
    const c = calls[0];
    expect(c?.url).toBe('/api/v1/intel/import?source=my+feed&format=txt');
    expect((c?.init.headers as Record<string, string>)['content-type']).toBe('text/plain');
    expect((c?.init.headers as Record<string, string>)['x-csrf-token']).toBe('tok-3');
    expect(c?.init.body).toBe(file);
  });

  it('generates a report and lists what the server keeps, with whom each covers', async () => {
    answer(201, { id: 9, format: 'html', period: '7d', tenant: 'grid', download: '/api/v1/reports/9/download' });
    const made = await api.generateReport('7d', 'html', 'zh');
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual({ period: '7d', format: 'html', lang: 'zh' });
    expect([made.id, made.tenant, made.download]).toEqual([9, 'grid', '/api/v1/reports/9/download']);
    answer(200, [
      { id: 9, format: 'html', period: '7d', tenant: 'grid', download: '/api/v1/reports/9/download' },
      { id: 4, format: 'md', period: '24h', tenant: null, download: '' },
    ]);
    const kept = await api.reports();
    expect(calls[1]?.url).toBe('/api/v1/reports');
    expect(kept.map((r) => [r.id, r.tenant, r.download])).toEqual([
      [9, 'grid', '/api/v1/reports/9/download'],
      [4, null, '/api/v1/reports/4/download'],
    ]);
  });

  it('drops empty query values and encodes path parts', async () => {
    answer(200, {});
    await api.asset('10.0.1.0/24');
    expect(calls[0]?.url).toBe('/api/v1/assets/10.0.1.0%2F24');
    expect(api.apiUrl('/alerts', { q: '', severity: undefined, offset: 0 })).toBe('/api/v1/alerts?offset=0');
  });

  it('accepts lists as arrays or {items, total}', async () => {
    expect(api.asPage([1, 2])).toEqual({ items: [1, 2], total: 2 });
    expect(api.asPage({ items: [1], total: 40 })).toEqual({ items: [1], total: 40 });
    expect(api.asPage({ items: [1] })).toEqual({ items: [1], total: 1 });
    expect(api.asPage(null)).toEqual({ items: [], total: 0 });
  });

  it('reads an incident and its timeline, sorted by time', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) => {
        calls.push({ url, init: {} });
        const body = url.includes('/timeline')
          ? { total: 1500, limit: 1000, offset: 0, items: [{ id: 2, ts: 20 }, { id: 1, ts: 10 }] }
          : { id: 3, title: 't' };
        return new Response(JSON.stringify(body), { status: 200 });
      }),
    );
    const a = await api.incident(3);
    expect(a.incident.title).toBe('t');
    expect(a.alerts.map((x) => x.id)).toEqual([1, 2]);
    expect(a.totalAlerts).toBe(1500);
    expect(calls.map((c) => c.url).sort()).toEqual(['/api/v1/incidents/3', '/api/v1/incidents/3/timeline?limit=1000']);
  });

  it('returns the tracking code of a public report; 204 is fine', async () => {
    answer(201, { tracking_code: 'ABCDEFGHIJKLMN23' });
    expect(await api.submitPublic({ kind: 'feedback', title: 't', description: 'long enough' })).toBe('ABCDEFGHIJKLMN23');
    answer(204, undefined);
    await expect(api.revokeToken(1)).resolves.toBeUndefined();
  });
});

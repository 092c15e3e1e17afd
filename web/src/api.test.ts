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
    answer(200, { csrf_token: 'tok-1', user: { username: 'admin', role: 'admin' } });
    const me = await api.login('admin', 'pw');
    expect(me.username).toBe('admin');
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual({ username: 'admin', password: 'pw' });
    answer(200, { items: [], total: 0 });
    await api.incidents({ status: 'new', limit: 5 });
    expect(calls[1]?.url).toBe('/api/v1/incidents?status=new&limit=5');
    expect((calls[1]?.init.headers as Record<string, string>)['x-csrf-token']).toBeUndefined();
    answer(200, {});
    await api.updateIncident(7, { status: 'acknowledged' });
    expect(calls[2]?.init.method).toBe('PATCH');
    expect((calls[2]?.init.headers as Record<string, string>)['x-csrf-token']).toBe('tok-1');
    expect(sessionStorage.getItem('taishi.csrf')).toBe('tok-1');
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

  it('reads an incident with its alerts inline or beside it, sorted by time', async () => {
    const inc = { id: 3, title: 't' };
    answer(200, { ...inc, alerts: [{ id: 2, ts: 20 }, { id: 1, ts: 10 }] });
    const a = await api.incident(3);
    expect(a.incident.id).toBe(3);
    expect(a.alerts.map((x) => x.id)).toEqual([1, 2]);
    answer(200, { incident: inc, timeline: { items: [{ id: 5, ts: 1 }], total: 1 } });
    const b = await api.incident(3);
    expect([b.incident.title, b.alerts.length]).toEqual(['t', 1]);
  });

  it('returns the tracking code of a public report; 204 is fine', async () => {
    answer(201, { tracking_code: 'TS-ABCD1234' });
    expect(await api.submitPublic({ kind: 'feedback', title: 't', description: 'long enough' })).toBe('TS-ABCD1234');
    answer(204, undefined);
    await expect(api.revokeToken(1)).resolves.toBeUndefined();
  });
});

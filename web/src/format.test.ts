import { describe, expect, it } from 'vitest';
import {
  deadlineOf,
  endpoint,
  formatDuration,
  formatTime,
  isOverdue,
  levelColour,
  levelOf,
  responseFigures,
  riskOf,
  toMillis,
} from './format';
import { setLang } from './i18n';

const H = 3_600_000;

describe('toMillis', () => {
  it('reads seconds, milliseconds, microseconds and nanoseconds alike', () => {
    const ms = Date.UTC(2024, 4, 1, 10, 0, 0);
    expect(toMillis(ms / 1000)).toBe(ms);
    expect(toMillis(ms)).toBe(ms);
    expect(toMillis(ms * 1000)).toBe(ms);
    expect(toMillis(ms * 1e6)).toBe(ms);
    // The store's nanoseconds, as in AlertRow's test in taishi-core.
    expect(toMillis(1_714_557_600_000_000_000)).toBe(1_714_557_600_000);
    expect(toMillis('2024-05-01T10:00:00Z')).toBe(ms);
    expect(toMillis('1714557600')).toBe(ms);
  });

  it('says undefined for what is not a time', () => {
    for (const v of [undefined, null, 0, -5, NaN, Infinity, 'soon', {}, []]) expect(toMillis(v)).toBeUndefined();
    expect(formatTime(undefined)).toBe('—');
  });
});

describe('levels', () => {
  it('maps indices with the default thresholds 10/30/55/80 as taishi-assess', () => {
    expect([0, 9.99, 10, 29.9, 30, 54.9, 55, 79.9, 80, 100].map((i) => levelOf(i))).toEqual([
      'green', 'green', 'blue', 'blue', 'yellow', 'yellow', 'orange', 'orange', 'red', 'red',
    ]);
    expect(levelOf(NaN)).toBe('green');
  });

  it('paints the five colours of Level::colour, grey for anything else', () => {
    expect(['green', 'blue', 'yellow', 'orange', 'red'].map(levelColour)).toEqual([
      '#2e7d32', '#1565c0', '#f9a825', '#ef6c00', '#c62828',
    ]);
    expect(levelColour('purple')).toBe('#757575');
    expect(levelColour(undefined)).toBe('#757575');
  });
});

describe('formatting', () => {
  it('writes durations in the current language', () => {
    setLang('en');
    expect(formatDuration(42 * 60_000)).toBe('42 min');
    expect(formatDuration(5 * H)).toBe('5 h');
    expect(formatDuration(3 * 24 * H)).toBe('3 d');
    setLang('zh');
    expect(formatDuration(5 * H)).toBe('5 小时');
    setLang('en');
  });

  it('brackets IPv6 endpoints', () => {
    expect(endpoint('10.0.0.5', 502)).toBe('10.0.0.5:502');
    expect(endpoint('2001:db8::1', 443)).toBe('[2001:db8::1]:443');
    expect(endpoint('10.0.0.5', null)).toBe('10.0.0.5');
  });
});

describe('submission deadlines and response figures', () => {
  const now = Date.UTC(2024, 4, 10);
  it("prefers the server's deadline, else received + the kind's hours", () => {
    expect(deadlineOf({ created: now, deadline: now + 5 * H })).toBe(now + 5 * H);
    expect(deadlineOf({ created: now, triage: 'help_request' })).toBe(now + 24 * H);
    expect(deadlineOf({ created: now, triage: 'suggestion' })).toBe(now + 168 * H);
    expect(deadlineOf({ created: now })).toBe(now + 24 * H);
    expect(deadlineOf({})).toBeUndefined();
  });

  it('counts waiting, overdue, the median response and the share in time', () => {
    const subs = [
      { created: now - 30 * H, status: 'received' }, // untriaged, 24 h: overdue
      { created: now - 2 * H, status: 'received' }, // waiting, in time
      { created: now - 50 * H, answered_at: now - 48 * H, status: 'answered' }, // 2 h, in time
      { created: now - 100 * H, answered_at: now - 60 * H, status: 'answered', triage: 'help_request' }, // 40 h, late
      { created: now - 10 * H, answered_at: now - 6 * H, status: 'answered' }, // 4 h
    ];
    expect(isOverdue(subs[0]!, now)).toBe(true);
    expect(isOverdue(subs[1]!, now)).toBe(false);
    expect(isOverdue(subs[3]!, now)).toBe(false); // answered, so not overdue
    const f = responseFigures(subs, now);
    expect(f).toEqual({ waiting: 2, overdue: 1, answered: 3, medianMs: 4 * H, inTime: 2 / 3 });
    expect(responseFigures([], now)).toEqual({ waiting: 0, overdue: 0, answered: 0, medianMs: undefined, inTime: undefined });
  });
});

describe('risk', () => {
  it('grows with criticality, exposure and open incidents, within 0..100', () => {
    const low = riskOf({ criticality: 1 });
    const vital = riskOf({ criticality: 5, cii: true });
    const exposed = riskOf({ criticality: 5, cii: true, vulns: [{ cvss: 9.8 }] });
    const attacked = riskOf({ criticality: 5, cii: true, vulns: [{ cvss: 10 }] }, 3);
    expect(low).toBeLessThan(vital);
    expect(vital).toBeLessThan(exposed);
    expect(exposed).toBeLessThan(attacked);
    expect(attacked).toBe(100);
    expect(low).toBeLessThan(10);
    expect(riskOf({ risk: 42, criticality: 1 })).toBe(42);
    expect(riskOf({ risk: 420 })).toBe(100);
  });
});

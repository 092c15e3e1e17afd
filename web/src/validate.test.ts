import { beforeAll, describe, expect, it } from 'vitest';
import { setLang } from './i18n';
import { cleanSubmission, isIndicator, isTrackingCode, validateSubmission } from './validate';

beforeAll(() => setLang('en'));

const ok = { kind: 'threat' as const, title: 'Phishing page', description: 'A text message sent me there.' };

describe('public report validation', () => {
  it('accepts a complete report', () => {
    expect(validateSubmission(ok)).toEqual({});
    expect(validateSubmission({ ...ok, indicator: 'https://x.example/a?b=c', contact: 'me@example.org', credit: '张三' })).toEqual({});
  });

  it('names each missing or bad field', () => {
    const e = validateSubmission({ kind: 'spam' as never, title: '  ', description: 'short' });
    expect(Object.keys(e).sort()).toEqual(['description', 'kind', 'title']);
    expect(e.title).toBe('Title is required.');
    expect(e.description).toMatch(/too short/);
  });

  it('counts characters, not UTF-16 units, against the limits', () => {
    expect(validateSubmission({ ...ok, title: '态'.repeat(200) })).toEqual({});
    expect(validateSubmission({ ...ok, title: '😀'.repeat(200) })).toEqual({});
    expect(validateSubmission({ ...ok, title: 'x'.repeat(201) }).title).toMatch(/too long/);
  });

  it('refuses control characters (newlines allowed in the description only)', () => {
    expect(validateSubmission({ ...ok, description: 'line one\nline two\ttab' })).toEqual({});
    expect(validateSubmission({ ...ok, description: 'bell\u0007 here and more' }).description).toMatch(/control/);
    expect(validateSubmission({ ...ok, title: 'a\nb' }).title).toMatch(/control/);
  });

  it('knows an indicator when it sees one', () => {
    for (const v of ['192.0.2.1', '10.0.0.0/8', '2001:db8::1', 'evil.example.com', 'xn--fiqs8s.cn', '例子.中国', 'http://a.example/x', 'https://1.2.3.4:8443/p']) {
      expect(isIndicator(v), v).toBe(true);
    }
    for (const v of ['not an indicator', '999.1.1.1', 'javascript:alert(1)', 'foo', '<script>']) {
      expect(isIndicator(v), v).toBe(false);
    }
    expect(validateSubmission({ ...ok, indicator: 'two words' }).indicator).toBeDefined();
  });

  it('trims and drops empty optional fields before sending', () => {
    expect(cleanSubmission({ ...ok, title: '  t  ', indicator: ' ', contact: ' me ' })).toEqual({
      kind: 'threat',
      title: 't',
      description: ok.description,
      contact: 'me',
    });
  });

  it('checks tracking codes before asking the server', () => {
    expect(isTrackingCode('TS-8F3A1C2B')).toBe(true);
    expect(isTrackingCode('../etc')).toBe(false);
    expect(isTrackingCode('a b')).toBe(false);
    expect(isTrackingCode('abc')).toBe(false);
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { setLang } from './i18n';
import { cleanSubmission, isTrackingCode, normaliseCode, validateSubmission } from './validate';

beforeAll(() => setLang('en'));

const ok = { kind: 'threat' as const, title: 'Phishing page', description: 'A text message sent me there.' };

describe('public report validation', () => {
  it('accepts a complete report', () => {
    expect(validateSubmission(ok)).toEqual({});
    expect(validateSubmission({ ...ok, indicator: 'https://x.example/a?b=c', contact: 'me@example.org', credit: '张三' })).toEqual({});
  });

  it('names each missing or bad field', () => {
    const e = validateSubmission({ kind: 'spam' as never, title: '  ', description: '' });
    expect(Object.keys(e).sort()).toEqual(['description', 'kind', 'title']);
    expect(e.title).toBe('Title is required.');
  });

  it('has the limits of taishi-server api/public.rs, counted in characters', () => {
    expect(validateSubmission({ ...ok, title: '态'.repeat(200) })).toEqual({});
    expect(validateSubmission({ ...ok, title: '😀'.repeat(200) })).toEqual({});
    expect(validateSubmission({ ...ok, title: 'x'.repeat(201) }).title).toMatch(/too long/);
    expect(validateSubmission({ ...ok, description: 'd'.repeat(10_000) })).toEqual({});
    expect(validateSubmission({ ...ok, description: 'd'.repeat(10_001) }).description).toMatch(/too long/);
    expect(validateSubmission({ ...ok, indicator: 'i'.repeat(2_000) })).toEqual({});
    expect(validateSubmission({ ...ok, indicator: 'i'.repeat(2_001) }).indicator).toMatch(/too long/);
    expect(validateSubmission({ ...ok, contact: 'c'.repeat(201) }).contact).toMatch(/too long/);
    expect(validateSubmission({ ...ok, credit: 'c'.repeat(101) }).credit).toMatch(/too long/);
  });

  it('refuses control characters as Rust char::is_control (line breaks and tabs in the description only)', () => {
    expect(validateSubmission({ ...ok, description: 'line one\r\nline two\ttab' })).toEqual({});
    expect(validateSubmission({ ...ok, description: 'bell\u0007 here' }).description).toMatch(/control/);
    expect(validateSubmission({ ...ok, description: 'C1 \u0085 here' }).description).toMatch(/control/);
    expect(validateSubmission({ ...ok, title: 'a\nb' }).title).toMatch(/control/);
    expect(validateSubmission({ ...ok, indicator: 'x\u007f' }).indicator).toMatch(/control/);
  });

  it('takes any indicator the server takes (a hash, an e-mail address)', () => {
    for (const v of ['192.0.2.1', 'evil.example.com', 'http://a.example/x', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'scam@example.net']) {
      expect(validateSubmission({ ...ok, indicator: v }), v).toEqual({});
    }
  });

  it('trims and drops empty optional fields before sending', () => {
    expect(cleanSubmission({ ...ok, title: '  t  ', indicator: ' ', contact: ' me ' })).toEqual({
      kind: 'threat',
      title: 't',
      description: ok.description,
      contact: 'me',
    });
  });

  it('checks tracking codes as the server makes them (16 base32 characters)', () => {
    expect(isTrackingCode('ABCDEFGHIJKLMN23')).toBe(true);
    expect(isTrackingCode(normaliseCode(' abcd-efgh ijkl-mn23 '))).toBe(true);
    expect(isTrackingCode('ABCDEFGHIJKLMN01')).toBe(false); // 0 and 1 are not base32
    expect(isTrackingCode('../etc')).toBe(false);
    expect(isTrackingCode('ABCDEFGHIJKLMN2')).toBe(false);
  });
});

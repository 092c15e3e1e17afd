import { describe, expect, it } from 'vitest';
import { en, keys, lang, setLang, t, tOr, zh } from './i18n';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('i18n', () => {
  it('has every key in both languages, none empty', () => {
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
    for (const k of keys) {
      expect(en[k].trim(), `en ${k}`).not.toBe('');
      expect(zh[k].trim(), `zh ${k}`).not.toBe('');
    }
  });

  it('uses the same placeholders in both languages', () => {
    for (const k of keys) expect(placeholders(zh[k]), k).toEqual(placeholders(en[k]));
  });

  it('translates the Chinese side (no English sentence left in zh)', () => {
    // Keys whose text is the same in both are allowed to be: names and codes.
    const same = keys.filter((k) => zh[k] === en[k]);
    expect(same).toEqual(['overview.other']);
  });

  it('fills placeholders and remembers the language', () => {
    setLang('en');
    expect(t('page.of', { from: 1, to: 50, total: 1234 })).toBe('1–50 of 1234');
    setLang('zh');
    expect(lang()).toBe('zh');
    expect(localStorage.getItem('taishi.lang')).toBe('zh');
    expect(t('page.of', { from: 1, to: 50, total: 1234 })).toBe('第 1–50 条，共 1234 条');
    expect(document.documentElement.lang).toBe('zh-CN');
    setLang('en');
  });

  it('falls back to the raw value for a key built from unknown data', () => {
    setLang('en');
    expect(tOr('status.resolved', 'resolved')).toBe('Resolved');
    expect(tOr('status.weird', 'weird')).toBe('weird');
  });

  it('matches the level and grade labels of taishi-core', () => {
    // Level::label and Grade::label in crates/taishi-core/src/domain.
    expect(zh['level.green']).toBe('绿色（正常）');
    expect(en['level.green']).toBe('Green (normal)');
    expect(zh['grade.particularly_major']).toBe('特别重大');
    expect(en['grade.relatively_major']).toBe('Relatively major (III)');
  });
});

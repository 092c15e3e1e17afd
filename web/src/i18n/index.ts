// Runtime language switch. The choice is remembered in localStorage; the
// first visit follows the browser's language.
import { en, type Key } from './en';
import { zh } from './zh';

/** A supported language. */
export type Lang = 'zh' | 'en';

const STORAGE_KEY = 'taishi.lang';
const tables: Record<Lang, Record<Key, string>> = { en, zh };
const listeners = new Set<() => void>();

function initial(): Lang {
  try {
    const saved = globalThis.localStorage?.getItem(STORAGE_KEY);
    if (saved === 'zh' || saved === 'en') return saved;
  } catch {
    // Storage can be disabled (private mode); fall through to the browser's language.
  }
  const nav = globalThis.navigator?.language ?? 'zh';
  return nav.toLowerCase().startsWith('en') ? 'en' : 'zh';
}

let current: Lang = initial();

/** The current language. */
export function lang(): Lang {
  return current;
}

/** Switches language, remembers it, and tells every listener to re-render. */
export function setLang(next: Lang): void {
  current = next;
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, next);
  } catch {
    // Not remembered, still switched.
  }
  if (globalThis.document) document.documentElement.lang = next === 'zh' ? 'zh-CN' : 'en';
  for (const fn of listeners) fn();
}

/** Calls `fn` after every language switch; returns the unsubscribe function. */
export function onLangChange(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** The string for `key` with `{name}` placeholders filled from `vars`. */
export function t(key: Key, vars?: Record<string, string | number>): string {
  const s = tables[current][key] ?? en[key] ?? key;
  if (!vars) return s;
  return s.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}

/** Like `t`, for keys built from data (a status, a level); falls back to the raw value. */
export function tOr(key: string, fallback: string): string {
  return key in en ? t(key as Key) : fallback;
}

/** Every key, for tests. */
export const keys = Object.keys(en) as Key[];
export { en, zh };
export type { Key };

import { describe, expect, it } from 'vitest';
import { escapeHtml, h, mount, safeUrl } from './dom';

const PAYLOADS = [
  '<img src=x onerror=alert(1)>',
  '"><script>alert(1)</script>',
  "' onmouseover='alert(1)",
  '<svg/onload=alert(1)>',
  '&lt;b&gt;',
];

describe('escaping', () => {
  it('escapes the five HTML metacharacters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
    expect(escapeHtml(null)).toBe('');
    expect(escapeHtml(42)).toBe('42');
  });

  it('round-trips through the parser as the same text', () => {
    for (const p of PAYLOADS) {
      const div = document.createElement('div');
      div.innerHTML = escapeHtml(p); // the test's own, checking the escaping
      expect(div.textContent).toBe(p);
      expect(div.children.length).toBe(0);
    }
  });

  it('h() puts data in as text, never as elements', () => {
    for (const p of PAYLOADS) {
      const el = h('div', { title: p }, p, h('span', null, p));
      expect(el.querySelectorAll('img, script, svg').length).toBe(0);
      expect(el.textContent).toBe(p + p);
      expect(el.getAttribute('title')).toBe(p);
    }
    const root = document.createElement('div');
    mount(root, PAYLOADS);
    expect(root.children.length).toBe(0);
    expect(root.textContent).toBe(PAYLOADS.join(''));
  });

  it('refuses inline handlers and script URLs', () => {
    expect(() => h('div', { onclick: 'alert(1)' })).toThrow();
    expect(() => h('div', { ONLOAD: 'alert(1)' })).toThrow();
    expect(h('a', { href: 'javascript:alert(1)' }).getAttribute('href')).toBe('#');
    expect(h('a', { href: ' JavaScript:alert(1)' }).getAttribute('href')).toBe('#');
    expect(safeUrl('data:text/html,<script>')).toBe('#');
    expect(safeUrl('//evil.example/x')).toBe('#');
    expect(safeUrl('https://attack.mitre.org/techniques/T1046/')).toBe('https://attack.mitre.org/techniques/T1046/');
    expect(safeUrl('/report/status/TS-1')).toBe('/report/status/TS-1');
    expect(safeUrl('#/incidents/3')).toBe('#/incidents/3');
  });

  it('wires listeners from `on` and skips false, null and undefined', () => {
    let clicks = 0;
    const b = h('button', { on: { click: () => clicks++ }, disabled: false, title: undefined }, null, false, 'ok', 0);
    b.click();
    expect(clicks).toBe(1);
    expect(b.hasAttribute('disabled')).toBe(false);
    expect(b.textContent).toBe('ok0');
  });
});

describe('style', () => {
  it('goes through the CSSOM', () => {
    const el = h('span', { style: 'background:#c62828;color:#fff' });
    expect(el.style.backgroundColor).not.toBe('');
    expect(el.style.color).not.toBe('');
  });
});

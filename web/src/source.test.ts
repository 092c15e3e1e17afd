// Guards on the source itself: no HTML parsing of data anywhere.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// vitest runs from web/ (package.json's folder).
const SRC = join(process.cwd(), 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

describe('source', () => {
  it('never parses HTML from a string (innerHTML, outerHTML, insertAdjacentHTML, document.write, DOMParser)', () => {
    const found: string[] = [];
    for (const f of files(SRC)) {
      readFileSync(f, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (/\b(innerHTML|outerHTML|insertAdjacentHTML|document\.write|DOMParser|createContextualFragment|srcdoc)\b/.test(line)) {
            found.push(`${f}:${i + 1}: ${line.trim()}`);
          }
        });
    }
    expect(found).toEqual([]);
  });

  it('builds HTML strings only through escapeHtml (ECharts tooltips)', () => {
    // A formatter returning a template literal must escape every ${...}.
    const bad: string[] = [];
    for (const f of files(SRC)) {
      const text = readFileSync(f, 'utf8');
      // A formatter's body spans a few lines; look at the template literals in it.
      for (const m of text.matchAll(/formatter:[\s\S]{0,300}?`([^`]*)`/g)) {
        const body = m[1] ?? '';
        for (const expr of body.matchAll(/\$\{([^}]*)\}/g)) {
          if (!/^escapeHtml\(/.test((expr[1] ?? '').trim())) bad.push(`${f}: ${expr[0]}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('has no eval or Function constructor', () => {
    for (const f of files(SRC)) expect(readFileSync(f, 'utf8'), f).not.toMatch(/\beval\(|new Function\(/);
  });
});

// DOM building without HTML strings: every piece of data reaches the page
// as a text node or an attribute value, so nothing a server or a reporter
// sends can become markup. There is deliberately no way to pass HTML here.

/** Anything that can be a child: text becomes a text node; arrays are flattened; nullish and false are skipped. */
export type Child = Node | string | number | null | undefined | false | Child[];

/** Element options. `on` takes listeners; other keys become attributes. */
export interface Props {
  class?: string;
  style?: string;
  on?: { [K in keyof HTMLElementEventMap]?: (ev: HTMLElementEventMap[K]) => void };
  [attr: string]: unknown;
}

// Schemes a link built from data may use; anything else (javascript:, data:)
// is replaced, since an href is the one attribute where text becomes code.
const SAFE_URL = /^(https?:|mailto:|\/|#|\.)/i;

/** Returns `url` when it is an http(s), mailto or relative link, otherwise `#`. */
export function safeUrl(url: string): string {
  const trimmed = url.trim();
  return SAFE_URL.test(trimmed) && !trimmed.startsWith('//') ? trimmed : '#';
}

function append(el: Node, child: Child): void {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) {
    for (const c of child) append(el, c);
  } else if (child instanceof Node) {
    el.appendChild(child);
  } else {
    el.appendChild(document.createTextNode(String(child)));
  }
}

/** Creates an element with attributes, listeners and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props?: Props | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props) {
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'on') {
        for (const [ev, fn] of Object.entries(value as Record<string, EventListener>)) {
          el.addEventListener(ev, fn);
        }
      } else if (/^on/i.test(key)) {
        // Inline handlers are strings of code: never from here.
        throw new Error(`inline handler attribute ${key} is not allowed`);
      } else if (key === 'href' || key === 'src' || key === 'action') {
        el.setAttribute(key, safeUrl(String(value)));
      } else if (key === 'style') {
        // Through the CSSOM, which a strict Content-Security-Policy allows,
        // unlike a style attribute.
        el.style.cssText = String(value);
      } else if (value === true) {
        el.setAttribute(key, '');
      } else {
        el.setAttribute(key, String(value));
      }
    }
  }
  for (const c of children) append(el, c);
  return el;
}

/** Replaces all children of `el`. */
export function mount(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  for (const c of children) append(el, c);
}

/**
 * Escapes text for the few places a library wants an HTML string (ECharts
 * tooltip formatters). Everything else uses `h`, which never parses HTML.
 */
export function escapeHtml(text: unknown): string {
  return String(text ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

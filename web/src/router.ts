// Hash routes for the console (`#/incidents/12?x=y`), so the server only has
// to serve index.html at `/`; the public portal lives on real paths
// (`/report`, `/report/status/CODE`) that people can type and share.

/** A parsed route. */
export interface Route {
  /** Path segments after `#/`, decoded. */
  parts: string[];
  query: URLSearchParams;
}

/** Parses a hash such as `#/incidents/12?status=new`. */
export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const [path = '', qs = ''] = raw.split('?', 2);
  const parts = path
    .split('/')
    .filter((p) => p !== '')
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
  return { parts, query: new URLSearchParams(qs) };
}

/** Goes to a console route (`/incidents?status=new`). */
export function navigate(path: string): void {
  location.hash = `#${path.startsWith('/') ? path : `/${path}`}`;
}

/** A parsed portal path: the form, a status page, or the acknowledgements board. */
export type PortalRoute = { page: 'form' } | { page: 'status'; code: string } | { page: 'acks' };

/** Parses `/report`, `/report/status/CODE`, `/report/acknowledgements`; `null` for console paths. */
export function parsePortalPath(pathname: string): PortalRoute | null {
  const m = /^\/report(?:\/(.*))?$/.exec(pathname.replace(/\/+$/, ''));
  if (!m) return null;
  const rest = m[1] ?? '';
  if (rest === '') return { page: 'form' };
  if (rest === 'acknowledgements') return { page: 'acks' };
  const s = /^status\/([^/]+)$/.exec(rest);
  if (s?.[1]) {
    try {
      return { page: 'status', code: decodeURIComponent(s[1]) };
    } catch {
      return { page: 'status', code: s[1] };
    }
  }
  return { page: 'form' };
}

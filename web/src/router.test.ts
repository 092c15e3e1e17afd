import { describe, expect, it } from 'vitest';
import { parseHash, parsePortalPath } from './router';

describe('routes', () => {
  it('parses console hashes with their query', () => {
    const r = parseHash('#/incidents/12?status=new&q=a%20b');
    expect(r.parts).toEqual(['incidents', '12']);
    expect(r.query.get('q')).toBe('a b');
    expect(parseHash('').parts).toEqual([]);
    expect(parseHash('#/assets/10.0.1.0%2F24').parts).toEqual(['assets', '10.0.1.0/24']);
    expect(parseHash('#/assets/%E0%A4%A').parts).toEqual(['assets', '%E0%A4%A']);
  });

  it('recognises the portal paths and nothing else', () => {
    expect(parsePortalPath('/report')).toEqual({ page: 'form' });
    expect(parsePortalPath('/report/')).toEqual({ page: 'form' });
    expect(parsePortalPath('/report/status/TS-1234')).toEqual({ page: 'status', code: 'TS-1234' });
    expect(parsePortalPath('/report/acknowledgements')).toEqual({ page: 'acks' });
    expect(parsePortalPath('/')).toBeNull();
    expect(parsePortalPath('/reports')).toBeNull();
  });
});

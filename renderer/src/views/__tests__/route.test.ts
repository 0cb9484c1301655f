// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { parseRoute, routeHash, routeJob, type Route } from '../route';

describe('hash routes', () => {
  it('parses every view, and round-trips names with special characters', () => {
    expect(parseRoute('#/new')).toEqual({ view: 'new' });
    expect(parseRoute('#/connections')).toEqual({ view: 'connections' });
    expect(parseRoute('#/jobs/shop')).toEqual({ view: 'job', job: 'shop' });
    expect(parseRoute('#/jobs/shop/cutover')).toEqual({ view: 'cutover', job: 'shop' });
    expect(parseRoute('#/jobs/shop/rollback')).toEqual({ view: 'rollback', job: 'shop' });
    expect(parseRoute('')).toEqual({ view: 'home' });
    expect(parseRoute('#/jobs/%E0')).toEqual({ view: 'home' });
    const routes: Route[] = [{ view: 'job', job: 'a/b c' }, { view: 'cutover', job: 'x.y-z' }, { view: 'rollback', job: 'x.y-z' }, { view: 'new' }, { view: 'connections' }];
    for (const r of routes) expect(parseRoute(routeHash(r))).toEqual(r);
    expect(routeJob({ view: 'cutover', job: 'j' })).toBe('j');
    expect(routeJob({ view: 'rollback', job: 'j' })).toBe('j');
    expect(routeJob({ view: 'new' })).toBeNull();
  });
});

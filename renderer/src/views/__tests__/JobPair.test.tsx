import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen, within } from '@testing-library/react';
import { axeViolations } from '../../widgets/axe';
import { rollbackReadiness } from '../cutover/rollback-model';
import { JobsList, pairedOrder } from '../JobsList';
import { PairPanel } from '../PairPanel';
import { summary } from './fake-api';

afterEach(cleanup);

const forward = summary({ name: 'shop', state: 'switched', phase: 'streaming', pair: { role: 'forward', job: 'shop-reverse' } });
const reverse = (over: Parameters<typeof summary>[0] = {}) => summary({ name: 'shop-reverse', mode: 'stream', state: 'running', phase: 'streaming', lagSeconds: 1.2, pair: { role: 'reverse', job: 'shop' }, ...over });
const other = summary({ name: 'crm', state: 'running', phase: 'copying' });

describe('a switched job and its reverse job', () => {
  it('the readiness: ready under the threshold, lagging N s over it, stopped, not started', () => {
    expect(rollbackReadiness(reverse()).state).toBe('ready');
    expect(rollbackReadiness(reverse({ lagSeconds: 12.4 }))).toMatchObject({ state: 'lagging', label: 'lagging 12 s' });
    expect(rollbackReadiness(reverse({ state: 'failed', lagSeconds: null }))).toMatchObject({ state: 'stopped', label: 'stopped' });
    expect(rollbackReadiness(reverse({ state: 'switched', lagSeconds: null })).state).toBe('stopped');
    expect(rollbackReadiness(reverse({ state: 'idle', lagSeconds: null })).state).toBe('not-started');
    expect(rollbackReadiness(reverse({ lagSeconds: null })).state).toBe('not-started');
    expect(rollbackReadiness(undefined).state).toBe('not-started');
  });

  it('the jobs list puts the reverse job right under its forward job, marked with the readiness', async () => {
    expect(pairedOrder([reverse(), other, forward]).map((j) => j.name)).toEqual(['crm', 'shop', 'shop-reverse']);
    const view = render(<JobsList jobs={[reverse({ lagSeconds: 30 }), other, forward]} selected="shop" />);
    const items = within(screen.getByTestId('job-list')).getAllByRole('link');
    expect(items.map((a) => a.dataset.testid)).toEqual(['job-item-crm', 'job-item-shop', 'job-item-shop-reverse']);
    expect(screen.getByTestId('job-item-shop').textContent).toContain('switched · way back: shop-reverse');
    expect(screen.getByTestId('job-item-shop-reverse').className).toContain('job-item-reverse');
    expect(screen.getByTestId('job-pair-shop-reverse').textContent).toContain('way back of shop');
    expect(screen.getByTestId('job-readiness-shop-reverse').textContent).toBe('lagging 30 s');
    expect(await axeViolations(view.container)).toEqual([]);
  });

  it('the forward job’s dashboard links its reverse job and the rollback; the reverse job’s links back', async () => {
    const view = render(<PairPanel job="shop" jobs={[forward, reverse()]} />);
    expect(screen.getByTestId('job-pair').textContent).toContain('Switched.');
    expect(screen.getByTestId('pair-link').getAttribute('href')).toBe('#/jobs/shop-reverse');
    expect(screen.getByTestId('rollback-readiness').dataset.readiness).toBe('ready');
    expect(screen.getByTestId('btn-rollback').getAttribute('href')).toBe('#/jobs/shop/rollback');
    expect(await axeViolations(view.container)).toEqual([]);
    cleanup();
    render(<PairPanel job="shop-reverse" jobs={[forward, reverse({ state: 'stopped', lagSeconds: null })]} />);
    expect(screen.getByTestId('job-pair').textContent).toContain('The way back of shop');
    expect(screen.getByTestId('pair-link').getAttribute('href')).toBe('#/jobs/shop');
    expect(screen.getByTestId('rollback-readiness').textContent).toContain('stopped');
    expect(screen.getByTestId('btn-rollback').getAttribute('href')).toBe('#/jobs/shop/rollback');
    cleanup();
    render(<PairPanel job="crm" jobs={[other]} />);
    expect(screen.queryByTestId('job-pair')).toBeNull();
  });
});

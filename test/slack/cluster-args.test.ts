import { describe, expect, it } from 'vitest';
import type { MedicConfig } from '../../src/config/types.js';
import { parseClusterArgs } from '../../src/slack/cluster-args.js';

/** Two clusters; C0MARKET is market's channel, C0NONE has none. */
const two = {
  clusters: [{ name: 'market' }, { name: 'orders' }],
  slack: { channels: { C0MARKET: 'market' } },
} as unknown as MedicConfig;
const one = { clusters: [{ name: 'solo' }], slack: { channels: {} } } as unknown as MedicConfig;

const name = (a: ReturnType<typeof parseClusterArgs>) =>
  a.kind === 'cluster' ? `${a.cluster.name} ${a.rest.join(' ')}`.trim() : a.kind === 'all' ? 'all' : a;

describe('parseClusterArgs: `[cluster] …` for every slash command', () => {
  it('`[cluster]`: the named cluster, the channel’s, the only one; otherwise the help says why', () => {
    expect(name(parseClusterArgs('orders', two, 'C0MARKET'))).toBe('orders');
    expect(name(parseClusterArgs('  ', two, 'C0MARKET'))).toBe('market');
    expect(name(parseClusterArgs(undefined, one, 'C0NONE'))).toBe('solo');
    expect(parseClusterArgs('', two, 'C0NONE')).toEqual({
      kind: 'help',
      problemKey: 'slack:help.no_default',
    });
    expect(parseClusterArgs('--help', two, 'C0MARKET')).toEqual({ kind: 'help' });
    expect(parseClusterArgs('nope', two, 'C0MARKET')).toEqual({
      kind: 'help',
      problemKey: 'slack:help.unknown_cluster',
      problemValues: { name: 'nope' },
    });
    expect(parseClusterArgs('market extra', two, 'C0MARKET')).toEqual({
      kind: 'help',
      problemKey: 'slack:help.too_many_args',
      problemValues: { text: 'market extra' },
    });
  });

  it('`[cluster] [rule]` (rest: 1): the rule alone runs on the channel’s cluster', () => {
    const ttl = { rest: 1 };
    expect(name(parseClusterArgs('', two, 'C0MARKET', ttl))).toBe('market');
    expect(name(parseClusterArgs('orders', two, 'C0MARKET', ttl))).toBe('orders');
    expect(name(parseClusterArgs('coupon-unread', two, 'C0MARKET', ttl))).toBe('market coupon-unread');
    expect(name(parseClusterArgs('orders coupon-unread', two, 'C0NONE', ttl))).toBe('orders coupon-unread');
    // Without a channel cluster a lone word must be a cluster; two words must start with one.
    expect(parseClusterArgs('coupon-unread', two, 'C0NONE', ttl)).toMatchObject({
      problemKey: 'slack:help.unknown_cluster',
    });
    expect(parseClusterArgs('nope coupon-unread', two, 'C0MARKET', ttl)).toMatchObject({
      problemKey: 'slack:help.unknown_cluster',
      problemValues: { name: 'nope' },
    });
    expect(parseClusterArgs('market a b', two, 'C0MARKET', ttl)).toMatchObject({
      problemKey: 'slack:help.too_many_args',
    });
  });

  it('`[cluster|all]` (all): no argument outside a cluster’s channel means every cluster', () => {
    const audit = { all: true };
    expect(name(parseClusterArgs('', two, 'C0MARKET', audit))).toBe('market');
    expect(name(parseClusterArgs('', two, 'C0NONE', audit))).toBe('all');
    // Even with a single cluster configured: every cluster, as the channel has none.
    expect(name(parseClusterArgs('', one, 'C0NONE', audit))).toBe('all');
    expect(name(parseClusterArgs('all', two, 'C0MARKET', audit))).toBe('all');
    expect(name(parseClusterArgs('orders', two, 'C0MARKET', audit))).toBe('orders');
    expect(parseClusterArgs('all orders', two, 'C0MARKET', audit)).toMatchObject({
      problemKey: 'slack:help.too_many_args',
    });
    // Elsewhere `all` is just an unknown cluster name.
    expect(parseClusterArgs('all', two, 'C0MARKET')).toMatchObject({
      problemKey: 'slack:help.unknown_cluster',
    });
  });
});

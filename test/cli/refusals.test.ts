/**
 * Input that used to be accepted, or refused for the wrong reason, is refused with a clear,
 * localized error naming what is wrong, and nothing changes on the target: an empty rules list, an
 * unbalanced glob, a watch interval too short, a deadline in the past, a port out of range, a DB
 * path that is not a number. A rules file's problems come all at once.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRedis, startLocalRedis } from '../../src/demo/local-redis.js';
import { runCli } from '../support/cli.js';

let target: LocalRedis;
let queue: LocalRedis;
let client: Redis;
let dir: string;
let config: string;
const CART_KEYS = 50;

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function configYaml(extra = ''): string {
  return `queue:
  url: ${queue.url}
clusters:
  - name: shop
    url: ${target.url}
${extra}`;
}

/** Every cart key still has no TTL: nothing was written. */
async function expectNoTtlChanged(): Promise<void> {
  const keys = await client.keys('cart:*');
  expect(keys).toHaveLength(CART_KEYS);
  const ttls = await Promise.all(keys.map((k) => client.pttl(k)));
  expect(ttls.every((t) => t === -1)).toBe(true);
}

beforeAll(async () => {
  [target, queue] = await Promise.all([startLocalRedis(), startLocalRedis()]);
  client = new Redis(target.url);
  for (let i = 0; i < CART_KEYS; i++) await client.set(`cart:${i}`, 'x');
  dir = mkdtempSync(join(tmpdir(), 'refusals-'));
  config = file('redis-medic.yml', configYaml());
}, 30_000);

afterAll(async () => {
  client?.disconnect();
  await Promise.all([target?.stop(), queue?.stop()]);
});

describe('rules files', () => {
  it('rules: [] says the file has no rules, not that every rule names another cluster', async () => {
    const rules = file('empty.yml', 'rules: []\n');
    const run = await runCli([
      'ttl',
      'run',
      '--yes',
      '--config',
      config,
      '--cluster',
      'shop',
      '--rules',
      rules,
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('has no rules');
    expect(run.stderr).not.toContain('another cluster');
    const zh = await runCli(['ttl', 'dry-run', '--redis', target.url, '--rules', rules, '--lang', 'zh']);
    expect(zh.code).toBe(1);
    expect(zh.stderr).toContain('没有任何规则');
    await expectNoTtlChanged();
  });

  it('an unbalanced glob is refused, naming the rule and the open [', async () => {
    const rules = file(
      'glob.yml',
      'rules:\n  - name: carts\n    match: "cart:[*"\n    action: set-missing\n    ttl: 1d\n',
    );
    const run = await runCli([
      'ttl',
      'run',
      '--yes',
      '--config',
      config,
      '--cluster',
      'shop',
      '--rules',
      rules,
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/rules\[0\]\.match: .*cart:\[\*.*\[/);
    expect(run.stderr).toContain('never closed');
    await expectNoTtlChanged();
  });

  it('every problem of a rules file is reported in one go', async () => {
    const rules = file(
      'many.yml',
      `rules:
  - name: carts
    match: "cart:*"
    action: set-missing
    ttl: soon
  - name: carts
    match: "redis-medic:*"
    action: set-missing
    ttl: 1d
  - name: sessions
    match: "session:*"
    action: delete
    ttl: 1d
`,
    );
    const run = await runCli(['ttl', 'dry-run', '--config', config, '--cluster', 'shop', '--rules', rules]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('rules[0].ttl');
    expect(run.stderr).toContain('rules[1].name');
    expect(run.stderr).toContain('rules[1].match');
    expect(run.stderr).toContain('rules[2].action');
    expect(run.stderr).toContain('4 problem(s)');
  });
});

describe('the rules: section of a config', () => {
  it('is checked across rules in the same report as a type error elsewhere', async () => {
    const path = file(
      'two-rounds.yml',
      configYaml(`watch:
  intervalMinutes: "five"
rules:
  - {name: carts, match: "redis-medic:*", action: cap, ttl: 1d}
  - {name: carts, match: "cart:*", action: cap, ttl: soon}
`),
    );
    const run = await runCli(['check-config', '--config', path]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('watch.intervalMinutes');
    expect(run.stderr).toContain('rules[1].ttl');
    expect(run.stderr).toMatch(/rules\[0\]\.match: .*bot's own keys/);
    expect(run.stderr).toMatch(/rules\[1\]\.name: .*already used/);
  });
});

describe('config values', () => {
  it('watch.intervalMinutes below one minute is refused, saying the minimum', async () => {
    const path = file('fast.yml', configYaml('watch:\n  intervalMinutes: 0.001\n'));
    const run = await runCli(['check-config', '--config', path]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/watch\.intervalMinutes: .*1 minute/);
  });

  it.each([
    ['a port out of range', 'redis://127.0.0.1:99999', /port 99999 .*1.*65535/],
    ['a DB path that is not a number', 'redis://127.0.0.1:6379/aaaa', /\/aaaa .*DB number/],
  ])('%s in the config is named as such', async (_name, url, message) => {
    const path = file('url.yml', `queue:\n  url: ${queue.url}\nclusters:\n  - name: shop\n    url: ${url}\n`);
    const run = await runCli(['check-config', '--config', path]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(message);
  });
});

describe('check-config warnings', () => {
  it('names a cluster no channel in slack.channels maps to (its alerts would only be logged), exit 0', async () => {
    const path = file(
      'no-channel.yml',
      `queue:\n  url: ${queue.url}\nclusters:\n  - name: shop\n    url: ${target.url}\n  - name: books\n    url: ${target.url}/2\nslack:\n  channels:\n    C0SHOP: shop\n`,
    );
    const run = await runCli(['check-config', '--config', path]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/slack\.channels.*books/);
    expect(run.stderr).not.toMatch(/slack\.channels.*shop/);
    const zh = await runCli(['check-config', '--config', path, '--lang', 'zh']);
    expect(zh.stderr).toMatch(/slack\.channels.*books/);
  });
});

describe('command-line values', () => {
  it('--redis with a port out of range: exit 1, says the port', async () => {
    const run = await runCli(['status', '--redis', 'redis://127.0.0.1:99999']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/port 99999 .*1.*65535/);
  });

  it('--redis with a DB path that is not a number: refused before connecting, exit 1', async () => {
    const run = await runCli(['keys', '--redis', `${target.url}/aaaa`]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/\/aaaa .*DB number/);
    const zh = await runCli(['status', '--redis', `${target.url}/aaaa`, '--lang', 'zh']);
    expect(zh.code).toBe(1);
    expect(zh.stderr).toContain('DB 编号');
  });

  it('keys --match with an unclosed [ is refused before anything is read', async () => {
    const run = await runCli(['keys', '--redis', target.url, '--match', 'cart:[*', '--json']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('cart:[*');
    expect(run.stderr).toContain('never closed');
  });

  it('a --deadline in the past is refused', async () => {
    const run = await runCli(['notify', '--cluster', 'shop', '--config', config, '--deadline', '2020-01-01']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('2020-01-01');
    expect(run.stderr).toContain('in the past');
  });
});

/**
 * The target answers, but not as the command expects: an HTTP server on the port (not Redis at all:
 * unreachable as configured, exit 2), or a standalone Redis given `--cluster-mode` (a usage
 * mistake, exit 1, with what to change). Both localized, neither asks to "report this".
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort, type LocalRedis, startLocalRedis } from '../../src/demo/local-redis.js';
import { runCli } from '../support/cli.js';

let http: Server;
let httpUrl: string;
let standalone: LocalRedis;

beforeAll(async () => {
  http = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>hello</body></html>');
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  httpUrl = `redis://127.0.0.1:${(http.address() as AddressInfo).port}`;
  standalone = await startLocalRedis();
}, 30_000);

afterAll(async () => {
  http?.closeAllConnections();
  await new Promise((resolve) => http?.close(resolve));
  await standalone?.stop();
});

describe('a port that does not speak Redis', () => {
  it.each([
    ['status', ['status']],
    ['keys', ['keys']],
  ])('%s: "does not speak the Redis protocol", exit 2', async (_name, args) => {
    const run = await runCli([...args, '--redis', httpUrl]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('does not speak the Redis protocol');
    expect(run.stderr).not.toContain('report this');
    expect(run.stderr).not.toContain('Protocol error');
  });

  it('with --cluster-mode too', async () => {
    const run = await runCli(['status', '--redis', httpUrl, '--cluster-mode']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('does not speak the Redis protocol');
  });

  it('in Chinese', async () => {
    const run = await runCli(['status', '--redis', httpUrl, '--lang', 'zh']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Redis 协议');
    expect(run.stderr).not.toContain('report this');
  });
});

describe('--cluster-mode against a port nobody listens on', () => {
  it('says the connection was refused, like without --cluster-mode', async () => {
    const dead = await findFreePort();
    const run = await runCli(['status', '--redis', `redis://127.0.0.1:${dead}`, '--cluster-mode']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('connection refused');
  });
});

describe('--cluster-mode against a standalone Redis', () => {
  it.each([
    ['status', ['status']],
    ['keys', ['keys']],
  ])('%s: says cluster support is disabled and to drop --cluster-mode, exit 1', async (_name, args) => {
    const run = await runCli([...args, '--redis', standalone.url, '--cluster-mode']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('cluster support disabled');
    expect(run.stderr).toContain('drop --cluster-mode');
    expect(run.stderr).not.toContain('ERR This instance');
  });

  it('in Chinese', async () => {
    const run = await runCli(['status', '--redis', standalone.url, '--cluster-mode', '--lang', 'zh']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('--cluster-mode');
    expect(run.stderr).toContain('未启用集群模式');
  });
});

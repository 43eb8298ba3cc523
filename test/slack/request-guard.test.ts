/**
 * The request guard on its own, over real HTTP: what a refusal answers and logs (the reason, never
 * the signature or the secret), and that without its store it refuses instead of letting a possible
 * replay through. The end-to-end cases through the bot are in request-freshness.e2e.test.ts.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { guardSlackRequests } from '../../src/slack/request-guard.js';
import { postSignedRequest, signSlackRequest } from '../support/slack/signed-request.js';

const SECRET = 'guard-test-signing-secret';
const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function start(set: (key: string) => Promise<'OK' | null>) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const reached: string[] = [];
  const listener = guardSlackRequests(
    (req, res) => {
      reached.push(req.url ?? '');
      res.writeHead(200);
      res.end();
    },
    {
      signingSecret: SECRET,
      redis: { set: (key: string) => set(key) } as unknown as Pick<Redis, 'set'>,
      prefix: 'test',
      logger: pino({ level: 'info' }, sink),
    },
  );
  const server = createServer(listener);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, lines, reached };
}

/** SET NX on a Set: 'OK' the first time a key is seen. */
function remember(seen: Set<string>) {
  return async (key: string): Promise<'OK' | null> => {
    if (seen.has(key)) return null;
    seen.add(key);
    return 'OK';
  };
}

const body = 'command=%2Fredis-status&text=market';
const nowSec = () => Math.floor(Date.now() / 1000);

describe('request guard', () => {
  it('a future-dated request: 401, the listener never runs, the log says why without the signature or secret', async () => {
    const seen = new Set<string>();
    const g = await start(remember(seen));
    const ts = nowSec() + 600;
    const res = await postSignedRequest(g.url, SECRET, body, 'application/x-www-form-urlencoded', {
      timestampSec: ts,
    });
    expect(res.status).toBe(401);
    expect(g.reached).toEqual([]);
    const refusal = g.lines.find((l) => l.msg === 'slack request refused');
    expect(refusal).toMatchObject({ reason: 'future' });
    const signature = signSlackRequest(SECRET, body, ts)['x-slack-signature'];
    const logged = JSON.stringify(g.lines);
    expect(logged).not.toContain(signature.slice(3));
    expect(logged).not.toContain(SECRET);
    // Nothing was remembered for a refused request.
    expect(seen.size).toBe(0);
  });

  it('a request 6 minutes old and a bad signature: 401 each, nothing remembered', async () => {
    const seen = new Set<string>();
    const g = await start(remember(seen));
    const old = await postSignedRequest(g.url, SECRET, body, 'application/x-www-form-urlencoded', {
      timestampSec: nowSec() - 360,
    });
    const forged = await postSignedRequest(g.url, SECRET, body, 'application/x-www-form-urlencoded', {
      badSignature: true,
    });
    expect([old.status, forged.status]).toEqual([401, 401]);
    expect(g.reached).toEqual([]);
    expect(g.lines.filter((l) => l.msg === 'slack request refused').map((l) => l.reason)).toEqual([
      'stale',
      'bad_signature',
    ]);
    expect(seen.size).toBe(0);
  });

  it('the store unreachable: 503 and nothing runs (a replay could not be told apart)', async () => {
    const g = await start(async () => {
      throw new Error('connect ECONNREFUSED redis://:hunter2@127.0.0.1:6390');
    });
    const res = await postSignedRequest(g.url, SECRET, body, 'application/x-www-form-urlencoded');
    expect(res.status).toBe(503);
    expect(g.reached).toEqual([]);
    expect(g.lines.find((l) => l.msg === 'slack request refused')).toMatchObject({
      reason: 'store_unavailable',
    });
    expect(JSON.stringify(g.lines)).not.toContain('hunter2');
  });

  it('GETs and other paths (health checks) pass untouched', async () => {
    const g = await start(async () => 'OK');
    const res = await fetch(`${g.url}/healthz`);
    expect(res.status).toBe(200);
    expect(g.reached).toEqual(['/healthz']);
  });
});

/**
 * The request guard reads the body before Bolt does, so Bolt's body limit (4 MB, answered 413)
 * must hold there: an unauthenticated POST of any size would otherwise be buffered whole in
 * memory before its signature is even looked at.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HTTPModuleFunctions } from '@slack/bolt';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { guardSlackRequests } from '../../src/slack/request-guard.js';

let server: Server;
let port: number;
let reached = 0;

beforeAll(async () => {
  server = createServer(
    guardSlackRequests(
      (_req, res) => {
        reached++;
        res.writeHead(200);
        res.end();
      },
      {
        signingSecret: 'body-limit-secret',
        redis: { set: async () => 'OK' } as unknown as Pick<Redis, 'set'>,
        prefix: 'test',
        logger: pino({ level: 'silent' }),
      },
    ),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});

/** POSTs `bytes` bytes, declared or chunked; resolves the status (a reset after the answer is fine). */
function post(bytes: number, chunked: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/slack/events',
        agent: false,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(chunked ? {} : { 'content-length': bytes }),
        },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', (err) => reject(err));
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let sent = 0;
    const pump = () => {
      while (sent < bytes) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

it("a body over Bolt's limit is refused with 413, declared or chunked, and never reaches Bolt", async () => {
  const over = HTTPModuleFunctions.defaultBodyLimit + 64 * 1024;
  expect(await post(over, false)).toBe(413);
  expect(await post(over, true)).toBe(413);
  expect(reached).toBe(0);
});

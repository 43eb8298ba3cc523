/**
 * One write-only pipelined connection to a Redis server, opened from an ioredis client's settings
 * (host or socket path, TLS, AUTH, SELECT), that counts replies instead of parsing them.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';
import type { RedisOptions } from 'ioredis';
import { selectWords } from '../../keyspace/scan/select-command.js';
import { RespEncoder } from './resp-encoder.js';

export interface Endpoint {
  host: string;
  port: number;
  path?: string;
  tls?: ConnectionOptions;
  username?: string;
  password?: string;
  db: number;
}

/** The connection settings of an ioredis client, when the raw writer can reproduce them. */
export function endpointOf(options: RedisOptions): Endpoint | undefined {
  const o = options as RedisOptions & { path?: string; tls?: ConnectionOptions; sentinels?: unknown[] };
  if (o.Connector || (o.sentinels && o.sentinels.length > 0) || o.keyPrefix) return undefined;
  return {
    host: o.host ?? '127.0.0.1',
    port: o.port ?? 6379,
    ...(o.path ? { path: o.path } : {}),
    ...(o.tls ? { tls: o.tls } : {}),
    ...(o.username ? { username: o.username } : {}),
    ...(o.password ? { password: o.password } : {}),
    db: o.db ?? 0,
  };
}

/**
 * A write-only pipelined connection. Every command the loader sends answers with one line (+OK,
 * :n or -ERR), so replies are counted by newlines instead of being parsed.
 */
export class RespPipe {
  private sent = 0;
  private acked = 0;
  private firstError: Error | undefined;
  private broken: Error | undefined;
  private inErrorLine = false;
  private atLineStart = true;
  private errorText = '';
  private waiters: { target: number; resolve: () => void; reject: (err: Error) => void }[] = [];

  private constructor(
    private readonly socket: Socket,
    readonly name: string,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error(`connection to ${name} closed`)));
  }

  static async open(ep: Endpoint, timeoutMs = 10_000): Promise<RespPipe> {
    const name = ep.path ?? `${ep.host}:${ep.port}`;
    const target = ep.path ? { path: ep.path } : { host: ep.host, port: ep.port };
    const socket = ep.tls ? tlsConnect({ ...ep.tls, ...target }) : netConnect(target);
    const ready = ep.tls ? 'secureConnect' : 'connect';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connecting to ${name} timed out`));
      }, timeoutMs);
      socket.once(ready, () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    const pipe = new RespPipe(socket, name);
    const hello = new RespEncoder();
    if (ep.password) hello.command(ep.username ? ['AUTH', ep.username, ep.password] : ['AUTH', ep.password]);
    if (ep.db) hello.command(selectWords(ep.db));
    if (!hello.empty) {
      const commands = hello.commands;
      pipe.write(hello.take(), commands);
      try {
        await pipe.flushed();
      } catch (err) {
        pipe.close();
        throw err;
      }
    }
    return pipe;
  }

  write(payload: Buffer, commands: number): void {
    if (this.broken) throw this.broken;
    this.socket.write(payload);
    this.sent += commands;
  }

  /** Resolves when every command written so far is answered; rejects on the first error reply. */
  flushed(): Promise<void> {
    const target = this.sent;
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ target, resolve, reject });
      this.settle();
    });
  }

  close(): void {
    this.broken ??= new Error(`connection to ${this.name} closed`);
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length) {
      if (this.atLineStart) {
        this.inErrorLine = chunk[pos] === 0x2d;
        this.errorText = '';
        this.atLineStart = false;
      }
      const nl = chunk.indexOf(0x0a, pos);
      const end = nl < 0 ? chunk.length : nl;
      if (this.inErrorLine) this.errorText += chunk.toString('utf8', pos, end);
      if (nl < 0) break;
      if (this.inErrorLine) {
        this.firstError ??= new Error(`${this.name}: ${this.errorText.slice(1).trim()}`);
      }
      this.acked++;
      this.atLineStart = true;
      pos = nl + 1;
    }
    this.settle();
  }

  private fail(err: Error): void {
    this.broken ??= err;
    this.settle();
  }

  private settle(): void {
    while (this.waiters.length) {
      const w = this.waiters[0] as (typeof this.waiters)[number];
      const failure = this.firstError ?? (this.acked >= w.target ? undefined : this.broken);
      if (failure) w.reject(failure);
      else if (this.acked >= w.target) w.resolve();
      else return;
      this.waiters.shift();
    }
  }
}

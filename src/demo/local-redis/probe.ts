/**
 * A minimal RESP client: enough for PING / INFO / CLUSTER while a server comes up, without a client
 * library's reconnect logic getting in the way.
 */
import { createConnection, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { LOCAL_HOST } from './types.js';

type RespValue = string | number | null | Error | RespValue[];

function encodeCommand(args: readonly string[]): string {
  let out = `*${args.length}\r\n`;
  for (const arg of args) out += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
  return out;
}

function parseReply(buf: Buffer, start: number): { value: RespValue; next: number } | undefined {
  const lineEnd = buf.indexOf('\r\n', start);
  if (lineEnd < 0) return undefined;
  const kind = String.fromCharCode(buf[start] ?? 0);
  const line = buf.toString('utf8', start + 1, lineEnd);
  const afterLine = lineEnd + 2;
  switch (kind) {
    case '+':
      return { value: line, next: afterLine };
    case '-':
      return { value: new Error(line), next: afterLine };
    case ':':
      return { value: Number(line), next: afterLine };
    case '$': {
      const len = Number(line);
      if (len < 0) return { value: null, next: afterLine };
      if (buf.length < afterLine + len + 2) return undefined;
      return { value: buf.toString('utf8', afterLine, afterLine + len), next: afterLine + len + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, next: afterLine };
      const items: RespValue[] = [];
      let next = afterLine;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buf, next);
        if (!item) return undefined;
        items.push(item.value);
        next = item.next;
      }
      return { value: items, next };
    }
    default:
      throw new Error(`unexpected RESP type byte ${JSON.stringify(kind)}`);
  }
}

/** How the start-up probe speaks TLS to a TLS-only server (it checks liveness, not the certificate). */
export interface ProbeTls {
  cert?: Buffer;
  key?: Buffer;
}

/** Sends the commands on one connection and resolves with one reply per command. */
function sendCommands(
  port: number,
  commands: readonly (readonly string[])[],
  timeoutMs: number,
  tls?: ProbeTls,
): Promise<RespValue[]> {
  return new Promise((resolve, reject) => {
    const socket: Socket = tls
      ? tlsConnect({ host: LOCAL_HOST, port, rejectUnauthorized: false, cert: tls.cert, key: tls.key })
      : createConnection({ host: LOCAL_HOST, port });
    let buf: Buffer = Buffer.alloc(0);
    const replies: RespValue[] = [];
    let settled = false;
    const finish = (err: Error | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(replies);
    };
    const timer = setTimeout(() => finish(new Error(`timeout after ${timeoutMs} ms`)), timeoutMs);
    socket.once(tls ? 'secureConnect' : 'connect', () => socket.write(commands.map(encodeCommand).join('')));
    socket.on('data', (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      let offset = 0;
      try {
        for (;;) {
          const parsed = parseReply(buf, offset);
          if (!parsed) break;
          replies.push(parsed.value);
          offset = parsed.next;
        }
      } catch (err) {
        finish(err as Error);
        return;
      }
      buf = buf.subarray(offset);
      if (replies.length >= commands.length) finish(undefined);
    });
    socket.once('error', (err) => finish(err));
    socket.once('close', () => finish(new Error('connection closed before all replies arrived')));
  });
}

export async function command(
  port: number,
  args: readonly string[],
  password?: string,
  timeoutMs = 1_000,
  tls?: ProbeTls,
) {
  const commands = password ? [['AUTH', password], args] : [args];
  const replies = await sendCommands(port, commands, timeoutMs, tls);
  for (const reply of replies) if (reply instanceof Error) throw reply;
  return replies[replies.length - 1] ?? null;
}

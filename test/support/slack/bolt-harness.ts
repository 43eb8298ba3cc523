import type { AddressInfo } from 'node:net';
import { type App, type Logger, LogLevel } from '@slack/bolt';

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: unknown[];
}

export interface CapturingLogger extends Logger {
  readonly entries: LogEntry[];
  /** Entries at the given level, each joined into one string. */
  lines(level: LogEntry['level']): string[];
}

/** A Bolt/WebClient logger that records instead of printing, so tests stay quiet and can assert on logs. */
export function createCapturingLogger(): CapturingLogger {
  const entries: LogEntry[] = [];
  let level: LogLevel = LogLevel.DEBUG;
  const push =
    (entryLevel: LogEntry['level']) =>
    (...msg: unknown[]): void => {
      entries.push({ level: entryLevel, msg });
    };
  return {
    entries,
    lines(wanted) {
      return entries.filter((e) => e.level === wanted).map((e) => e.msg.map(String).join(' '));
    },
    debug: push('debug'),
    info: push('info'),
    warn: push('warn'),
    error: push('error'),
    setLevel(next: LogLevel) {
      level = next;
    },
    getLevel() {
      return level;
    },
    setName() {},
  };
}

export interface StartedApp {
  port: number;
  /** `http://127.0.0.1:PORT` — pass to postSlashCommand / postBlockAction. */
  baseUrl: string;
  stop(): Promise<void>;
}

/**
 * Starts a Bolt App that uses the (default or explicit) HTTPReceiver on 127.0.0.1 with an OS-assigned port.
 * HTTPReceiver#start accepts net.ListenOptions and resolves with the http.Server, so the port is read back.
 */
export async function startAppOnLoopback(app: App): Promise<StartedApp> {
  const server = await app.start({ port: 0, host: '127.0.0.1' });
  const address = server.address() as AddressInfo | string | null;
  if (address === null || typeof address === 'string') {
    throw new Error(`Bolt receiver did not bind a TCP port (address: ${String(address)})`);
  }
  return {
    port: address.port,
    baseUrl: `http://127.0.0.1:${address.port}`,
    stop: async () => {
      await app.stop();
    },
  };
}

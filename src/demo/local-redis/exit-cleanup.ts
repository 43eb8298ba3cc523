/**
 * Kills every server this process started when it exits or is signalled, and removes their temp
 * dirs, so a forgotten stop() leaves nothing running.
 */
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

export interface Tracked {
  child: ChildProcess;
  dir: string;
  ownsDir: boolean;
}

const live = new Map<number, Tracked>();
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let handlersInstalled = false;

function killAllSync(): void {
  for (const [pid, tracked] of live) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
    if (tracked.ownsDir) rmSync(tracked.dir, { recursive: true, force: true });
  }
  live.clear();
}

function onExit(): void {
  killAllSync();
}

function onSignal(signal: NodeJS.Signals): void {
  killAllSync();
  // When we are the only listener, our listener suppressed Node's default (terminate): re-raise.
  const sole = process.listenerCount(signal) === 1;
  uninstallHandlers();
  if (sole) process.kill(process.pid, signal);
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', onExit);
  for (const signal of SIGNALS) process.on(signal, onSignal);
}

function uninstallHandlers(): void {
  if (!handlersInstalled) return;
  handlersInstalled = false;
  process.off('exit', onExit);
  for (const signal of SIGNALS) process.off(signal, onSignal);
}

export function track(pid: number, tracked: Tracked): void {
  live.set(pid, tracked);
  installHandlers();
}

export function untrack(pid: number): void {
  live.delete(pid);
  if (live.size === 0) uninstallHandlers();
}

/**
 * A worker child process that reports on stdout one JSON object a line (`{"event":"ready"}`,
 * `{"event":"fatal","message":…}`, then whatever the worker tells): the shape every worker child
 * of the crash, restart, fault and resource tests shares.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface JsonLineChild {
  proc: ChildProcess;
  /** Every JSON line the child printed, in order. */
  events: Record<string, unknown>[];
  /** Resolves at `ready`; rejects at `fatal` or when the child exits first (with its stderr). */
  ready: Promise<void>;
}

/** `node ARGS…` with `env` added to this process's environment; stdin piped only when asked. */
export function startJsonLineChild(
  args: string[],
  env: Record<string, string>,
  stdin: 'ignore' | 'pipe' = 'ignore',
): JsonLineChild {
  const proc = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: [stdin, 'pipe', 'pipe'],
  });
  const events: Record<string, unknown>[] = [];
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const ready = new Promise<void>((resolve, reject) => {
    createInterface({ input: proc.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      try {
        const event = JSON.parse(line) as Record<string, unknown>;
        events.push(event);
        if (event.event === 'ready') resolve();
        if (event.event === 'fatal') reject(new Error(String(event.message)));
      } catch {
        // not ours
      }
    });
    proc.on('exit', (code) => reject(new Error(`worker exited (${code}) before ready: ${stderr}`)));
  });
  return { proc, events, ready };
}

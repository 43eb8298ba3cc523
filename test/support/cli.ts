import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI entry point (through tsx, as `npm run demo` does) in a child process. */
export function runCli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, LANG: 'C.UTF-8', LC_ALL: '', REDIS_MEDIC_CONFIG: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * The lines of a CLI's stderr that are not its plain progress lines (printed, one per step, when
 * stderr is not a terminal, as under runCli): what a test expects to be empty on a clean run.
 */
export function nonProgressLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter(
      (l) =>
        l !== '' && !/^Dry-run \S+: [\d,]+ matching keys read, /.test(l) && !/^\S+ \[[#-]+\] \d+% · /.test(l),
    );
}

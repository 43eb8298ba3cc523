/**
 * promtool (Debian's `prometheus` package, installed by .ci/run) for the rules tests. A missing
 * promtool fails the test that needs it, naming what to install: CI must never skip these checks.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PromtoolResult {
  ok: boolean;
  output: string;
}

export async function promtool(args: string[], cwd?: string): Promise<PromtoolResult> {
  try {
    const { stdout, stderr } = await run('promtool', args, { cwd, timeout: 60_000 });
    return { ok: true, output: `${stdout}${stderr}` };
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') {
      throw new Error('promtool not found: apt-get install prometheus (.ci/run does it)');
    }
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

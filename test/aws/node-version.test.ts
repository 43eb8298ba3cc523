/**
 * The AWS SDK prints a Node-version warning the first time a process creates a client on Node < 22.
 * Creating redis-medic's clients must not print it (a CLI run would show it every time), unless the
 * operator asks for it with the SDK's own variable. Each case runs in a fresh Node process, because
 * the SDK warns once per process; what is checked is what the SDK itself writes to stderr.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { belowSdkNodeMajor, SDK_NODE_WARNING_ENV } from '../../src/aws/node-version.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WARNING = /NodeVersionSupportWarning/;

/** Runs an ES module snippet under tsx from the repository root; resolves with its stderr. */
function runSnippet(code: string, warningEnv: string | undefined): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env[SDK_NODE_WARNING_ENV];
  if (warningEnv !== undefined) env[SDK_NODE_WARNING_ENV] = warningEnv;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(stderr) : reject(new Error(`snippet exited ${code}: ${stderr}`)),
    );
  });
}

const productClients = `
  import { createAwsClients } from './src/aws/cloudwatch-trend.ts';
  createAwsClients('us-east-1');
`;
const bareSdkClient = `
  import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
  new CloudWatchClient({ region: 'us-east-1' });
`;

// Each case starts Node with the TypeScript loader: seconds on a loaded 2-core machine.
const CHILD_BUDGET_MS = 60_000;

describe("the AWS SDK's Node-version warning", () => {
  it('is not printed when redis-medic creates its AWS clients', { timeout: CHILD_BUDGET_MS }, async () => {
    expect(await runSnippet(productClients, undefined)).not.toMatch(WARNING);
  });

  // Controls: on this Node the SDK does warn, so the case above would see the warning if it came.
  it.runIf(belowSdkNodeMajor())(
    'is printed by a bare SDK client on this Node',
    { timeout: CHILD_BUDGET_MS },
    async () => {
      expect(await runSnippet(bareSdkClient, undefined)).toMatch(WARNING);
    },
  );

  it.runIf(belowSdkNodeMajor())(
    'is printed when the operator sets the variable to false',
    { timeout: CHILD_BUDGET_MS },
    async () => {
      expect(await runSnippet(productClients, 'false')).toMatch(WARNING);
    },
  );
});

describe('belowSdkNodeMajor', () => {
  it('compares the major version with 22', () => {
    expect(belowSdkNodeMajor('v20.11.1')).toBe(true);
    expect(belowSdkNodeMajor('v21.7.3')).toBe(true);
    expect(belowSdkNodeMajor('v22.0.0')).toBe(false);
    expect(belowSdkNodeMajor('v24.1.0')).toBe(false);
  });
});

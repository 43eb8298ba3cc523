// A password with `/`, `#`, `@` or `?` written into a Redis URL without percent-encoding: the URL
// splits inside the password, so a "port" or "path" read from it is a piece of the secret. The
// refusal must say what to encode and never echo any part of the password.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const SECRET = 'Secr3tPart';
const URLS = [`redis://app:${SECRET}/x#y@127.0.0.1:6379`, `redis://:p@${SECRET}?z@127.0.0.1:6379/0`];

describe('a Redis URL whose password is not percent-encoded', () => {
  for (const url of URLS) {
    it(`--redis ${url.replace(SECRET, '…')}: refused (exit 1), the secret not echoed, the fix named`, async () => {
      const run = await runCli(['status', '--redis', url]);
      expect(run.code).toBe(1);
      expect(run.stdout + run.stderr).not.toContain(SECRET);
      expect(run.stderr).toContain('%2F');
    });

    it(`clusters[].url ${url.replace(SECRET, '…')}: a config error naming the path, the secret not echoed`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'medic-url-cred-'));
      const file = join(dir, 'medic.yaml');
      writeFileSync(
        file,
        `queue:\n  url: redis://127.0.0.1:6390\nclusters:\n  - name: prod\n    url: "${url}"\n`,
      );
      const run = await runCli(['check-config', '--config', file]);
      expect(run.code).toBe(1);
      expect(run.stdout + run.stderr).not.toContain(SECRET);
      expect(run.stderr).toContain('clusters[0].url');
      expect(run.stderr).toContain('%2F');
    });
  }
});

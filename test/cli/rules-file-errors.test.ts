// A broken rules file (`--rules`) is reported as the rules file it is, not as "the config file":
// the SRE must know which of the two files to open.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

describe('a rules file with problems', () => {
  it('is named as the rules file, every problem listed, exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medic-rules-file-'));
    const rules = join(dir, 'rules.yaml');
    writeFileSync(rules, 'rules:\n  - {name: a, match: "foo[*", action: set-missing, ttl: 0}\n');
    const run = await runCli(['ttl', 'dry-run', '--redis', 'redis://127.0.0.1:1', '--rules', rules]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`the rules file ${rules}`);
    expect(run.stderr).not.toContain('the config file');
    expect(run.stderr).toContain('rules[0].match');
    expect(run.stderr).toContain('rules[0].ttl');
  });
});

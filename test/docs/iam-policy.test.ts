/**
 * The README's IAM policy must list exactly the AWS actions the code calls: a call added without
 * its permission fails in production with AccessDenied, a permission nobody uses is more than least
 * privilege. Reads and writes sit in separate statements, so a read-only deployment can drop the
 * write statements whole.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

/** IAM service prefix per SDK package (where it differs from the package's suffix). */
const SERVICE_PREFIX: Readonly<Record<string, string>> = {
  'cloudwatch-logs': 'logs',
  eventbridge: 'events',
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every `new XCommand(` of an `@aws-sdk/client-*` import in src/, as `service:X`. */
function actionsCalled(): Set<string> {
  const actions = new Set<string>();
  for (const file of sourceFiles(join(ROOT, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*'@aws-sdk\/client-([a-z0-9-]+)'/g)) {
      const names = (m[1] ?? '').split(',').map((n) => n.replace(/^\s*type\s+/, '').trim());
      const pkg = m[2] ?? '';
      const prefix = SERVICE_PREFIX[pkg] ?? pkg;
      for (const name of names) {
        const command = /^([A-Za-z0-9]+)Command$/.exec(name)?.[1];
        if (command !== undefined && new RegExp(`new\\s+${name}\\(`).test(text)) {
          actions.add(`${prefix}:${command}`);
        }
      }
    }
  }
  return actions;
}

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
}

function readmePolicy(): Statement[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.split('## AWS: the least-privilege IAM policy')[1] ?? '';
  const json = /```json\n([\s\S]*?)```/.exec(section)?.[1];
  expect(json, 'the README has a JSON policy under its IAM heading').toBeDefined();
  return (JSON.parse(json ?? '{}') as { Statement: Statement[] }).Statement;
}

const asList = (action: string | string[]) => (Array.isArray(action) ? action : [action]);
/** AWS's own naming: these verbs never change anything. */
const isRead = (action: string) => /^[a-z0-9-]+:(Describe|List|Get)[A-Z]/.test(action);

describe("the README's IAM policy", () => {
  it('lists exactly the AWS actions the code calls', () => {
    const listed = new Set(readmePolicy().flatMap((s) => asList(s.Action)));
    const called = actionsCalled();
    expect(called.size).toBeGreaterThan(0);
    expect([...listed].sort()).toEqual([...called].sort());
  });

  it('keeps reads and writes in separate statements, all Allow', () => {
    for (const statement of readmePolicy()) {
      expect(statement.Effect).toBe('Allow');
      const reads = asList(statement.Action).map(isRead);
      expect(new Set(reads).size, `statement ${statement.Sid ?? '?'} mixes reads and writes`).toBe(1);
    }
  });
});

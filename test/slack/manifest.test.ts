import { readdirSync, readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, readManifest } from '../support/manifest.js';

const manifest = readManifest();

describe('manifest.yml', () => {
  // Slack's published schema (slackapi/manifest-schema, MIT: see test/fixtures/*.LICENSE), vendored
  // from ../shared/schemas so a clone alone can run the suite.
  it("validates against Slack's published manifest JSON Schema", () => {
    const schema = JSON.parse(
      readFileSync(new URL('test/fixtures/slack-app-manifest.v1.schema.json', REPO_ROOT), 'utf8'),
    ) as object;
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(schema);
    const ok = validate(manifest);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(ok).toBe(true);
  });

  it('declares exactly the slash commands the app registers', () => {
    const dir = new URL('src/slack/listeners/commands/', REPO_ROOT);
    const registered = readdirSync(dir)
      .map((f) => readFileSync(new URL(f, dir), 'utf8'))
      .flatMap((src) => [...src.matchAll(/app\.command\(\s*'([^']+)'/g)].map((m) => m[1]));
    expect(registered.length).toBeGreaterThan(1);
    expect(manifest.features.slash_commands.map((c) => c.command).sort()).toEqual(registered.sort());
  });

  it('rejects a broken manifest (the schema check is live)', () => {
    const schema = JSON.parse(
      readFileSync(new URL('test/fixtures/slack-app-manifest.v1.schema.json', REPO_ROOT), 'utf8'),
    ) as object;
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    const broken = structuredClone(manifest) as unknown as {
      features: { slash_commands: { command: string }[] };
    };
    broken.features.slash_commands[0] = { command: 'no-slash' };
    expect(validate(broken)).toBe(false);
  });
});

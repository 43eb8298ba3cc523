import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const manifest = parse(readFileSync(new URL('manifest.yml', root), 'utf8')) as {
  display_information: { name: string };
  features: { slash_commands: { command: string }[] };
  oauth_config: { scopes: { bot: string[] } };
};

describe('manifest.yml', () => {
  it("validates against Slack's published manifest JSON Schema", () => {
    const schema = JSON.parse(
      readFileSync(new URL('../shared/schemas/slack-app-manifest.v1.schema.json', root), 'utf8'),
    ) as object;
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(schema);
    const ok = validate(manifest);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(ok).toBe(true);
  });

  it('declares exactly the slash commands the app registers', () => {
    const src = readFileSync(new URL('src/slack/listeners/commands/redis-status.ts', root), 'utf8');
    const registered = [...src.matchAll(/app\.command\('([^']+)'/g)].map((m) => m[1]);
    expect(manifest.features.slash_commands.map((c) => c.command).sort()).toEqual(registered.sort());
  });
});

/** Web API method → the bot scope it needs; the end-to-end test checks the manifest against what it saw. */
export const SCOPE_FOR_METHOD: Record<string, string> = {
  'chat.postMessage': 'chat:write',
  'chat.update': 'chat:write',
  'files.getUploadURLExternal': 'files:write',
  'files.completeUploadExternal': 'files:write',
  'users.info': 'users:read',
};

export function manifestBotScopes(): string[] {
  return [...manifest.oauth_config.scopes.bot].sort();
}

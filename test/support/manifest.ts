import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export interface Manifest {
  display_information: { name: string };
  features: { slash_commands: { command: string }[] };
  oauth_config: { scopes: { bot: string[] } };
}

export const REPO_ROOT = new URL('../../', import.meta.url);

export function readManifest(): Manifest {
  return parse(readFileSync(new URL('manifest.yml', REPO_ROOT), 'utf8')) as Manifest;
}

/** Web API method → the bot scope it needs; end-to-end tests check the manifest against what they saw. */
export const SCOPE_FOR_METHOD: Record<string, string> = {
  'chat.postMessage': 'chat:write',
  'chat.update': 'chat:write',
  'files.getUploadURLExternal': 'files:write',
  'files.completeUploadExternal': 'files:write',
  'users.info': 'users:read',
  'usergroups.users.list': 'usergroups:read',
  // groups:read too, for private channels; one entry is enough to check the manifest lists it.
  'conversations.members': 'channels:read',
  // The incident checklist is pinned while the incident is open.
  'pins.add': 'pins:write',
  'pins.remove': 'pins:write',
};

export function manifestBotScopes(): string[] {
  return [...readManifest().oauth_config.scopes.bot].sort();
}

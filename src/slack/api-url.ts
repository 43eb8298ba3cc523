import { withTrailingSlash } from '../config/load.js';
import type { MedicConfig } from '../config/types.js';
import { ErrorCode, MedicError } from '../errors.js';

export const DEFAULT_SLACK_API_URL = 'https://slack.com/api/';

/** Where the Web API base URL came from, for the start-up log. */
export type SlackApiUrlSource = 'option' | 'SLACK_API_URL' | 'slack.apiUrl' | 'default';

/** SLACK_API_URL is set but is not an http(s) URL: nothing starts. */
export class SlackApiUrlError extends MedicError {
  constructor(readonly value: string) {
    super(ErrorCode.SlackApiUrl, { value }, `SLACK_API_URL is not an http:// or https:// URL: ${value}`);
    this.name = 'SlackApiUrlError';
  }
}

/**
 * The Web API base URL: an explicit option (tests), then SLACK_API_URL, then `slack.apiUrl` in the
 * config file, then Slack's public API. GovSlack is `https://slack-gov.com/api/`.
 */
export function resolveSlackApiUrl(input: {
  explicit?: string | undefined;
  env: Readonly<Record<string, string | undefined>>;
  config: Pick<MedicConfig, 'slack'>;
}): { url: string; source: SlackApiUrlSource } {
  if (input.explicit) return { url: withTrailingSlash(input.explicit), source: 'option' };
  const fromEnv = input.env.SLACK_API_URL?.trim();
  if (fromEnv) {
    if (!isHttpUrl(fromEnv)) throw new SlackApiUrlError(fromEnv);
    return { url: withTrailingSlash(fromEnv), source: 'SLACK_API_URL' };
  }
  if (input.config.slack.apiUrl) return { url: input.config.slack.apiUrl, source: 'slack.apiUrl' };
  return { url: DEFAULT_SLACK_API_URL, source: 'default' };
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/**
 * Who the bot is (its user and bot ids), asked of Slack once with `auth.test` before anything
 * listens. Bolt would ask the same in its constructor, where a refused token or no route to Slack
 * becomes an unhandled rejection that kills the process after "started"; here either stops the
 * start with one error naming the method and the host.
 */
import { webApi } from '@slack/bolt';
import { ErrorCode, errorMessage, MedicError } from '../errors.js';
import { type fetchThrough, rootCauseMessage } from '../net/agents.js';
import { isSlackCallError } from './call-errors.js';

export interface BotIdentity {
  botUserId?: string;
  botId?: string;
}

export interface BotIdentityOptions {
  botToken: string;
  botUserId?: string;
  botId?: string;
  slackApiUrl: string;
  /** How requests are sent (`fetchThrough` the proxy-aware dispatcher). */
  fetch?: ReturnType<typeof fetchThrough>;
  logger?: webApi.WebClientOptions['logger'];
  /** Retries of a failed request (network, HTTP 5xx): a few quick ones, then the start fails. @defaultValue 2 */
  retries?: number;
}

const METHOD = 'auth.test';

/** The ids Bolt needs; given both, Slack is not asked (Bolt would not ask either). */
export async function resolveBotIdentity(options: BotIdentityOptions): Promise<BotIdentity> {
  if (options.botUserId && options.botId) return { botUserId: options.botUserId, botId: options.botId };
  const host = new URL(options.slackApiUrl).host;
  const client = new webApi.WebClient(options.botToken, {
    slackApiUrl: options.slackApiUrl,
    retryConfig: { retries: options.retries ?? 2, factor: 2, minTimeout: 500, maxTimeout: 2000 },
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  try {
    const answer = await client.auth.test();
    return {
      ...(answer.user_id ? { botUserId: answer.user_id } : {}),
      ...(answer.bot_id ? { botId: answer.bot_id } : {}),
    };
  } catch (err) {
    if (isSlackCallError(err) && err.code === webApi.ErrorCode.PlatformError) {
      throw new MedicError(
        ErrorCode.SlackTokenRefused,
        { method: METHOD, host, error: err.data.error ?? 'unknown' },
        `${METHOD}: ${err.data.error}`,
        { cause: err },
      );
    }
    const detail =
      isSlackCallError(err) && err.code === webApi.ErrorCode.HTTPError
        ? `HTTP ${err.statusCode}`
        : isSlackCallError(err) && err.code === webApi.ErrorCode.RequestError
          ? rootCauseMessage(err.original)
          : errorMessage(err);
    throw new MedicError(
      ErrorCode.SlackUnreachable,
      { method: METHOD, host, detail },
      `${METHOD}: ${detail}`,
      {
        cause: err,
      },
    );
  }
}

/**
 * How the bot reads a failed Slack call (wait as Slack asks, retry what can pass, give up on the
 * rest), checked on the errors the real Web API client throws against the fake Slack API on loopback:
 * the wait is the Retry-After the fake sent, not a figure taken from the code under test.
 */
import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSlackCallError, rateLimitWaitMs, retryDelayMs } from '../../src/slack/call-errors.js';
import { slackErrorCode } from '../../src/slack/status-flow.js';
import { type FakeSlackApi, startFakeSlackApi } from '../support/slack/fake-slack-api.js';

let fake: FakeSlackApi;

beforeAll(async () => {
  fake = await startFakeSlackApi();
});

afterAll(async () => {
  await fake.close();
});

const client = (opts: { rejectRateLimitedCalls?: boolean; url?: string } = {}) =>
  new webApi.WebClient('xoxb-test', {
    slackApiUrl: opts.url ?? fake.url,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: opts.rejectRateLimitedCalls ?? false,
    logLevel: webApi.LogLevel.ERROR,
  });

/** The error one chat.postMessage throws after `failure` was queued for it. */
async function failedPost(failure: Parameters<FakeSlackApi['failNext']>[1], rejectRateLimitedCalls = false) {
  fake.failNext('chat.postMessage', failure);
  const error = await client({ rejectRateLimitedCalls })
    .chat.postMessage({ channel: 'C1', text: 'x' })
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(error, 'the call should have failed').toBeInstanceOf(Error);
  return error;
}

describe('failed Slack calls', () => {
  it('a 429 rejected by the client waits the Retry-After Slack sent', async () => {
    const error = await failedPost({ status: 429, retryAfterSec: 7 }, true);
    expect(isSlackCallError(error)).toBe(true);
    expect(rateLimitWaitMs(error)).toBe(7_000);
    expect(retryDelayMs(error, 0)).toBe(7_000);
    expect(slackErrorCode(error)).toBe('slack_webapi_rate_limited_error');
  });

  it('a transient platform error is retried, a permanent one is not', async () => {
    const transient = await failedPost({ error: 'internal_error' });
    expect(rateLimitWaitMs(transient)).toBeUndefined();
    expect(retryDelayMs(transient, 0)).toBeGreaterThan(0);
    expect(slackErrorCode(transient)).toBe('internal_error');

    const permanent = await failedPost({ error: 'not_in_channel' });
    expect(retryDelayMs(permanent, 0)).toBeUndefined();
    expect(slackErrorCode(permanent)).toBe('not_in_channel');
  });

  it('an HTTP 5xx is retried, an HTTP 4xx is not', async () => {
    const serverError = await failedPost({ status: 503, body: 'busy' });
    expect(serverError).toMatchObject({ statusCode: 503 });
    expect(retryDelayMs(serverError, 0)).toBeGreaterThan(0);

    const clientError = await failedPost({ status: 404, body: 'gone' });
    expect(clientError).toMatchObject({ statusCode: 404 });
    expect(retryDelayMs(clientError, 0)).toBeUndefined();
  });

  it('a request that never reached Slack is retried with backoff', async () => {
    // A port nothing listens on: the connection is refused.
    const closed = await startFakeSlackApi();
    const url = closed.url;
    await closed.close();
    const error = await client({ url })
      .chat.postMessage({ channel: 'C1', text: 'x' })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isSlackCallError(error)).toBe(true);
    expect(rateLimitWaitMs(error)).toBeUndefined();
    const first = retryDelayMs(error, 0) ?? 0;
    expect(first).toBeGreaterThan(0);
    expect(retryDelayMs(error, 3)).toBeGreaterThan(first);
  });

  it('anything else is not a Slack call error and is not retried', () => {
    const lookalike = new Error('boom');
    expect(isSlackCallError(lookalike)).toBe(false);
    expect(retryDelayMs(lookalike, 0)).toBeUndefined();
    expect(slackErrorCode(lookalike)).toBe('unknown');
  });
});

import { createHmac } from 'node:crypto';
import { request } from 'node:http';

export interface SlackSignatureHeaders {
  'x-slack-signature': string;
  'x-slack-request-timestamp': string;
}

export interface SignedPostOptions {
  /** Unix seconds used in the signature and header; default now. Bolt rejects > 5 minutes old. */
  timestampSec?: number;
  /** Send a signature that does not match the body (Bolt must answer 401). */
  badSignature?: boolean;
  /** Endpoint path appended to an origin-only baseUrl; default '/slack/events' (Bolt HTTPReceiver default). */
  path?: string;
  /** Extra headers, e.g. x-slack-retry-num. */
  headers?: Record<string, string>;
  /** Abort after this many ms; default 10000. */
  timeoutMs?: number;
}

export interface SignedPostResult {
  status: number;
  body: string;
  /** Parsed body when it is JSON. */
  json?: unknown;
  headers: Record<string, string | string[] | undefined>;
  elapsedMs: number;
}

export interface SlashCommandFields {
  command: string;
  text: string;
  user_id: string;
  user_name?: string;
  channel_id: string;
  channel_name?: string;
  team_id?: string;
  team_domain?: string;
  enterprise_id?: string;
  api_app_id?: string;
  response_url: string;
  trigger_id?: string;
}

export interface BlockActionButton {
  action_id: string;
  value: string;
  block_id?: string;
  type: 'button';
  text?: { type: 'plain_text'; text: string; emoji?: boolean };
  action_ts?: string;
}

export interface BlockActionPayload {
  user: { id: string; username?: string; name?: string; team_id?: string };
  channel: { id: string; name?: string };
  message?: { ts: string; thread_ts?: string; text?: string; blocks?: unknown[] };
  container?: Record<string, unknown>;
  actions: BlockActionButton[];
  response_url: string;
  trigger_id?: string;
  team?: { id: string; domain?: string };
  api_app_id?: string;
  state?: { values: Record<string, unknown> };
}

/** Slack v0 request signature: HMAC-SHA256 over `v0:{ts}:{rawBody}`, hex, prefixed with `v0=`. */
export function signSlackRequest(
  signingSecret: string,
  rawBody: string,
  timestampSec: number = Math.floor(Date.now() / 1000),
): SlackSignatureHeaders {
  const digest = createHmac('sha256', signingSecret).update(`v0:${timestampSec}:${rawBody}`).digest('hex');
  return { 'x-slack-signature': `v0=${digest}`, 'x-slack-request-timestamp': String(timestampSec) };
}

function endpointUrl(baseUrl: string, path: string | undefined): URL {
  const url = new URL(baseUrl);
  // An origin-only baseUrl gets Bolt's default endpoint; a baseUrl with a path is used as-is.
  if (url.pathname === '/' || url.pathname === '') url.pathname = path ?? '/slack/events';
  return url;
}

/**
 * POST a signed raw body the way Slack does. contentType must be exactly 'application/x-www-form-urlencoded'
 * for commands/interactivity: Bolt compares the header verbatim and JSON-parses anything else.
 */
export function postSignedRequest(
  baseUrl: string,
  signingSecret: string,
  rawBody: string,
  contentType: 'application/x-www-form-urlencoded' | 'application/json',
  opts: SignedPostOptions = {},
): Promise<SignedPostResult> {
  const timestampSec = opts.timestampSec ?? Math.floor(Date.now() / 1000);
  const signature = signSlackRequest(
    opts.badSignature ? `${signingSecret}-forged` : signingSecret,
    rawBody,
    timestampSec,
  );
  const url = endpointUrl(baseUrl, opts.path);
  const started = performance.now();
  return new Promise<SignedPostResult>((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        // agent: false => one socket per request with `Connection: close`, so app.stop() never waits on keep-alive.
        agent: false,
        timeout: opts.timeoutMs ?? 10_000,
        headers: {
          'content-type': contentType,
          'content-length': Buffer.byteLength(rawBody),
          'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
          ...signature,
          ...opts.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          const result: SignedPostResult = {
            status: res.statusCode ?? 0,
            body,
            headers: res.headers,
            elapsedMs: performance.now() - started,
          };
          if (body !== '') {
            try {
              result.json = JSON.parse(body);
            } catch {
              // Not JSON (e.g. empty ack); leave json undefined.
            }
          }
          resolve(result);
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`signed POST to ${url.href} timed out`)));
    req.on('error', reject);
    req.end(rawBody);
  });
}

/** Form-encoded slash command, signed, like Slack sends it. */
export function postSlashCommand(
  baseUrl: string,
  signingSecret: string,
  fields: SlashCommandFields,
  opts: SignedPostOptions = {},
): Promise<SignedPostResult> {
  const form = new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: fields.team_id ?? 'T1',
    team_domain: fields.team_domain ?? 'test',
    channel_id: fields.channel_id,
    channel_name: fields.channel_name ?? 'general',
    user_id: fields.user_id,
    user_name: fields.user_name ?? fields.user_id.toLowerCase(),
    command: fields.command,
    text: fields.text,
    api_app_id: fields.api_app_id ?? 'A1',
    is_enterprise_install: 'false',
    response_url: fields.response_url,
    trigger_id: fields.trigger_id ?? `trigger-${Date.now()}`,
  });
  if (fields.enterprise_id !== undefined) form.set('enterprise_id', fields.enterprise_id);
  return postSignedRequest(
    baseUrl,
    signingSecret,
    form.toString(),
    'application/x-www-form-urlencoded',
    opts,
  );
}

/** Builds the full `block_actions` payload (team, api_app_id, container, ...) Bolt expects. */
export function buildBlockActionsPayload(payload: BlockActionPayload): Record<string, unknown> {
  const teamId = payload.team?.id ?? payload.user.team_id ?? 'T1';
  const actionTs = `${(Date.now() / 1000).toFixed(6)}`;
  const body: Record<string, unknown> = {
    type: 'block_actions',
    user: {
      id: payload.user.id,
      username: payload.user.username ?? payload.user.id.toLowerCase(),
      name: payload.user.name ?? payload.user.id.toLowerCase(),
      team_id: payload.user.team_id ?? teamId,
    },
    api_app_id: payload.api_app_id ?? 'A1',
    token: 'legacy-verification-token',
    container: payload.container ?? {
      type: 'message',
      message_ts: payload.message?.ts,
      channel_id: payload.channel.id,
      is_ephemeral: payload.message === undefined,
      ...(payload.message?.thread_ts === undefined ? {} : { thread_ts: payload.message.thread_ts }),
    },
    trigger_id: payload.trigger_id ?? `trigger-${Date.now()}`,
    team: { id: teamId, domain: payload.team?.domain ?? 'test' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: payload.channel.id, name: payload.channel.name ?? 'general' },
    state: payload.state ?? { values: {} },
    response_url: payload.response_url,
    actions: payload.actions.map((action) => ({
      block_id: action.block_id ?? 'block-1',
      text: action.text ?? { type: 'plain_text', text: action.value, emoji: true },
      action_ts: action.action_ts ?? actionTs,
      ...action,
    })),
  };
  if (payload.message !== undefined) {
    body.message = {
      type: 'message',
      user: 'UBOT',
      bot_id: 'B1',
      text: payload.message.text ?? '',
      blocks: payload.message.blocks ?? [],
      ...payload.message,
    };
  }
  return body;
}

/** Form-encoded `payload=<json>` block_actions request, signed, like Slack interactivity sends it. */
export function postBlockAction(
  baseUrl: string,
  signingSecret: string,
  payload: BlockActionPayload,
  opts: SignedPostOptions = {},
): Promise<SignedPostResult> {
  const form = new URLSearchParams({ payload: JSON.stringify(buildBlockActionsPayload(payload)) });
  return postSignedRequest(
    baseUrl,
    signingSecret,
    form.toString(),
    'application/x-www-form-urlencoded',
    opts,
  );
}

export interface ViewSubmissionPayload {
  user: { id: string; team_id?: string };
  view: {
    id: string;
    callback_id: string;
    private_metadata?: string;
    /** `state.values[block_id][action_id]`, as Slack sends them (`value`, `selected_date` …). */
    values: Record<string, Record<string, Record<string, unknown>>>;
  };
}

/** Form-encoded `payload=<json>` view_submission, signed, like Slack sends a modal's Submit. */
export function postViewSubmission(
  baseUrl: string,
  signingSecret: string,
  payload: ViewSubmissionPayload,
  opts: SignedPostOptions = {},
): Promise<SignedPostResult> {
  const teamId = payload.user.team_id ?? 'T1';
  const body = {
    type: 'view_submission',
    team: { id: teamId, domain: 'test' },
    user: {
      id: payload.user.id,
      username: payload.user.id.toLowerCase(),
      name: payload.user.id,
      team_id: teamId,
    },
    api_app_id: 'A1',
    token: 'legacy-verification-token',
    trigger_id: `trigger-${Date.now()}`,
    view: {
      id: payload.view.id,
      team_id: teamId,
      type: 'modal',
      callback_id: payload.view.callback_id,
      private_metadata: payload.view.private_metadata ?? '',
      state: { values: payload.view.values },
      hash: `hash-${Date.now()}`,
      title: { type: 'plain_text', text: 'Modal' },
      blocks: [],
      app_id: 'A1',
      bot_id: 'B1',
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
  const form = new URLSearchParams({ payload: JSON.stringify(body) });
  return postSignedRequest(
    baseUrl,
    signingSecret,
    form.toString(),
    'application/x-www-form-urlencoded',
    opts,
  );
}

let appHomeEvents = 0;

/** Slack's `app_home_opened` event for `user`, signed as the Events API sends it (a fresh event id each time). */
export function postAppHomeOpened(
  baseUrl: string,
  signingSecret: string,
  user: string,
): Promise<SignedPostResult> {
  const now = Date.now();
  const body = JSON.stringify({
    token: 'legacy-verification-token',
    team_id: 'T1',
    api_app_id: 'A1',
    type: 'event_callback',
    event_id: `Ev${now}${user}${++appHomeEvents}`,
    event_time: Math.floor(now / 1000),
    event: { type: 'app_home_opened', user, channel: 'D1', tab: 'home', event_ts: `${now / 1000}` },
  });
  return postSignedRequest(baseUrl, signingSecret, body, 'application/json');
}

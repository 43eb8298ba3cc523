import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseQuery } from 'node:querystring';

/**
 * One request the fake received. `method` is the Web API method (`chat.postMessage`), or one of the
 * pseudo-methods `response_url`, `upload` (bytes POSTed to an upload_url) and `unknown` (any other path).
 */
export interface RecordedCall {
  method: string;
  path: string;
  /** Parsed body: form fields (JSON-valued fields such as `blocks` decoded) or the JSON object. */
  body: Record<string, unknown>;
  rawBody: string;
  headers: IncomingHttpHeaders;
  /** Date.now() when the request body had fully arrived. */
  at: number;
  /** For `response_url` calls: the `<id>` of `/response/<id>`. */
  responseId?: string;
  /** Status code the fake answered with (after any injected failure). */
  status: number;
  /** JSON the fake answered with (undefined for non-JSON answers). */
  response?: unknown;
}

export interface RecordedUpload {
  fileId: string;
  /** filename / length as declared to files.getUploadURLExternal. */
  filename: string;
  declaredLength: number;
  bytes: Buffer;
  byteLength: number;
  /** Content type of the POST to the upload_url (web-api v8 sends multipart/form-data). */
  contentType: string;
  at: number;
}

export type InjectedFailure =
  /** HTTP 429 with a Retry-After header. */
  | { status: 429; retryAfterSec: number }
  /** Slack-style platform error `{ ok: false, error }`, HTTP 200 unless `status` is given. */
  | { error: string; status?: number }
  /** Raw HTTP failure (e.g. 500, or 404 for an expired response_url). */
  | { status: number; body?: string };

export interface RateLimit {
  every: number;
  retryAfterSec: number;
  methods?: string[];
}

export type MethodHandler = (call: RecordedCall) => Record<string, unknown>;

export interface FakeSlackApiOptions {
  /** Locale for users not set via setUserLocale. Default 'en-US'. */
  defaultLocale?: string;
  /**
   * Like real Slack, users.info only returns `user.locale` when `include_locale=true` is passed.
   * Set to false to always include it.
   */
  localeRequiresIncludeLocale?: boolean;
  /** Extra form fields to JSON-decode, on top of blocks/attachments/files/metadata/view/... */
  jsonFields?: string[];
  /** Per-method response overrides (merged over `{ ok: true }`). */
  handlers?: Record<string, MethodHandler>;
  /**
   * Host name in the URLs the fake hands out (`url`, upload_url, response URLs). The fake always
   * listens on 127.0.0.1; a name that does not resolve (`slack.test`) makes proxy tests prove
   * that every request went through the proxy. Default `127.0.0.1`.
   */
  publicHost?: string;
}

export interface FakeSlackApi {
  /** Base Web API url, `http://127.0.0.1:PORT/api/` — pass as clientOptions.slackApiUrl. */
  readonly url: string;
  /** `http://127.0.0.1:PORT` (`http://<publicHost>:PORT` with that option) */
  readonly origin: string;
  readonly port: number;
  /** A response_url that records into `calls` as method `response_url`. */
  responseUrl(id?: string): string;
  /** Every request in arrival order (live array; cleared by reset()). */
  readonly calls: readonly RecordedCall[];
  callsTo(method: string): RecordedCall[];
  /**
   * Resolves with the first matching call, including calls that arrived before waitFor was called.
   * Rejects after timeoutMs with the list of methods seen.
   */
  waitFor(
    method: string,
    predicate?: (call: RecordedCall) => boolean,
    timeoutMs?: number,
  ): Promise<RecordedCall>;
  readonly uploads: readonly RecordedUpload[];
  setUserLocale(userId: string, locale: string): void;
  /** Queue a failure for the next call to `method` (queued failures are consumed in order). */
  failNext(method: string, failure: InjectedFailure): void;
  /**
   * Rate limiting like a busy workspace: every `every`-th call to a Web API method (of `methods`,
   * default all but users.info; never response_url or uploads) is answered 429 with Retry-After, on top of any queued failure.
   * `undefined` turns it off; reset() does too.
   */
  setRateLimit(limit: RateLimit | undefined): void;
  /** Override the success response for a method (merged over `{ ok: true }`). */
  setHandler(method: string, handler: MethodHandler | undefined): void;
  /**
   * Network latency before a call to `method` reaches Slack (it is recorded, and "applied", on
   * arrival): calls sent in one order can arrive in another, as from two replicas on two paths.
   */
  setLatency(method: string, ms: (() => number) | undefined): void;
  /** Clears calls, uploads, queued failures, locales and handlers set via setHandler. */
  reset(): void;
  close(): Promise<void>;
}

// Fields web-api v8 JSON.stringify()s into the form body (it stringifies every non-primitive value).
const DEFAULT_JSON_FIELDS = [
  'blocks',
  'attachments',
  'files',
  'metadata',
  'view',
  'unfurls',
  'user_auth_blocks',
  'chunks',
];

interface Waiter {
  method: string;
  predicate: ((call: RecordedCall) => boolean) | undefined;
  resolve: (call: RecordedCall) => void;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function baseContentType(headers: IncomingHttpHeaders): string {
  return (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function sendJson(
  res: ServerResponse,
  status: number,
  payload: unknown,
  headers: Record<string, string> = {},
  call?: RecordedCall,
): void {
  if (call !== undefined) {
    call.status = status;
    call.response = payload;
  }
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(payload));
}

export async function startFakeSlackApi(opts: FakeSlackApiOptions = {}): Promise<FakeSlackApi> {
  const defaultLocale = opts.defaultLocale ?? 'en-US';
  const localeRequiresIncludeLocale = opts.localeRequiresIncludeLocale ?? true;
  const jsonFields = new Set([...DEFAULT_JSON_FIELDS, ...(opts.jsonFields ?? [])]);

  const calls: RecordedCall[] = [];
  const uploads: RecordedUpload[] = [];
  const failures = new Map<string, InjectedFailure[]>();
  const locales = new Map<string, string>();
  const handlers = new Map<string, MethodHandler>(Object.entries(opts.handlers ?? {}));
  const latency = new Map<string, () => number>();
  const pendingUploads = new Map<string, { filename: string; declaredLength: number }>();
  let waiters: Waiter[] = [];
  let tsCounter = 0;
  let idCounter = 0;
  let responseCounter = 0;
  let origin = '';

  // Unique, increasing "1700000000.000100"-style timestamps; never reset so ts stay unique across reset().
  const nextTs = (): string => {
    tsCounter += 1;
    const micros = 1_700_000_000_000_000n + BigInt(tsCounter) * 100n;
    return `${micros / 1_000_000n}.${(micros % 1_000_000n).toString().padStart(6, '0')}`;
  };
  const nextFileId = (): string => {
    idCounter += 1;
    return `F${String(idCounter).padStart(8, '0')}`;
  };

  const parseBody = async (headers: IncomingHttpHeaders, raw: Buffer): Promise<Record<string, unknown>> => {
    const type = baseContentType(headers);
    const text = raw.toString('utf8');
    if (type === 'application/json') {
      const parsed = tryJson(text);
      return isRecord(parsed) ? parsed : { _json: parsed };
    }
    if (type === 'application/x-www-form-urlencoded') {
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(parseQuery(text))) {
        out[key] = typeof value === 'string' && jsonFields.has(key) ? tryJson(value) : value;
      }
      return out;
    }
    if (type === 'multipart/form-data') {
      // Let undici's multipart parser do the work; file parts become Buffers.
      const form = await new Response(raw, {
        headers: { 'content-type': headers['content-type'] ?? '' },
      }).formData();
      const out: Record<string, unknown> = {};
      for (const [key, value] of form.entries()) {
        out[key] =
          typeof value === 'string'
            ? jsonFields.has(key)
              ? tryJson(value)
              : value
            : Buffer.from(await value.arrayBuffer());
      }
      return out;
    }
    return text === '' ? {} : { _raw: text };
  };

  const notifyWaiters = (call: RecordedCall): void => {
    const remaining: Waiter[] = [];
    for (const waiter of waiters) {
      if (waiter.method === call.method && (waiter.predicate === undefined || waiter.predicate(call))) {
        waiter.resolve(call);
      } else {
        remaining.push(waiter);
      }
    }
    waiters = remaining;
  };

  let rateLimit: RateLimit | undefined;
  let rateLimitCount = 0;
  const rateLimited = (method: string): InjectedFailure | undefined => {
    if (rateLimit === undefined) return undefined;
    const limited = rateLimit.methods
      ? rateLimit.methods.includes(method)
      : !['users.info', 'response_url', 'upload'].includes(method);
    if (!limited) return undefined;
    rateLimitCount += 1;
    return rateLimitCount % rateLimit.every === 0
      ? { status: 429, retryAfterSec: rateLimit.retryAfterSec }
      : undefined;
  };

  // Returns true when a failure was written.
  const applyFailure = (method: string, res: ServerResponse, call: RecordedCall): boolean => {
    const failure = failures.get(method)?.shift() ?? rateLimited(method);
    if (failure === undefined) return false;
    if ('retryAfterSec' in failure) {
      sendJson(
        res,
        429,
        { ok: false, error: 'ratelimited' },
        { 'retry-after': String(failure.retryAfterSec) },
        call,
      );
    } else if ('error' in failure) {
      sendJson(res, failure.status ?? 200, { ok: false, error: failure.error }, {}, call);
    } else {
      call.status = failure.status;
      res.writeHead(failure.status, { 'content-type': 'text/plain' });
      res.end(failure.body ?? '');
    }
    return true;
  };

  const userLocale = (userId: string): string => locales.get(userId) ?? defaultLocale;

  const defaultResponse = (method: string, body: Record<string, unknown>): Record<string, unknown> => {
    const channel = typeof body.channel === 'string' ? body.channel : undefined;
    switch (method) {
      case 'chat.postMessage': {
        const ts = nextTs();
        const message: Record<string, unknown> = {
          type: 'message',
          user: 'UBOT',
          bot_id: 'B1',
          text: body.text ?? '',
          ts,
        };
        if (body.blocks !== undefined) message.blocks = body.blocks;
        if (body.attachments !== undefined) message.attachments = body.attachments;
        if (typeof body.thread_ts === 'string') message.thread_ts = body.thread_ts;
        return { ok: true, channel, ts, message };
      }
      case 'chat.update':
        return { ok: true, channel, ts: body.ts, text: body.text ?? '' };
      case 'chat.postEphemeral':
        return { ok: true, message_ts: nextTs() };
      case 'chat.delete':
        return { ok: true, channel, ts: body.ts };
      case 'users.info': {
        const id = typeof body.user === 'string' ? body.user : 'U0';
        const include =
          body.include_locale === 'true' || body.include_locale === true || body.include_locale === '1';
        const user: Record<string, unknown> = {
          id,
          name: id.toLowerCase(),
          real_name: `User ${id}`,
          is_bot: false,
          tz: 'UTC',
          tz_label: 'Coordinated Universal Time',
          tz_offset: 0,
        };
        if (include || !localeRequiresIncludeLocale) user.locale = userLocale(id);
        return { ok: true, user };
      }
      case 'auth.test':
        return {
          ok: true,
          url: 'https://t1.slack.com/',
          team: 'Test Team',
          user: 'redis-medic',
          team_id: 'T1',
          user_id: 'UBOT',
          bot_id: 'B1',
          is_enterprise_install: false,
        };
      case 'conversations.info': {
        const id = channel ?? 'C0';
        return {
          ok: true,
          channel: {
            id,
            name: `channel-${id.toLowerCase()}`,
            is_channel: true,
            is_private: false,
            is_member: true,
          },
        };
      }
      case 'files.getUploadURLExternal': {
        const fileId = nextFileId();
        const filename = typeof body.filename === 'string' ? body.filename : 'Untitled';
        pendingUploads.set(fileId, { filename, declaredLength: Number(body.length ?? 0) });
        return { ok: true, upload_url: `${origin}/upload/${fileId}`, file_id: fileId };
      }
      case 'files.completeUploadExternal': {
        const requested = Array.isArray(body.files) ? body.files : [];
        const files = requested.filter(isRecord).map((f) => {
          const id = typeof f.id === 'string' ? f.id : '';
          const name = pendingUploads.get(id)?.filename ?? uploads.find((u) => u.fileId === id)?.filename;
          return { id, title: f.title ?? name ?? '', name: name ?? '' };
        });
        return { ok: true, files };
      }
      default:
        return { ok: true };
    }
  };

  const record = async (
    req: IncomingMessage,
    path: string,
    method: string,
    raw: Buffer,
  ): Promise<RecordedCall> => {
    const call: RecordedCall = {
      method,
      path,
      body: method === 'upload' ? {} : await parseBody(req.headers, raw),
      rawBody: method === 'upload' ? '' : raw.toString('utf8'),
      headers: req.headers,
      at: Date.now(),
      status: 200,
    };
    calls.push(call);
    return call;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = await readBody(req);
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const apiMatch = /^\/api\/([A-Za-z0-9_.]+)$/.exec(path);
    const responseMatch = /^\/response\/([^/]+)$/.exec(path);
    const uploadMatch = /^\/upload\/([^/]+)$/.exec(path);

    if (req.method === 'POST' && apiMatch?.[1] !== undefined) {
      const method = apiMatch[1];
      const delay = latency.get(method)?.() ?? 0;
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      const call = await record(req, path, method, raw);
      if (!applyFailure(method, res, call)) {
        const handler = handlers.get(method);
        const payload = defaultResponse(method, call.body);
        sendJson(res, 200, handler === undefined ? payload : { ok: true, ...handler(call) }, {}, call);
      }
      notifyWaiters(call);
      return;
    }

    if (req.method === 'POST' && responseMatch?.[1] !== undefined) {
      const call = await record(req, path, 'response_url', raw);
      call.responseId = decodeURIComponent(responseMatch[1]);
      if (!applyFailure('response_url', res, call)) sendJson(res, 200, { ok: true }, {}, call);
      notifyWaiters(call);
      return;
    }

    if (req.method === 'POST' && uploadMatch?.[1] !== undefined) {
      const fileId = uploadMatch[1];
      const call = await record(req, path, 'upload', raw);
      const contentType = req.headers['content-type'] ?? '';
      // web-api v8 sends the bytes as multipart field `body`; accept a raw body too.
      let bytes = raw;
      if (baseContentType(req.headers) === 'multipart/form-data') {
        const parsed = await parseBody(req.headers, raw);
        const part = Object.values(parsed).find((v): v is Buffer => Buffer.isBuffer(v));
        bytes = part ?? Buffer.alloc(0);
      }
      call.body = { fileId, byteLength: bytes.length };
      const declared = pendingUploads.get(fileId);
      if (!applyFailure('upload', res, call)) {
        uploads.push({
          fileId,
          filename: declared?.filename ?? '',
          declaredLength: declared?.declaredLength ?? -1,
          bytes,
          byteLength: bytes.length,
          contentType,
          at: call.at,
        });
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`OK - ${bytes.length}`);
      }
      notifyWaiters(call);
      return;
    }

    // Anything else is recorded so tests can assert nothing leaked to an unexpected endpoint.
    const call = await record(req, path, 'unknown', raw);
    sendJson(res, 404, { ok: false, error: 'unknown_path', path, httpMethod: req.method }, {}, call);
    notifyWaiters(call);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent)
        sendJson(res, 500, { ok: false, error: 'fake_internal_error', detail: String(error) });
      else res.end();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://${opts.publicHost ?? '127.0.0.1'}:${port}`;

  return {
    url: `${origin}/api/`,
    origin,
    port,
    responseUrl(id?: string): string {
      responseCounter += 1;
      return `${origin}/response/${encodeURIComponent(id ?? `r${responseCounter}`)}`;
    },
    calls,
    callsTo,
    waitFor(method, predicate, timeoutMs = 5000): Promise<RecordedCall> {
      const existing = calls.find((c) => c.method === method && (predicate === undefined || predicate(c)));
      if (existing !== undefined) return Promise.resolve(existing);
      return new Promise<RecordedCall>((resolve, reject) => {
        const waiter: Waiter = {
          method,
          predicate,
          resolve: (call) => {
            clearTimeout(timer);
            resolve(call);
          },
        };
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== waiter);
          const seen = calls.map((c) => (c.method === 'unknown' ? `unknown(${c.path})` : c.method));
          const detail =
            predicate === undefined ? '' : ` matching predicate (${callsTo(method).length} unmatched)`;
          reject(
            new Error(
              `fake Slack: no ${method} call${detail} within ${timeoutMs}ms; calls seen: [${seen.join(', ') || 'none'}]`,
            ),
          );
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    uploads,
    setUserLocale(userId: string, locale: string): void {
      locales.set(userId, locale);
    },
    failNext(method: string, failure: InjectedFailure): void {
      const queue = failures.get(method) ?? [];
      queue.push(failure);
      failures.set(method, queue);
    },
    setRateLimit(limit: RateLimit | undefined): void {
      rateLimit = limit;
      rateLimitCount = 0;
    },
    setHandler(method: string, handler: MethodHandler | undefined): void {
      if (handler === undefined) handlers.delete(method);
      else handlers.set(method, handler);
    },
    setLatency(method: string, ms: (() => number) | undefined): void {
      if (ms === undefined) latency.delete(method);
      else latency.set(method, ms);
    },
    reset(): void {
      latency.clear();
      calls.length = 0;
      uploads.length = 0;
      failures.clear();
      locales.clear();
      pendingUploads.clear();
      handlers.clear();
      rateLimit = undefined;
      for (const [method, handler] of Object.entries(opts.handlers ?? {})) handlers.set(method, handler);
    },
    close(): Promise<void> {
      return new Promise((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        // fetch keeps sockets alive; drop them so close() doesn't wait on idle/active keep-alive.
        server.closeAllConnections();
      });
    },
  };

  function callsTo(method: string): RecordedCall[] {
    return calls.filter((c) => c.method === method);
  }
}

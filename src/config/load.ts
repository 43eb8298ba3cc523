import { readFileSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { createSecureContext } from 'node:tls';
import type { Resource } from 'i18next';
import { isAlias, parseDocument, visit } from 'yaml';
import { z } from 'zod';
import { ErrorCode, fileReadReason, MedicError } from '../errors.js';
import { LOCALES_DIR, readLocaleResources } from '../i18n/index.js';
import { readLocaleOverrides } from '../i18n/overrides.js';
import type { Lang } from '../i18n/types.js';
import { formatPath, interpolateEnv, type MissingVariable } from './interpolate.js';
import { checkRuleSet, DEFAULT_QUEUE_PREFIX, ruleShapes, toRuleConfig } from './rule-schema.js';
import { configSchema, type RawConfig, type RawTls } from './schema.js';
import type { ChannelLocale, ClusterConfig, MedicConfig, TlsConfig } from './types.js';

/**
 * One problem in a config file. `text` is already localized (zod's own messages); `key` + `values`
 * are redis-medic's own checks, localized by the front end from `config.*` keys.
 */
export interface ConfigProblem {
  path: string;
  text?: string;
  key?: string;
  values?: Record<string, string | number>;
}

export type ConfigResult = { ok: true; config: MedicConfig } | { ok: false; problems: ConfigProblem[] };

export interface ParseConfigOptions {
  /** Relative TLS file paths are relative to this (the config file's folder). @defaultValue cwd */
  baseDir?: string;
  /** Reads a TLS file (CA, certificate, key). @defaultValue fs.readFileSync */
  readFile?: (path: string) => Buffer;
  /** What `i18n.overridesDir` is checked against. @defaultValue the shipped locales/ */
  shippedLocales?: Resource;
  /**
   * Checks `capacity.nodeCatalog` (the catalog's schema lives with the capacity advice, a layer
   * above config): a problem's key and values, or undefined when the file is good.
   */
  nodeCatalogCheck?: (path: string) => { key: string; values: Record<string, string | number> } | undefined;
}

/**
 * Text + environment in, a validated config or every problem out. Nothing is started; the only
 * I/O is reading the TLS files the config names (through `options.readFile`) and the locale
 * override files of `i18n.overridesDir`.
 */
export function parseConfig(
  text: string,
  env: Record<string, string | undefined> = process.env,
  lang: Lang = 'en',
  options: ParseConfigOptions = {},
): ConfigResult {
  const yaml = readYaml(text);
  if (!yaml.ok) return yaml;
  const missing: MissingVariable[] = [];
  const data = interpolateEnv(yaml.data, env, missing);
  const problems: ConfigProblem[] = missing.map((m) => ({
    path: formatPath(m.path),
    key: 'config:env_missing',
    values: { variable: m.variable },
  }));

  // zod's built-in messages come in both of our languages; the setting is global but config is
  // parsed once at start-up, before anything concurrent runs.
  z.config(lang === 'zh' ? z.locales.zhCN() : z.locales.en());
  const parsed = configSchema.safeParse(data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(toProblem(issue));
    checkRulesOfInvalid(data, problems);
  }
  if (problems.length > 0 || !parsed.success) return { ok: false, problems };
  const files = new TlsFileReader(options, problems);
  const config = resolve(parsed.data, files);
  const overridesDir = parsed.data.i18n?.overridesDir;
  if (overridesDir !== undefined) {
    // Relative to the config file, like the TLS files; checked now so a typo is not silently ignored.
    const dir = resolvePath(options.baseDir ?? process.cwd(), overridesDir);
    const read = readLocaleOverrides(dir, options.shippedLocales ?? readLocaleResources(LOCALES_DIR));
    for (const p of read.problems) problems.push({ path: 'i18n.overridesDir', key: p.key, values: p.values });
    config.i18n = { overridesDir: dir, overrides: read.overrides };
  }
  const capacity = parsed.data.capacity;
  if (capacity !== undefined) {
    // Relative to the config file like the TLS files; checked now (a typo is not silently ignored
    // until someone asks for advice) and again when advice reads it.
    const nodeCatalog =
      capacity.nodeCatalog !== undefined
        ? resolvePath(options.baseDir ?? process.cwd(), capacity.nodeCatalog)
        : undefined;
    const problem = nodeCatalog !== undefined ? options.nodeCatalogCheck?.(nodeCatalog) : undefined;
    if (problem !== undefined) problems.push({ path: 'capacity.nodeCatalog', ...problem });
    config.capacity = {
      horizonDays: capacity.horizonDays,
      ...(nodeCatalog !== undefined ? { nodeCatalog } : {}),
    };
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, config };
}

/** Reads each TLS file once at start; a missing or non-PEM file becomes a problem naming its path. */
class TlsFileReader {
  constructor(
    private readonly options: ParseConfigOptions,
    private readonly problems: ConfigProblem[],
  ) {}

  read(raw: RawTls | undefined, at: (string | number)[]): TlsConfig | undefined {
    if (!raw) return undefined;
    const out: TlsConfig = { insecure: raw.insecure, files: {} };
    if (raw.servername) out.servername = raw.servername;
    for (const field of ['ca', 'cert', 'key'] as const) {
      const given = raw[field];
      if (given === undefined) continue;
      const file = resolvePath(this.options.baseDir ?? process.cwd(), given);
      const path = formatPath([...at, 'tls', field]);
      let bytes: Buffer;
      try {
        bytes = (this.options.readFile ?? readFileSync)(file);
      } catch (err) {
        const reason = (err as NodeJS.ErrnoException).code ?? 'EIO';
        this.problems.push({ path, key: 'config:tls_file_unreadable', values: { file, reason } });
        continue;
      }
      if (!bytes.includes('-----BEGIN ')) {
        this.problems.push({ path, key: 'config:tls_file_not_pem', values: { file } });
        continue;
      }
      out[field] = bytes;
      out.files[field] = file;
    }
    // Let OpenSSL parse them now: a key that doesn't belong to its certificate is a config error.
    if (out.ca || out.cert || out.key) {
      try {
        createSecureContext({ ca: out.ca, cert: out.cert, key: out.key });
      } catch (err) {
        const e = err as { code?: string; message?: string };
        const path = formatPath([...at, 'tls']);
        if (e.code === 'ERR_OSSL_X509_KEY_VALUES_MISMATCH') {
          this.problems.push({ path, key: 'config:tls_key_mismatch' });
        } else {
          this.problems.push({
            path,
            key: 'config:tls_invalid',
            values: { reason: e.message ?? String(err) },
          });
        }
      }
    }
    return out;
  }
}

/** Reads `--config` / REDIS_MEDIC_CONFIG; throws MedicError(config_*) so callers exit non-zero. */
export function loadConfigFile(
  path: string,
  env: Record<string, string | undefined> = process.env,
  lang: Lang = 'en',
  options: Pick<ParseConfigOptions, 'nodeCatalogCheck'> = {},
): MedicConfig {
  const text = readConfigText(path);
  const result = parseConfig(text, env, lang, { baseDir: dirname(resolvePath(path)), ...options });
  if (!result.ok) throw new ConfigInvalidError(path, result.problems);
  return result.config;
}

export class ConfigInvalidError extends MedicError {
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
    /** Which file it is, so the message sends people to the right one (`--config` or `--rules`). */
    readonly kind: 'config' | 'rules' = 'config',
  ) {
    super(
      kind === 'rules' ? ErrorCode.RulesFileInvalid : ErrorCode.ConfigInvalid,
      { path: file, count: problems.length },
      `invalid ${kind} file ${file}`,
    );
  }
}

/**
 * The checks across rules (duplicate names, unknown clusters, the bot's keys) belong to the whole
 * config's check, which zod skips once anything else is wrong. Run them anyway on what has the
 * right shape, so one report carries every rule problem; one already reported is not repeated.
 */
function checkRulesOfInvalid(data: unknown, problems: ConfigProblem[]): void {
  const doc = isRecord(data) ? data : {};
  if (!Array.isArray(doc.rules)) return;
  const clusters = Array.isArray(doc.clusters)
    ? doc.clusters.flatMap((c) => (isRecord(c) && typeof c.name === 'string' ? [c.name] : []))
    : undefined;
  const queuePrefix =
    isRecord(doc.queue) && typeof doc.queue.prefix === 'string' ? doc.queue.prefix : DEFAULT_QUEUE_PREFIX;
  checkRuleSet(
    ruleShapes(doc.rules),
    { ...(clusters ? { clusters } : {}), queuePrefix },
    (path, key, values) => {
      const at = formatPath(['rules', ...path]);
      if (!problems.some((p) => p.path === at && p.key === key))
        problems.push({ path: at, key, ...(values ? { values } : {}) });
    },
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toProblem(issue: z.core.$ZodIssue): ConfigProblem {
  const path = formatPath(issue.path);
  if (issue.code === 'custom' && issue.params && typeof issue.params.i18n === 'string') {
    const { i18n, ...values } = issue.params as Record<string, string | number>;
    return { path, key: String(i18n), values };
  }
  return { path, text: issue.message };
}

function resolve(raw: RawConfig, files: TlsFileReader): MedicConfig {
  const clusters: ClusterConfig[] = raw.clusters.map((c, i) => {
    const tls = files.read(c.tls, ['clusters', i]);
    return {
      name: c.name,
      url: c.url,
      ...(c.username ? { username: c.username } : {}),
      ...(c.password ? { password: c.password } : {}),
      mode: c.mode,
      ...(tls ? { tls } : {}),
      ...(c.aws ? { aws: c.aws } : {}),
      thresholds: { ...raw.thresholds, ...c.thresholds },
      approvers: c.approvers ?? raw.slack.approvers,
      ...(c.runbookUrl ? { runbookUrl: c.runbookUrl } : {}),
      ...(c.burst ? { burst: c.burst } : {}),
      ...(c.offPeak ? { offPeak: c.offPeak } : {}),
      ...(c.planOrder === 'config' ? { planOrder: c.planOrder } : {}),
    };
  });
  const queueTls = files.read(raw.queue.tls, ['queue']);
  return {
    queue: { url: raw.queue.url, prefix: raw.queue.prefix, ...(queueTls ? { tls: queueTls } : {}) },
    slack: {
      ...(raw.slack.apiUrl ? { apiUrl: withTrailingSlash(raw.slack.apiUrl) } : {}),
      channels: raw.slack.channels,
      channelLocales: Object.fromEntries(
        Object.entries(raw.slack.channelLocales).map(([id, l]): [string, ChannelLocale] => [
          id,
          {
            ...(l.lang ? { lang: l.lang } : {}),
            ...(l.timeZone ? { timeZone: canonicalTimeZone(l.timeZone) } : {}),
          },
        ]),
      ),
      ...(raw.slack.devTeamChannel ? { devTeamChannel: raw.slack.devTeamChannel } : {}),
    },
    watch: raw.watch,
    trend: raw.trend,
    incidents: raw.incidents,
    approvals: raw.approvals,
    monitoring: raw.monitoring,
    defaultThresholds: raw.thresholds,
    clusters,
    rules: raw.rules.map(toRuleConfig),
  };
}

/** web-api appends method names to the base URL: `https://slack-gov.com/api` needs its slash. */
export function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

export function findCluster(config: MedicConfig, name: string): ClusterConfig | undefined {
  return config.clusters.find((c) => c.name === name);
}

/** The channels a cluster is mapped to (`slack.channels`): where its alerts go. */
export function clusterChannels(config: Pick<MedicConfig, 'slack'>, cluster: string): string[] {
  return Object.entries(config.slack.channels)
    .filter(([, name]) => name === cluster)
    .map(([channel]) => channel);
}

/** `asia/shanghai` → `Asia/Shanghai`: the name shown next to times. */
function canonicalTimeZone(zone: string): string {
  return new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone;
}

function channelLocale(config: Pick<MedicConfig, 'slack'>, channel: string | undefined) {
  const locales = config.slack.channelLocales;
  return channel && locales && Object.hasOwn(locales, channel) ? locales[channel] : undefined;
}

/** The language configured for a channel (`slack.channelLocales`), which wins over the user's locale. */
export function channelLang(
  config: Pick<MedicConfig, 'slack'>,
  channel: string | undefined,
): Lang | undefined {
  return channelLocale(config, channel)?.lang;
}

/** The time zone a channel's messages show times in: `slack.channelLocales.<id>.timeZone`, else UTC. */
export function channelTimeZone(config: Pick<MedicConfig, 'slack'>, channel: string | undefined): string {
  return channelLocale(config, channel)?.timeZone ?? 'UTC';
}

/** A config or rules file's text; an unreadable file is `config_unreadable` with the reason in words. */
export function readConfigText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    throw new MedicError(
      ErrorCode.ConfigUnreadable,
      { path, reason: fileReadReason(err) },
      `cannot read ${path}: ${code}`,
      { cause: err },
    );
  }
}

/** YAML text → its data, or one `config:yaml_syntax` problem per error with its line and column. */
export function readYaml(
  text: string,
): { ok: true; data: unknown } | { ok: false; problems: ConfigProblem[] } {
  // prettyErrors: the errors carry their line and column (`linePos`), which the problem names.
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length === 0) {
    // An alias with no anchor (`*a`) or an alias bomb passes the parser and throws in toJS().
    try {
      return { ok: true, data: doc.toJS() };
    } catch {
      const key = hasUnknownAlias(doc) ? 'config:yaml_alias_unknown' : 'config:yaml_alias_count';
      return { ok: false, problems: [{ path: '(yaml)', key, values: {} }] };
    }
  }
  return {
    ok: false,
    problems: doc.errors.map((e) => ({
      path: '(yaml)',
      key: 'config:yaml_syntax',
      values: { line: e.linePos?.[0]?.line ?? 0, col: e.linePos?.[0]?.col ?? 0, reason: e.code },
    })),
  };
}

function hasUnknownAlias(doc: ReturnType<typeof parseDocument>): boolean {
  let unknown = false;
  visit(doc, {
    Alias(_, node) {
      if (isAlias(node) && !node.resolve(doc)) unknown = true;
    },
  });
  return unknown;
}

import { isIP } from 'node:net';
import { z } from 'zod';
import { LANGS } from '../i18n/types.js';
import { isCronExpression } from './cron.js';
import { offPeakSchema } from './off-peak.js';
import { redisUrlProblem } from './redis-url.js';
import { checkRuleSet, ttlRuleSchema } from './rule-schema.js';

// Slack ids: users U…/W…, user groups S…, channels C…/G… (private) — upper-case alphanumerics.
const userId = z.string().regex(/^[UW][A-Z0-9]{2,}$/);
const userGroupId = z.string().regex(/^S[A-Z0-9]{2,}$/);
const channelId = z.string().regex(/^[CG][A-Z0-9]{2,}$/);
const clusterName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/);
const pct = z.number().gt(0).lte(100);
/** A number from `low` to `high`: out of range is a localized error naming both bounds. */
const between = (low: number, high: number) =>
  z.number().refine((n) => n >= low && n <= high, { params: { i18n: 'config:number_range', low, high } });

/**
 * redis:// or rediss:// with a host, a port in range and at most a DB number as its path; anything
 * else (http://, a bare host, port 99999, /aaaa) is a config error naming what is wrong.
 */
export const redisUrl = z.string().superRefine((value, ctx) => {
  const problem = redisUrlProblem(value);
  if (!problem) return;
  const key = `config:url_${problem.kind}`;
  const values =
    problem.kind === 'port'
      ? { port: problem.port }
      : problem.kind === 'db_path'
        ? { path: problem.path }
        : {};
  ctx.addIssue({ code: 'custom', message: key, params: { i18n: key, ...values } });
});

/** The runbook's checklist steps (incidents/checklist/types.ts): worded by the locales, no label needed. */
const RUNBOOK_STEPS: readonly string[] = [
  'verify_recovery',
  'dry_run',
  'sign_off',
  'execute',
  'notify_dev_team',
  'deploy_monitoring',
  'watch_two_weeks',
  'scale_decision',
];

/** Watch readings closer than this only add load on a Redis already in trouble (and on Slack). */
export const MIN_WATCH_INTERVAL_MINUTES = 1;

/** Slack's Web API base URL (GovSlack: https://slack-gov.com/api/). */
export const slackApiUrl = z.string().superRefine((value, ctx) => {
  let parsed: URL | undefined;
  try {
    parsed = new URL(value);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') || parsed.hostname === '') {
    ctx.addIssue({ code: 'custom', message: 'config:api_url', params: { i18n: 'config:api_url' } });
  }
});

/**
 * True for an IANA region name Intl knows (`Asia/Shanghai`) or UTC/GMT. Abbreviations are refused
 * even where Intl takes them: `CST` means US Central to Intl and China Standard Time to a team in
 * Shanghai, and a summary posted at 23:00 instead of 09:00 is the quiet kind of wrong.
 */
export function isTimeZone(value: string): boolean {
  if (!value.includes('/') && !/^(UTC|GMT)$/i.test(value)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return value.trim() !== '';
  } catch {
    return false;
  }
}

/** An IANA time zone, e.g. `Asia/Shanghai`: the zone dates and times are shown in. */
export const timeZone = z.string().superRefine((value, ctx) => {
  if (!isTimeZone(value)) {
    ctx.addIssue({
      code: 'custom',
      message: 'config:time_zone',
      params: { i18n: 'config:time_zone', zone: value },
    });
  }
});

/** A channel's language (wins over each user's Slack locale) and time zone (default UTC). */
const channelLocale = z.object({ lang: z.enum(LANGS).optional(), timeZone: timeZone.optional() }).strict();

/**
 * TLS to a `rediss://` Redis: PEM file paths (read at start), an SNI / certificate name for endpoints
 * behind a load balancer, and an explicit switch that turns verification off.
 */
const tls = z
  .object({
    ca: z.string().min(1).optional(),
    cert: z.string().min(1).optional(),
    key: z.string().min(1).optional(),
    servername: z
      .string()
      .regex(/^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*$/)
      .optional(),
    insecure: z.boolean().default(false),
  })
  .strict();

const approvers = z
  .object({
    users: z.array(userId).default([]),
    groups: z.array(userGroupId).default([]),
  })
  .strict();

const thresholds = z
  .object({ warning: pct.default(60), critical: pct.default(70), emergency: pct.default(85) })
  .strict();

/** A cron expression (five fields, or six with seconds), checked at load: a typo is a config error. */
const cron = z.string().superRefine((value, ctx) => {
  if (!isCronExpression(value)) {
    ctx.addIssue({ code: 'custom', message: 'config:cron', params: { i18n: 'config:cron', expr: value } });
  }
});

/**
 * The bot's own monitoring: a sample of every cluster on `sample.cron` (a threshold check on each),
 * history kept `retentionDays`, alerts with hysteresis and a minimum duration, and an optional daily
 * summary (`summary.cron`, in each channel's time zone; off unless set).
 */
const monitoring = z
  .object({
    enabled: z.boolean().default(true),
    sample: z
      .object({ cron: cron.default('* * * * *'), timeZone: timeZone.default('UTC') })
      .strict()
      .default({ cron: '* * * * *', timeZone: 'UTC' }),
    summary: z.object({ cron }).strict().optional(),
    /** At least a day (a trend needs one), at most 90 (then about 5 MB of history a cluster, thinned as history-store.ts does). */
    retentionDays: between(1, 90).default(14),
    alerts: z
      .object({
        /** A level counts once the memory stays past its line this long (wobbling posts once). */
        minDurationSeconds: between(0, 3600).default(120),
        /** Points under a line before a level is left again (70 % critical clears under 68 %). */
        hysteresisPct: between(0, 20).default(2),
        evictions: z.boolean().default(true),
        /** Alert when keys without TTL grow faster than this many per hour; off when unset. */
        keysWithoutTtlPerHour: between(1, 1_000_000_000).optional(),
      })
      .strict()
      .default({ minDurationSeconds: 120, hysteresisPct: 2, evictions: true }),
  })
  .strict();

const clusterAws = z
  .object({
    region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/),
    replicationGroupId: z.string().min(1).optional(),
    cacheNodeIds: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict();

/**
 * The burst hunt's optional AWS sources of one cluster: Logs Insights over log groups (words added
 * to the runbook's redis/cache/SET/SADD filter), EventBridge rules whose names contain a filter,
 * ECS tasks of services. Words and filters go into a query: plain tokens only.
 */
const burstToken = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/);
const burstSources = z
  .object({
    logs: z
      .object({
        groups: z
          .array(z.string().regex(/^[.\-_/#A-Za-z0-9]{1,512}$/))
          .min(1)
          .max(50),
        words: z.array(burstToken).max(20).default([]),
        queryTimeoutSeconds: z.number().gt(0).lte(600).default(60),
      })
      .strict()
      .optional(),
    rules: z
      .object({
        nameFilters: z.array(burstToken).min(1).max(20),
        eventBusName: z
          .string()
          .regex(/^[A-Za-z0-9._\-/:]{1,1600}$/)
          .optional(),
      })
      .strict()
      .optional(),
    ecs: z
      .object({
        cluster: z.string().regex(/^[A-Za-z0-9_:/.-]{1,255}$/),
        services: z
          .array(z.string().regex(/^[A-Za-z0-9_:/.-]{1,255}$/))
          .min(1)
          .max(20),
      })
      .strict()
      .optional(),
  })
  .strict();

const cluster = z
  .object({
    name: clusterName,
    url: redisUrl,
    username: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    mode: z.enum(['standalone', 'cluster']).default('standalone'),
    tls: tls.optional(),
    aws: clusterAws.optional(),
    thresholds: z.object({ warning: pct, critical: pct, emergency: pct }).partial().strict().optional(),
    approvers: approvers.optional(),
    /** Where the exported alerting rules' `runbook_url` annotation points for this cluster. */
    runbookUrl: z.url({ protocol: /^https?$/ }).optional(),
    burst: burstSources.optional(),
    /** When approved TTL plans run (config/off-peak.ts); unset: at once. */
    offPeak: offPeakSchema.optional(),
    /** The order a TTL plan runs its rules: the runbook's (risk, then fewest keys) or the config's. */
    planOrder: z.enum(['runbook', 'config']).default('runbook'),
  })
  .strict();

export const configSchema = z
  .object({
    queue: z
      .object({
        url: redisUrl,
        /** Key prefix for everything the bot stores (queues, incidents). */
        prefix: z
          .string()
          .regex(/^[A-Za-z0-9_-]+$/)
          .default('redis-medic'),
        tls: tls.optional(),
      })
      .strict(),
    slack: z
      .object({
        /** Web API base URL; SLACK_API_URL wins over it. */
        apiUrl: slackApiUrl.optional(),
        channels: z.record(channelId, clusterName).default({}),
        /** channel id → `{ lang, timeZone }` for messages in that channel. */
        channelLocales: z.record(channelId, channelLocale).default({}),
        devTeamChannel: channelId.optional(),
        approvers: approvers.default({ users: [], groups: [] }),
      })
      .strict()
      .default({ channels: {}, channelLocales: {}, approvers: { users: [], groups: [] } }),
    thresholds: thresholds.default({ warning: 60, critical: 70, emergency: 85 }),
    watch: z
      .object({
        targetPct: pct.default(75),
        intervalMinutes: z
          .number()
          .lte(60)
          .superRefine((value, ctx) => {
            if (value >= MIN_WATCH_INTERVAL_MINUTES) return;
            const key = 'config:watch_interval_min';
            ctx.addIssue({
              code: 'custom',
              message: key,
              params: { i18n: key, min: MIN_WATCH_INTERVAL_MINUTES, value },
            });
          })
          .default(5),
        maxHours: z.number().gt(0).lte(72).default(6),
      })
      .strict()
      .default({ targetPct: 75, intervalMinutes: 5, maxHours: 6 }),
    trend: z
      .object({ windowHours: z.number().gt(0).lte(24).default(3) })
      .strict()
      .default({ windowHours: 3 }),
    incidents: z
      .object({
        /** An incident with no activity for this long is closed; the next status opens a new one. */
        idleHours: z
          .number()
          .gt(0)
          .lte(24 * 30)
          .default(24),
        /**
         * The incident checklist, in order (default: the runbook's eight steps). A step of the
         * runbook is named by its id alone; a team's own step also gives its label in both languages.
         */
        checklist: z
          .array(
            z
              .object({
                id: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/),
                label: z
                  .object({ en: z.string().min(1).max(150), zh: z.string().min(1).max(150) })
                  .strict()
                  .optional(),
              })
              .strict(),
          )
          .min(1)
          .max(20)
          .superRefine((steps, ctx) => {
            const seen = new Set<string>();
            steps.forEach((step, i) => {
              const key = seen.has(step.id)
                ? 'config:duplicate_step'
                : !RUNBOOK_STEPS.includes(step.id) && !step.label
                  ? 'config:step_needs_label'
                  : undefined;
              seen.add(step.id);
              if (key)
                ctx.addIssue({ code: 'custom', path: [i], message: key, params: { i18n: key, id: step.id } });
            });
          })
          .optional(),
      })
      .strict()
      .default({ idleHours: 24 }),
    /** The four-eyes workflow for TTL fixes (and later other changes). */
    approvals: z
      .object({
        /** An approval request not decided within this closes as expired. */
        expiresMinutes: z
          .number()
          .gt(0)
          .lte(24 * 60)
          .default(60),
        /** Execution needs a dry-run younger than this; older ones ask for a fresh dry-run. */
        dryRunMaxAgeMinutes: z
          .number()
          .gt(0)
          .lte(24 * 60)
          .default(30),
        /** The re-count at approval time may differ from the dry-run's count by at most this. */
        recountTolerancePct: z.number().gte(0).lte(100).default(5),
        /**
         * Four-eyes cannot be turned off: the key is still read so that a config saying `true` is
         * told why instead of being silently ignored.
         */
        allowSelfApproval: z
          .boolean()
          .optional()
          .superRefine((value, ctx) => {
            if (value === true) {
              ctx.addIssue({
                code: 'custom',
                message: 'config:self_approval',
                params: { i18n: 'config:self_approval' },
              });
            }
          }),
      })
      .strict()
      .default({
        expiresMinutes: 60,
        dryRunMaxAgeMinutes: 30,
        recountTolerancePct: 5,
      }),
    monitoring: monitoring.default({
      enabled: true,
      sample: { cron: '* * * * *', timeZone: 'UTC' },
      retentionDays: 14,
      alerts: { minDurationSeconds: 120, hysteresisPct: 2, evictions: true },
    }),
    clusters: z.array(cluster).min(1),
    /** TTL remediation rules (also accepted as a rules file of their own); see rule-schema.ts. */
    rules: z.array(ttlRuleSchema).default([]),
    /**
     * Capacity advice: `nodeCatalog` is a JSON file (relative to the config file) whose node types
     * replace or extend the shipped catalog's (prices, regions); `horizonDays` the projection's length.
     */
    capacity: z
      .object({
        nodeCatalog: z.string().min(1).optional(),
        horizonDays: z.number().int().gte(7).lte(365).default(90),
      })
      .strict()
      .optional(),
    /** `overridesDir`: en/*.json, zh/*.json over the shipped texts (relative to the config file). */
    i18n: z
      .object({ overridesDir: z.string().min(1).optional() })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    const issue = (path: (string | number)[], key: string, values: Record<string, string | number> = {}) =>
      ctx.addIssue({ code: 'custom', path, message: key, params: { i18n: key, ...values } });

    const seen = new Map<string, number>();
    config.clusters.forEach((c, i) => {
      const first = seen.get(c.name);
      if (first !== undefined)
        issue(['clusters', i, 'name'], 'config:duplicate_cluster', { name: c.name, first });
      else seen.set(c.name, i);
      if (c.burst && (c.burst.logs || c.burst.rules || c.burst.ecs) && !c.aws) {
        issue(['clusters', i, 'burst'], 'config:burst_needs_aws');
      }
      if (c.aws && !c.aws.replicationGroupId && !c.aws.cacheNodeIds) {
        issue(['clusters', i, 'aws'], 'config:aws_needs_ids');
      }
      const t = { ...config.thresholds, ...c.thresholds };
      // Only a cluster that overrides is checked here; a bad global set is reported once below.
      if (c.thresholds && !(t.warning < t.critical && t.critical < t.emergency)) {
        issue(['clusters', i, 'thresholds'], 'config:thresholds_order', t);
      }
      if (sameRedis(c.url, config.queue.url))
        issue(['queue', 'url'], 'config:queue_is_target', { name: c.name });
      checkTls(c.url, c.tls, ['clusters', i]);
    });
    checkTls(config.queue.url, config.queue.tls, ['queue']);
    function checkTls(url: string, settings: RawTls | undefined, at: (string | number)[]) {
      if (!settings) return;
      if (!url.startsWith('rediss://')) issue([...at, 'tls'], 'config:tls_needs_rediss');
      if ((settings.cert === undefined) !== (settings.key === undefined))
        issue([...at, 'tls'], 'config:tls_cert_and_key');
      if (settings.servername !== undefined && isIP(settings.servername) !== 0)
        issue([...at, 'tls', 'servername'], 'config:tls_servername_ip');
    }
    const sample = config.monitoring.sample;
    if (
      isCronExpression(sample.cron) &&
      isTimeZone(sample.timeZone) &&
      !isCronExpression(sample.cron, sample.timeZone)
    )
      issue(['monitoring', 'sample', 'cron'], 'config:cron', { expr: sample.cron });
    const t = config.thresholds;
    if (!(t.warning < t.critical && t.critical < t.emergency))
      issue(['thresholds'], 'config:thresholds_order', t);
    for (const [channel, name] of Object.entries(config.slack.channels)) {
      if (!seen.has(name)) issue(['slack', 'channels', channel], 'config:unknown_cluster_ref', { name });
    }
    checkRuleSet(
      config.rules,
      { clusters: [...seen.keys()], queuePrefix: config.queue.prefix },
      (path, key, values) => issue(['rules', ...path], key, values),
    );
  });

/**
 * Plainly the same server (same host, or two loopback spellings, and the same port), whatever DB?
 * The bot's queue must never live on a server it remediates. Only what the text proves is caught
 * here; aliases and proxies are caught on the live servers (redis/queue-identity.ts) before a run.
 */
function sameRedis(a: string, b: string): boolean {
  try {
    const ua = new URL(a);
    const ub = new URL(b);
    const host = (u: URL) => {
      const h = u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
      return h === 'localhost' || h === '::1' || /^127\./.test(h) ? 'loopback' : h;
    };
    return host(ua) === host(ub) && (ua.port || '6379') === (ub.port || '6379');
  } catch {
    return false;
  }
}

export type RawConfig = z.infer<typeof configSchema>;
export type RawCluster = z.infer<typeof cluster>;
export type RawTls = z.infer<typeof tls>;
export type RawBurstSources = z.infer<typeof burstSources>;
export type RawMonitoring = z.infer<typeof monitoring>;

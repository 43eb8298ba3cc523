/**
 * The composition root of `redis-medic serve`: config → queue Redis → stores, queues, workers,
 * schedules → Slack app, and the order they close in. (Over 400 lines: it only wires; each part it
 * wires lives in its own module, and splitting the wiring would hide the start and stop order.)
 */
import type { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { BurstAwsClients } from './aws/burst-clients.js';
import { createAwsClients } from './aws/cloudwatch-trend.js';
import { elastiCacheChanges } from './aws/elasticache-changes.js';
import { fetchClusterFacts, fetchParameterGroupUsers } from './aws/elasticache-facts.js';
import { belowSdkNodeMajor, SDK_MIN_NODE_MAJOR } from './aws/node-version.js';
import { DEFAULT_HORIZON_DAYS } from './capacity/sizing.js';
import { adviseDeps } from './capacity/sources.js';
import { SnapshotStore } from './census/snapshot-store.js';
import { ChangeApprovalService } from './changes/approval.js';
import { catalogMaxmemory } from './changes/node-maxmemory.js';
import { ChangePlanStore } from './changes/plan-store.js';
import { makePlan } from './changes/planner.js';
import type { NodeMaxmemory } from './changes/ports.js';
import { redisPolicyAccess } from './changes/redis-policy.js';
import { channelTimeZone, findCluster } from './config/load.js';
import type { MedicConfig } from './config/types.js';
import { ErrorCode, errorMessage, MedicError } from './errors.js';
import { createI18n, type I18n } from './i18n/index.js';
import { ApprovalStore } from './incidents/approval-store.js';
import { PlanApprovalService } from './incidents/approvals/plan-service.js';
import { ApprovalService, type TtlRunQueue } from './incidents/approvals.js';
import { AuditLog } from './incidents/audit-log.js';
import { ChecklistService } from './incidents/checklist/service.js';
import { REASSESSMENT_POSTED } from './incidents/checklist/timeline-steps.js';
import { IncidentStore } from './incidents/incident-store.js';
import { PlanStore } from './incidents/plan-store.js';
import { CENSUS_QUEUE, type CensusJobData, CensusService, createCensusWorker } from './jobs/census-job.js';
import {
  CHANGE_RUN_QUEUE,
  type ChangeJobData,
  ChangeRunService,
  createChangeWorker,
} from './jobs/change-job.js';
import { withChecklistTicks } from './jobs/changes/checklist-ticks.js';
import { startMonitorJobs } from './jobs/monitor-job.js';
import { createReminderWorker, REMINDER_QUEUE, type Reminder, ReminderService } from './jobs/reminder-job.js';
import { createTtlWorker, TTL_RUN_QUEUE, type TtlJobData, TtlRunService } from './jobs/ttl-job.js';
import { createWatchWorker, WATCH_QUEUE, type WatchJobData, WatchService } from './jobs/watch.js';
import type { ThrottleOptions } from './keyspace/pacing/throttle.js';
import { serverFacts } from './keyspace/server-facts.js';
import { AlertStateStore } from './monitoring/alert-store.js';
import { HistoryStore } from './monitoring/history-store.js';
import { historyTrendProvider, withHistoryFallback } from './monitoring/history-trend.js';
import { countedTrend } from './monitoring/metrics/counted-trend.js';
import { MedicMetrics } from './monitoring/metrics/registry.js';
import { startSampleGaugeRefresh } from './monitoring/metrics/sample-gauges.js';
import { fetchThrough, ProxyRoutingDispatcher } from './net/agents.js';
import { describeProxy, type Env, type ProxySettings, proxySettings } from './net/proxy.js';
import type { Logger } from './observability/logger.js';
import { connectTarget, parseRedisUrl } from './redis/connect.js';
import { redact } from './redis/errors.js';
import { connectQueueRedis } from './redis/queue-connection.js';
import { assertNotQueueServer } from './redis/queue-identity.js';
import { DryRunStore, dryRun, recount } from './remediation/dry-run.js';
import { slackAlertReporter } from './slack/alert-reporter.js';
import { resolveSlackApiUrl } from './slack/api-url.js';
import { boltLogger, createSlackApp, type SlackAppOptions } from './slack/app.js';
import { resolveBotIdentity } from './slack/bot-identity.js';
import { slackCensusReporter } from './slack/census-reporter.js';
import { slackChangeReporter } from './slack/change-reporter.js';
import { ChecklistMessages } from './slack/checklist/checklist-message.js';
import { REASSESS_KEY, scheduleReassessment } from './slack/checklist/reassessment.js';
import { withDevTeamNotices } from './slack/dev-team-reporter.js';
import { planChecklistEvents, planFinishedTick } from './slack/plan-checklist.js';
import { slackReminderReporter } from './slack/reminder-reporter.js';
import type { RemediationServices } from './slack/services.js';
import { slackTtlRunReporter } from './slack/ttl-reporter.js';
import { warmUp } from './slack/warm-up.js';
import { slackWatchReporter } from './slack/watch-reporter.js';
import type { TrendProvider } from './status/check-status.js';
import { cloudWatchTrendProvider } from './status/trend-providers.js';

export interface ServerOptions {
  config: MedicConfig;
  logger: Logger;
  /**
   * `slackApiUrl` here wins over SLACK_API_URL and `slack.apiUrl` (tests pass it); leave it out in
   * production.
   */
  slack: Omit<SlackAppOptions, 'health' | 'dispatcher'>;
  /** SLACK_API_URL and the proxy variables (HTTPS_PROXY, HTTP_PROXY, NO_PROXY). @defaultValue process.env */
  env?: Env;
  /** Defaults to CloudWatch; the demo and tests swap it. */
  trend?: TrendProvider;
  /** Replaces the bot's texts entirely (the config's `i18n` overrides are then not applied). */
  i18n?: I18n;
  /** Tests: a missing key or interpolation value throws (the config's overrides still apply). */
  strictI18n?: boolean;
  /** Per-Redis-call timeouts for status checks. */
  connectTimeoutMs?: number;
  /** TTL remediation seams for tests: the clock (approval expiry, dry-run age), the run queue, pacing. */
  remediation?: {
    /** @defaultValue Date.now */
    now?: () => number;
    /** Replaces the BullMQ run queue (tests assert what would have been enqueued). */
    runs?: TtlRunQueue;
    /** Pacing of dry-runs and re-counts. @defaultValue the census default throttle */
    throttle?: ThrottleOptions | false;
  };
  /** Approve-gated scale / policy changes: how a running scale is followed, and the node catalog. */
  changes?: {
    /** Between two DescribeReplicationGroups while a scale runs. @defaultValue 30000 */
    pollIntervalMs?: number;
    /** A scale not done after this long is reported as timed out. @defaultValue 3 h */
    timeoutMs?: number;
    /** First backoff of a throttled ElastiCache call. @defaultValue 500 */
    awsRetryBaseMs?: number;
    /** maxmemory of a node type (scale-down headroom). @defaultValue from the node catalog */
    maxmemoryOf?: NodeMaxmemory;
  };
}

export interface RunningServer {
  port: number;
  services: {
    incidents: IncidentStore;
    watches: WatchService;
    census: CensusService;
    snapshots: SnapshotStore;
    audit: AuditLog;
    approvals: ApprovalStore;
    dryRuns: DryRunStore;
    ttlRuns: TtlRunService;
    /** The process's /metrics: samplers call `recordSample`, schedulers `scheduleLag`. */
    metrics: MedicMetrics;
    /** "Post this in that thread at that time", persistent, once. */
    reminders: ReminderService;
    /** The incident checklist (tick / start / skip) and its pinned message. */
    checklist: ChecklistService;
    checklistMessages: ChecklistMessages;
  };
  stop(): Promise<void>;
}

/**
 * The composition root of `redis-medic serve`: config → queue Redis → incidents, queue, worker →
 * Slack app. Everything is built here and nowhere else, so tests can start the real thing.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { config, logger } = options;
  const env = options.env ?? process.env;
  // The team's wording (config `i18n.overridesDir`, checked at load) over the shipped texts.
  const i18n =
    options.i18n ??
    createI18n({
      ...(options.strictI18n ? { strict: true } : {}),
      ...(config.i18n ? { overrides: config.i18n.overrides } : {}),
    });
  // Jobs post later, from a worker: their channel's configured time zone (default UTC).
  const timeZone = (channel: string) => channelTimeZone(config, channel);
  // Both throw on a bad SLACK_API_URL / proxy variable: before anything is started.
  const slackApi = resolveSlackApiUrl({ explicit: options.slack.slackApiUrl, env, config });
  const proxy = proxySettings(env, { direct: redisHosts(config) });
  warnIfTlsInsecure(config, logger);
  // Before anything connects: a token Slack refuses, or no route to Slack, stops the start here
  // with one error naming the method and host (slack_token_refused / slack_unreachable).
  const dispatcher = new ProxyRoutingDispatcher(proxy);
  const identity = await resolveBotIdentity({
    botToken: options.slack.botToken,
    ...(options.slack.botUserId ? { botUserId: options.slack.botUserId } : {}),
    ...(options.slack.botId ? { botId: options.slack.botId } : {}),
    slackApiUrl: slackApi.url,
    fetch: fetchThrough(dispatcher),
    logger: boltLogger(logger),
  }).catch(async (err: unknown) => {
    await dispatcher.close().catch(() => {});
    throw err;
  });
  // The AWS SDK's own Node-version warning is off (aws/node-version.ts): said once here instead.
  if (belowSdkNodeMajor() && config.clusters.some((c) => c.aws)) {
    logger.warn(
      { node: process.version, required: `>=${SDK_MIN_NODE_MAJOR}` },
      'AWS SDK releases after the first week of January 2027 need a newer Node: upgrade (the Docker image runs Node 22)',
    );
  }

  // rediss:// queue: the CA / client certificate / servername from queue.tls. A queue Redis that
  // can't be reached stops the start with an error naming it (queue_unreachable).
  // BullMQ needs maxRetriesPerRequest: null on its connections (blocking commands).
  const queueRedis = await connectQueueRedis(config.queue, { maxRetriesPerRequest: null }, (err) =>
    logger.warn({ err: redact(err.message) }, 'queue redis error'),
  ).catch(async (err: unknown) => {
    await dispatcher.close().catch(() => {});
    throw err;
  });
  await warnIfQueueRedisEvicts(queueRedis, logger);
  // Incidents and watch state get their own connection that fails fast: BullMQ's waits through
  // reconnects forever, and a slash command must never hang on a queue Redis outage.
  const storeRedis = await connectQueueRedis(
    config.queue,
    { maxRetriesPerRequest: 1, commandTimeout: 2000, enableOfflineQueue: false },
    (err) => logger.warn({ err: redact(err.message) }, 'store redis error'),
  ).catch(async (err: unknown) => {
    queueRedis.disconnect();
    await dispatcher.close().catch(() => {});
    throw err;
  });

  const prefix = config.queue.prefix;
  const incidents = new IncidentStore(storeRedis, { prefix, idleHours: config.incidents.idleHours });
  const watchQueue = new Queue<WatchJobData>(WATCH_QUEUE, { connection: queueRedis, prefix });
  const watches = new WatchService(watchQueue, storeRedis, prefix);
  const censusQueue = new Queue<CensusJobData>(CENSUS_QUEUE, { connection: queueRedis, prefix });
  const census = new CensusService(censusQueue, storeRedis, prefix);
  const snapshots = new SnapshotStore(storeRedis, { prefix });
  const shownCensus = new Map<string, string>();
  const metrics = new MedicMetrics({
    // Counted at each scrape; the TTL queue is added below, once it exists.
    queues: [watchQueue, censusQueue],
    // The newest stored census of every cluster: whichever replica ran it, every replica shows it.
    // Only a census not shown yet is read (a scrape is one ZREVRANGE per cluster otherwise).
    censuses: () =>
      Promise.all(
        config.clusters.map(async ({ name }) => {
          const id = await snapshots.latestId(name);
          if (id === undefined || shownCensus.get(name) === id) return { cluster: name, census: undefined };
          const census = await snapshots.get(name, id);
          if (census) shownCensus.set(name, id);
          return { cluster: name, census };
        }),
      ),
    onCollectError: (err) =>
      logger.warn({ err: redact(String(err)) }, 'metrics: reading the queue Redis failed'),
  });
  // The bot's own INFO history: the trend wherever CloudWatch is not configured or fails.
  const history = new HistoryStore(storeRedis, { prefix, retentionDays: config.monitoring.retentionDays });
  const status = {
    trend: withHistoryFallback(
      countedTrend(options.trend ?? cloudWatchTrendProvider({ proxy }), (action, kind) =>
        metrics.awsError(action, kind),
      ),
      historyTrendProvider(history),
    ),
    ...(options.connectTimeoutMs ? { connect: { connectTimeoutMs: options.connectTimeoutMs } } : {}),
  };
  const cluster = (name: string) => findCluster(config, name);

  // TTL remediation: dry-runs, the four-eyes approval and the audit log, all on the queue Redis.
  const now = options.remediation?.now ?? Date.now;
  const throttle = options.remediation?.throttle;
  const audit = new AuditLog(storeRedis, { prefix, logger });
  const approvalStore = new ApprovalStore(storeRedis, { prefix });
  const dryRuns = new DryRunStore(storeRedis, { prefix });
  const ttlQueue = new Queue<TtlJobData>(TTL_RUN_QUEUE, { connection: queueRedis, prefix });
  const ttlRuns = new TtlRunService(ttlQueue, storeRedis, prefix, { audit });
  metrics.countQueue(ttlQueue);
  const withTarget = async <T>(
    name: string,
    fn: (conn: Awaited<ReturnType<typeof connectTarget>>) => Promise<T>,
  ) => {
    const target = cluster(name);
    if (!target) throw new MedicError(ErrorCode.UnknownCluster, { name });
    const conn = await connectTarget(target, {
      ...(options.connectTimeoutMs ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
    });
    try {
      // Dry-runs and re-counts of the queue's own server are refused like the run itself.
      await assertNotQueueServer(conn, storeRedis);
      return await fn(conn);
    } finally {
      await conn.close().catch(() => {});
    }
  };
  const approvals = new ApprovalService({
    store: approvalStore,
    audit,
    policy: config.approvals,
    runs: options.remediation?.runs ?? ttlRuns,
    approvers: (name) => cluster(name)?.approvers,
    now,
    dryRuns: {
      get: (id) => dryRuns.get(id),
      recount: (d) =>
        withTarget(d.cluster, async (conn) => {
          const counted = await recount(conn, d.rule, throttle !== undefined ? { throttle } : {});
          if (!counted.complete) {
            throw new MedicError(ErrorCode.Unexpected, { reason: 'walk_stopped' }, 'recount incomplete');
          }
          return counted.toChange;
        }),
    },
  });
  // A cluster's whole TTL plan in one approval: the same request store, audit and run queue.
  const plans = new PlanApprovalService({
    store: approvalStore,
    plans: new PlanStore(storeRedis, { prefix }),
    audit,
    policy: config.approvals,
    runs: ttlRuns,
    approvers: (name) => cluster(name)?.approvers,
    offPeak: (name) => cluster(name)?.offPeak,
    now,
    dryRuns: {
      get: (id) => dryRuns.get(id),
      recount: (d) =>
        withTarget(d.cluster, async (conn) => {
          const counted = await recount(conn, d.rule, throttle !== undefined ? { throttle } : {});
          if (!counted.complete) {
            throw new MedicError(ErrorCode.Unexpected, { reason: 'walk_stopped' }, 'recount incomplete');
          }
          return counted.toChange;
        }),
    },
  });
  // The incident checklist: steps tick from the timeline (watch reached, message sent …) and from
  // the plan's own events; a skip is audited.
  const checklist = new ChecklistService(incidents, {
    ...(config.incidents.checklist ? { template: config.incidents.checklist } : {}),
    audit,
  });
  checklist.followTimeline();
  const reminderQueue = new Queue<Reminder>(REMINDER_QUEUE, { connection: queueRedis, prefix });
  const reminders = new ReminderService(reminderQueue);
  metrics.countQueue(reminderQueue);
  const remediation: RemediationServices = {
    approvals,
    audit,
    store: approvalStore,
    rules: (name) => config.rules.filter((r) => r.cluster === undefined || r.cluster === name),
    dryRun: (target, rule, opts) =>
      withTarget(target.name, async (conn) => {
        const result = await dryRun(conn, rule, {
          cluster: target.name,
          now: () => new Date(now()),
          ...(throttle !== undefined ? { throttle } : {}),
          ...(opts.signal ? { signal: opts.signal } : {}),
          ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
        });
        if (!result.complete) {
          throw new MedicError(ErrorCode.Unexpected, { reason: 'walk_stopped' }, 'dry-run incomplete');
        }
        const posted = opts.channel ? { ...result, channel: opts.channel } : result;
        await dryRuns.save(posted);
        return posted;
      }),
  };

  // Approve-gated scale and eviction-policy changes: same requests, approvals and audit as TTL fixes.
  const ecClients = new Map<string, ElastiCacheClient>();
  const ecFor = (region: string): ElastiCacheClient => {
    let client = ecClients.get(region);
    if (!client) {
      client = createAwsClients(region, { proxy }).elasticache;
      ecClients.set(region, client);
    }
    return client;
  };
  const clusterFacts = (target: Parameters<typeof fetchClusterFacts>[1]) =>
    fetchClusterFacts(ecFor(target.aws?.region ?? ''), target);
  const redisPolicy = redisPolicyAccess({
    ...(options.connectTimeoutMs ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
    guard: (conn) => assertNotQueueServer(conn, storeRedis),
  });
  const plannerDeps = {
    facts: clusterFacts,
    groupUsers: (
      target: Parameters<typeof fetchClusterFacts>[1],
      of: { replicationGroupId: string; group: string },
    ) =>
      fetchParameterGroupUsers(ecFor(target.aws?.region ?? ''), { region: target.aws?.region ?? '', ...of }),
    redisPolicy,
    maxmemoryOf: options.changes?.maxmemoryOf ?? catalogMaxmemory(config.capacity?.nodeCatalog),
    now,
  };
  const changeQueue = new Queue<ChangeJobData>(CHANGE_RUN_QUEUE, { connection: queueRedis, prefix });
  const changeRuns = new ChangeRunService(changeQueue);
  metrics.countQueue(changeQueue);
  const changeApprovals = new ChangeApprovalService({
    store: approvalStore,
    audit,
    plans: new ChangePlanStore(storeRedis, { prefix }),
    policy: config.approvals,
    approvers: (name) => cluster(name)?.approvers,
    now,
    enqueue: (run) => changeRuns.enqueue(run),
    recheck: async (plan) => {
      const target = cluster(plan.cluster);
      if (!target)
        return { ok: false, refusal: { reason: 'unknown_cluster', values: { cluster: plan.cluster } } };
      return makePlan(plannerDeps, {
        cluster: target,
        channel: plan.channel,
        requester: plan.requester,
        value: plan.to,
        kind: plan.kind,
        id: plan.id,
      });
    },
  });
  const changes = {
    approvals: changeApprovals,
    plan: (req: Omit<Parameters<typeof makePlan>[1], 'id'>) => makePlan(plannerDeps, req),
  };

  const slack = createSlackApp(
    {
      ...options.slack,
      ...identity,
      slackApiUrl: slackApi.url,
      dispatcher,
      seenRequests: { redis: storeRedis, prefix },
      ready: () =>
        storeRedis
          .ping()
          .then((pong) => pong === 'PONG')
          .catch(() => false),
      metrics: {
        contentType: metrics.contentType,
        metrics: () => metrics.metrics(),
        slackCall: (method, outcome) => metrics.slackCall(method, outcome),
      },
      // Liveness: the process answers. The queue's state is reported, not judged: restarting every
      // replica during a queue Redis outage would not bring the queue back (/readyz takes them out).
      health: async () => {
        const queue = await Promise.race([
          storeRedis.ping().then(
            () => 'up',
            () => 'down',
          ),
          new Promise<string>((resolve) => setTimeout(() => resolve('down'), 1000).unref()),
        ]);
        return { ok: true, queue };
      },
    },
    {
      config,
      i18n,
      logger,
      status,
      incidents,
      watches,
      census,
      remediation,
      ttlRuns,
      plans,
      planEvents: planChecklistEvents(checklist),
      snapshots,
      changes,
      cluster,
      burst: { aws: burstAwsClients(proxy) },
      capacity: {
        deps: (target, conn) => adviseDeps({ config, cluster: target, conn, queue: storeRedis, proxy }),
        horizonDays: config.capacity?.horizonDays ?? DEFAULT_HORIZON_DAYS,
        // Called per request, long after start-up has created the reminder queue below.
        remind: (reminder) => reminders.schedule(reminder),
      },
      checklist,
      reminders,
      history,
    },
  );
  const checklistMessages = new ChecklistMessages({
    client: slack.app.client,
    incidents,
    checklist,
    config,
    i18n,
    logger,
  });
  checklistMessages.follow();
  // The fixes ran: the two-week reassessment is due from now.
  incidents.onAppend(async (incident, entry) => {
    if (entry.kind !== 'step_done' || entry.data?.step !== 'execute') return;
    await scheduleReassessment({ reminders, checklist }, incident, {
      by: 'job',
      targetPct: config.watch.targetPct,
    });
  });
  const workerConnection = queueRedis.duplicate();
  const worker = createWatchWorker(workerConnection, prefix, {
    service: watches,
    incidents,
    reporter: slackWatchReporter(slack.app.client, i18n, { timeZone }),
    target: cluster,
    status,
  });
  worker.on('failed', (job, err) =>
    logger.error({ job: job?.id, err: redact(err.message) }, 'watch tick failed'),
  );
  const censusConnection = queueRedis.duplicate();
  const censusWorker = createCensusWorker(censusConnection, prefix, {
    service: census,
    store: snapshots,
    incidents,
    reporter: slackCensusReporter(slack.app.client, i18n, logger, { timeZone }),
    target: cluster,
  });
  censusWorker.on('failed', (job, err) =>
    logger.error({ job: job?.id, err: redact(err.message) }, 'census failed'),
  );

  // TTL runs: posted from the worker that runs them; paced like the dry-runs.
  const ttlConnection = queueRedis.duplicate();
  const ttlWorker = createTtlWorker(ttlConnection, prefix, {
    service: ttlRuns,
    reporter: slackTtlRunReporter(slack.app.client, i18n, { logger }),
    audit,
    incidents,
    target: cluster,
    guardTarget: (conn) => assertNotQueueServer(conn, storeRedis),
    logger,
    ...(throttle !== undefined ? { throttle } : {}),
    // A whole plan's run done: the checklist's `execute` step.
    onPlanFinished: planFinishedTick(checklist),
    recountTolerancePct: config.approvals.recountTolerancePct,
  });
  ttlWorker.on('failed', (job, err) =>
    logger.error({ job: job?.id, err: redact(err.message) }, 'ttl run failed'),
  );

  // Change runs: the write once, then the scale followed until `available`, posted in the thread.
  const changeConnection = queueRedis.duplicate();
  const changeWorker = createChangeWorker(changeConnection, prefix, {
    store: storeRedis,
    prefix,
    aws: elastiCacheChanges(ecFor, {
      ...(options.changes?.awsRetryBaseMs !== undefined
        ? { baseDelayMs: options.changes.awsRetryBaseMs }
        : {}),
    }),
    facts: clusterFacts,
    redisPolicy,
    target: cluster,
    audit,
    reporter: withChecklistTicks(
      slackChangeReporter(slack.app.client, i18n),
      checklist,
      (err) => logger.warn({ err: errorMessage(err) }, 'checklist tick after a scale failed'),
      incidents,
    ),
    ...(options.changes?.pollIntervalMs !== undefined
      ? { pollIntervalMs: options.changes.pollIntervalMs }
      : {}),
    ...(options.changes?.timeoutMs !== undefined ? { timeoutMs: options.changes.timeoutMs } : {}),
    now,
    logger,
  });
  changeWorker.on('failed', (job, err) =>
    logger.error({ job: job?.id, err: redact(err.message) }, 'change run failed'),
  );

  // Monitoring: the schedulers live on the queue Redis (every replica upserts the same ones), each
  // tick is one job, run by one worker; alerts are posted by the replica whose state write won.
  const alertReporter = withDevTeamNotices(
    slackAlertReporter({ client: slack.app.client, config, i18n, incidents, logger }),
    { client: slack.app.client, config, i18n, logger },
  );
  const monitor = config.monitoring.enabled
    ? await startMonitorJobs(config, logger, {
        queueRedis,
        history,
        alerts: new AlertStateStore(storeRedis, prefix),
        reporter: alertReporter,
        onLag: (schedule, seconds) => metrics.scheduleLag(schedule, seconds),
        ...(options.connectTimeoutMs ? { connect: { connectTimeoutMs: options.connectTimeoutMs } } : {}),
      })
    : undefined;
  if (monitor) metrics.countQueue(monitor.queue);
  // This process's /metrics shows the newest sample whichever replica took it.
  const sampleGauges = config.monitoring.enabled
    ? startSampleGaugeRefresh(
        config.clusters.map((c) => c.name),
        history,
        metrics,
        (err) => logger.warn({ err: redact(String(err)) }, 'metrics: reading the sample history failed'),
      )
    : undefined;

  const reminderConnection = queueRedis.duplicate();
  const reminderReporter = slackReminderReporter(slack.app.client, config, i18n);
  const reminderWorker = createReminderWorker(reminderConnection, storeRedis, prefix, {
    async remind(reminder) {
      await reminderReporter.remind(reminder);
      // The two-week reassessment posted in its thread completes that checklist step.
      if (reminder.incidentId && reminder.key === REASSESS_KEY) {
        await incidents
          .append(reminder.incidentId, {
            at: new Date().toISOString(),
            kind: REASSESSMENT_POSTED,
            actor: 'job',
          })
          .catch(() => {});
      }
    },
  });
  reminderWorker.on('failed', (job, err) =>
    logger.error({ job: job?.id, err: redact(err.message) }, 'reminder failed'),
  );

  const closeBackground = async () => {
    // A TTL run stops after its page and goes back to the queue for another replica.
    await Promise.all([
      worker.close().catch(() => {}),
      censusWorker.close().catch(() => {}),
      ttlWorker.close().catch(() => {}),
      changeWorker.close().catch(() => {}),
      monitor?.close().catch(() => {}),
      sampleGauges?.stop().catch(() => {}),
      reminderWorker.close().catch(() => {}),
    ]);
    await Promise.all([
      watchQueue.close().catch(() => {}),
      censusQueue.close().catch(() => {}),
      ttlQueue.close().catch(() => {}),
      changeQueue.close().catch(() => {}),
      reminderQueue.close().catch(() => {}),
    ]);
    reminderConnection.disconnect();
    workerConnection.disconnect();
    censusConnection.disconnect();
    ttlConnection.disconnect();
    changeConnection.disconnect();
    storeRedis.disconnect();
    await queueRedis.quit().catch(() => queueRedis.disconnect());
    await dispatcher.close().catch(() => {});
  };
  // Before listening: a burst of commands right after a (re)start must not wait on first-use work.
  const font = await warmUp().catch((err: unknown) => {
    logger.warn({ err: redact(String(err)) }, 'warm-up failed: the first charts will be slower');
    return undefined;
  });
  if (font && !font.cjk) {
    logger.warn(
      { font: font.family },
      'no font with Chinese glyphs: Chinese chart text will show as empty boxes (run npm ci, or install fonts-noto-cjk)',
    );
  }
  let port: number;
  try {
    ({ port } = await slack.start());
  } catch (err) {
    // Port taken, bad app token…: don't leave the worker and connections holding the process open.
    await closeBackground();
    throw err;
  }
  logger.info(
    {
      port,
      mode: options.slack.appToken ? 'socket' : 'http',
      slackApiUrl: slackApi.url,
      slackApiUrlFrom: slackApi.source,
      proxy: describeProxy(proxy),
      clusters: config.clusters.map((c) => c.name),
      ...(config.i18n && !options.i18n ? { localeOverrides: config.i18n.overridesDir } : {}),
    },
    'redis-medic started',
  );

  let stopped = false;
  return {
    port,
    services: {
      incidents,
      watches,
      census,
      snapshots,
      audit,
      approvals: approvalStore,
      dryRuns,
      ttlRuns,
      metrics,
      reminders,
      checklist,
      checklistMessages,
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      // Stop taking requests first, then let a running tick finish, then drop connections.
      await slack.stop().catch(() => {});
      await closeBackground();
    },
  };
}

/** Every Redis host the config names: never proxied (Redis is raw TCP anyway; this keeps it explicit). */
function redisHosts(config: MedicConfig): string[] {
  const hosts = [config.queue.url, ...config.clusters.map((c) => c.url)].map(
    (url) => parseRedisUrl(url).host,
  );
  return [...new Set(hosts)];
}

/** `tls.insecure: true` turns certificate checks off: one warning per Redis at every start. */
function warnIfTlsInsecure(config: MedicConfig, logger: Logger): void {
  const targets = [
    ...(config.queue.tls?.insecure ? [{ redis: 'queue', url: config.queue.url }] : []),
    ...config.clusters.filter((c) => c.tls?.insecure).map((c) => ({ redis: c.name, url: c.url })),
  ];
  for (const { redis, url } of targets) {
    const { host, port } = parseRedisUrl(url);
    logger.warn(
      { redis, address: `${host}:${port}` },
      'TLS certificate verification is OFF (tls.insecure: true): anyone on the path can impersonate this Redis',
    );
  }
}

/** BullMQ data must never be evicted (design notes): say so loudly at start, but keep running. */
async function warnIfQueueRedisEvicts(redis: Redis, logger: Logger): Promise<void> {
  const info = await redis.info('memory').catch(() => '');
  const policy = serverFacts(info).maxmemoryPolicy;
  if (policy && policy !== 'noeviction') {
    logger.warn(
      { policy },
      'queue redis maxmemory-policy is not noeviction: jobs and incidents may be evicted',
    );
  }
}

/** The burst hunt's AWS clients, made once per region; the SDK is loaded on the first hunt. */
function burstAwsClients(proxy: ProxySettings): (region: string) => Promise<BurstAwsClients> {
  const byRegion = new Map<string, BurstAwsClients>();
  return async (region) => {
    const known = byRegion.get(region);
    if (known) return known;
    const { createBurstAwsClients } = await import('./aws/burst-clients.js');
    const clients = createBurstAwsClients(region, { proxy });
    byRegion.set(region, clients);
    return clients;
  };
}

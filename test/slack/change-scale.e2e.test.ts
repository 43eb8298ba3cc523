/**
 * Scaling a replication group through the real bot: `/redis-capacity`'s "Request scale" button →
 * a request in the incident thread showing the exact ModifyReplicationGroup call and its `aws`
 * command → the requester's own approval, an outsider's
 * and a click from another channel refused and audited → a second person approves →
 * ModifyReplicationGroup sent once with the right arguments → each status change posted in the
 * thread until `available` on the new type, with the time it took → the audit stream in order.
 * ElastiCache is stubbed at the SDK with response shapes from the AWS API reference.
 */
import {
  DescribeCacheClustersCommand,
  DescribeCacheParametersCommand,
  type DescribeCacheParametersCommandInput,
  DescribeReplicationGroupsCommand,
  ListAllowedNodeTypeModificationsCommand,
  ModifyReplicationGroupCommand,
  type ModifyReplicationGroupCommandInput,
  type ReplicationGroup,
} from '@aws-sdk/client-elasticache';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  allowedOutput,
  cacheClusterOutput,
  parameterPages,
  RUNBOOK_SCALE_UP,
} from '../aws/elasticache-responses.js';
import { describeOutput } from '../aws/responses.js';
import { readAuditStream } from '../support/audit-stream.js';
import {
  type ActionMessage,
  blocksOf,
  buttonOf,
  buttonsOf,
  hasButton,
  MARKET_CHANNEL,
  type MedicHarness,
  REPLICATION_GROUP,
  startMedicHarness,
  textOf,
  tsOf,
} from '../support/medic-harness.js';
import { waitFor } from '../support/wait-for.js';

const REQUESTER = 'UREQUESTER';
const APPROVER = 'UAPPROVER';
const OUTSIDER = 'UOUTSIDER';
const ELSEWHERE = 'C0ELSEWHERE';
const FROM = 'cache.t4g.medium';
const TO = 'cache.m7g.large';
const POLL_MS = 150;

let h: MedicHarness;
const modifyInputs: ModifyReplicationGroupCommandInput[] = [];
/** What DescribeReplicationGroups answers: the group as it is, then the scripted course of a scale. */
let current = { status: 'available', nodeType: FROM };
let afterModify: { status: string; nodeType: string }[] = [];

function group(state: { status: string; nodeType: string }): ReplicationGroup {
  return {
    ReplicationGroupId: REPLICATION_GROUP,
    Description: 'market',
    Status: state.status,
    MemberClusters: [`${REPLICATION_GROUP}-001`, `${REPLICATION_GROUP}-002`],
    NodeGroups: [
      {
        NodeGroupId: '0001',
        Status: state.status,
        NodeGroupMembers: [
          { CacheClusterId: `${REPLICATION_GROUP}-001`, CacheNodeId: '0001', CurrentRole: 'primary' },
          { CacheClusterId: `${REPLICATION_GROUP}-002`, CacheNodeId: '0001', CurrentRole: 'replica' },
        ],
      },
    ],
    AutomaticFailover: 'enabled',
    MultiAZ: 'enabled',
    ClusterEnabled: false,
    CacheNodeType: state.nodeType,
    Engine: 'redis',
  };
}

beforeAll(async () => {
  h = await startMedicHarness({
    keys: 500,
    approvers: { users: [APPROVER, REQUESTER] },
    changes: { pollIntervalMs: POLL_MS, timeoutMs: 60_000 },
  });
  const ec = h.aws.elasticache;
  ec.on(DescribeReplicationGroupsCommand).callsFake(async () => {
    const next = afterModify.shift();
    if (next) current = next;
    return describeOutput([group(current)]);
  });
  ec.on(DescribeCacheClustersCommand).callsFake(async () =>
    cacheClusterOutput(`${REPLICATION_GROUP}-001`, {
      nodeType: current.nodeType,
      parameterGroup: 'market-redis7',
    }),
  );
  const pages = parameterPages('volatile-lfu', '25');
  ec.on(DescribeCacheParametersCommand).callsFake(async (input: DescribeCacheParametersCommandInput) =>
    input.Marker ? pages[1] : pages[0],
  );
  ec.on(ListAllowedNodeTypeModificationsCommand).resolves(allowedOutput(RUNBOOK_SCALE_UP));
  ec.on(ModifyReplicationGroupCommand).callsFake(async (input: ModifyReplicationGroupCommandInput) => {
    modifyInputs.push(input);
    // What ElastiCache does after accepting it: modifying for a while, then available on the new type.
    afterModify = [
      { status: 'modifying', nodeType: FROM },
      { status: 'modifying', nodeType: FROM },
      { status: 'modifying', nodeType: FROM },
      { status: 'available', nodeType: TO },
    ];
    return {
      ReplicationGroup: group({ status: 'modifying', nodeType: FROM }),
      $metadata: { httpStatusCode: 200 },
    };
  });
});

afterAll(async () => {
  await h?.stop();
});

/** Clicks and returns the ephemeral reply (refusals answer that way). */
async function replyTo(click: Awaited<ReturnType<MedicHarness['click']>>): Promise<string> {
  expect(click.res.status).toBe(200);
  const reply = await h.fake.waitFor('response_url', (c) => c.responseId === click.responseId, 15_000);
  return String(reply.body.text);
}

it('request → refusals → a second person approves → one ModifyReplicationGroup → status changes until available → audit in order', async () => {
  // The real capacity report, and its Request scale button for the target.
  const asked = await h.slash('market', {
    command: '/redis-capacity',
    channel: MARKET_CHANNEL,
    user: REQUESTER,
  });
  expect(asked.res.status).toBe(200);
  const reportCall = await h.fake.waitFor(
    'chat.postMessage',
    (c) =>
      h.since(asked.mark, c) && buttonsOf(blocksOf(c)).some((b) => b.action_id === 'capacity_request_scale'),
    60_000,
  );
  const scaleButton = buttonsOf(blocksOf(reportCall)).find(
    (b) =>
      b.action_id === 'capacity_request_scale' &&
      (JSON.parse(b.value) as { node_type?: string }).node_type === TO,
  );
  if (!scaleButton) throw new Error(`no Request scale button for ${TO}`);
  const report: ActionMessage = { ts: tsOf(reportCall), blocks: blocksOf(reportCall) };
  const request = await h.click(scaleButton, report, { channel: MARKET_CHANNEL, user: REQUESTER });
  expect(request.res.status).toBe(200);
  const posted = await h.fake.waitFor(
    'chat.postMessage',
    (c) => h.since(request.mark, c) && c.body.channel === MARKET_CHANNEL && hasButton(c, 'change_approve'),
    15_000,
  );
  const blocks = blocksOf(posted);
  const text = textOf(blocks);
  // Before approval: the exact call and the equivalent aws command.
  expect(text).toContain('ModifyReplicationGroup');
  expect(text).toContain(`"ReplicationGroupId": "${REPLICATION_GROUP}"`);
  expect(text).toContain(`"CacheNodeType": "${TO}"`);
  expect(text).toContain('"ApplyImmediately": true');
  expect(text).toContain(
    `aws elasticache modify-replication-group --replication-group-id ${REPLICATION_GROUP} --cache-node-type ${TO} --apply-immediately --region us-east-1`,
  );
  expect(modifyInputs).toHaveLength(0);
  const approve = buttonOf(blocks, 'change_approve');
  const requestId = (JSON.parse(approve.value) as { request: string }).request;
  const threadTs = typeof posted.body.thread_ts === 'string' ? posted.body.thread_ts : tsOf(posted);
  const message: ActionMessage = { ts: tsOf(posted), thread_ts: threadTs, blocks };
  // The request is bound to its message and on record once the handler is done.
  await expect
    .poll(async () =>
      (await h.server.services.audit.list({ limit: 20 })).some((e) => e.requestId === requestId),
    )
    .toBe(true);

  // The requester (an approver too) cannot approve their own request.
  expect(
    await replyTo(await h.click(approve, message, { channel: MARKET_CHANNEL, user: REQUESTER })),
  ).toMatch(/someone else has to approve/);
  // Someone who is not an approver.
  expect(await replyTo(await h.click(approve, message, { channel: MARKET_CHANNEL, user: OUTSIDER }))).toMatch(
    /not an approver/,
  );
  // An approver, but from another channel than the request's own message.
  expect(await replyTo(await h.click(approve, message, { channel: ELSEWHERE, user: APPROVER }))).toMatch(
    /does not belong to an approval request/,
  );
  expect(modifyInputs).toHaveLength(0);

  const started = Date.now();
  const ok = await h.click(approve, message, { channel: MARKET_CHANNEL, user: APPROVER });
  expect(ok.res.status).toBe(200);
  const finished = await h.fake.waitFor(
    'chat.postMessage',
    (c) => c.body.thread_ts === threadTs && /took/.test(String(c.body.text)),
    30_000,
  );
  const tookMs = Date.now() - started;
  expect(String(finished.body.text)).toContain(TO);

  // Exactly one call, with exactly these arguments.
  expect(modifyInputs).toEqual([
    { ReplicationGroupId: REPLICATION_GROUP, CacheNodeType: TO, ApplyImmediately: true },
  ]);
  // A double click afterwards changes nothing.
  expect(await replyTo(await h.click(approve, message, { channel: MARKET_CHANNEL, user: APPROVER }))).toMatch(
    /already decided/,
  );
  expect(modifyInputs).toHaveLength(1);

  // The thread: the call sent, modifying, then available with the time it took, in that order.
  const thread = h.fake.calls
    .filter((c) => c.method === 'chat.postMessage' && c.body.thread_ts === threadTs && h.since(ok.mark, c))
    .map((c) => String(c.body.text));
  const sent = thread.findIndex((l) => l.includes('`ModifyReplicationGroup` sent'));
  const modifying = thread.findIndex((l) => l.includes('`modifying`'));
  const done = thread.findIndex((l) => /`available` on `cache\.m7g\.large`: the scale took \d+ s/.test(l));
  expect(sent).toBeGreaterThanOrEqual(0);
  expect(modifying).toBeGreaterThan(sent);
  expect(done).toBeGreaterThan(modifying);
  // modifying was seen on three polls but posted once: only changes are posted.
  expect(thread.filter((l) => l.includes('`modifying`'))).toHaveLength(1);
  // Four polls at POLL_MS apart cannot finish sooner than three intervals.
  expect(tookMs).toBeGreaterThanOrEqual(3 * POLL_MS);

  // The incident's checklist: scaling decided, by the approver, with the node type it ended on.
  const incident = await h.server.services.incidents.findOpen('market', MARKET_CHANNEL);
  await waitFor(
    'scale_decision ticked',
    async () =>
      (await h.server.services.incidents.steps(incident?.id ?? '')).get('scale_decision')?.state === 'done',
    10_000,
  );
  const step = (await h.server.services.incidents.steps(incident?.id ?? '')).get('scale_decision');
  expect(step?.by).toBe(APPROVER);
  expect(step?.detail).toBe(TO);
  // The timeline records the scale itself (the closing report prices it): from, to, and the group's
  // nodes as ElastiCache lists them, in the group's region and engine.
  const scaled = (await h.server.services.incidents.timeline(incident?.id ?? '')).filter(
    (e) => e.kind === 'scale_finished',
  );
  expect(scaled).toHaveLength(1);
  expect(scaled[0]?.actor).toBe(APPROVER);
  expect(scaled[0]?.data).toMatchObject({
    from: FROM,
    to: TO,
    nodes: group({ status: 'available', nodeType: TO }).MemberClusters?.length,
    region: 'us-east-1',
    engine: 'redis',
  });

  const audit = (await readAuditStream(h.queue.url, 'redis-medic')).filter(
    (e) => e.requestId === requestId || (e.action === 'refused' && e.control === 'change_approve'),
  );
  expect(audit.map((e) => (e.action === 'refused' ? `refused:${e.reason}` : e.action))).toEqual([
    'approval_requested',
    'refused:self_approval',
    'refused:not_approver',
    'refused:unknown_request',
    'approved',
    'change_applied',
    'change_finished',
    'refused:already_decided',
  ]);
  const actors = audit.map((e) => e.actor);
  expect(actors).toEqual([REQUESTER, REQUESTER, OUTSIDER, APPROVER, APPROVER, APPROVER, APPROVER, APPROVER]);
  expect(audit.find((e) => e.reason === 'unknown_request')?.channel).toBe(ELSEWHERE);
  expect(audit.every((e) => e.cluster === 'market' || e.reason === 'unknown_request')).toBe(true);
}, 120_000);

it('a group that is not available is refused at the click; AccessDenied on the call names the IAM action in the thread', async () => {
  const report: ActionMessage = { ts: '1765000000.000400', blocks: [] };
  const button = {
    action_id: 'capacity_request_scale',
    value: JSON.stringify({ cluster: 'market', node_type: 'cache.r7g.large' }),
    text: 'Request scale',
  };
  // Another modification under way: AWS takes one at a time, so nobody is asked to approve.
  current = { status: 'modifying', nodeType: TO };
  const busy = await replyTo(await h.click(button, report, { channel: MARKET_CHANNEL, user: REQUESTER }));
  expect(busy).toContain('is `modifying`, not `available`');

  current = { status: 'available', nodeType: TO };
  const calls = h.aws.elasticache.commandCalls(ModifyReplicationGroupCommand).length;
  h.aws.elasticache.on(ModifyReplicationGroupCommand).rejects(
    Object.assign(new Error('User is not authorized to perform: elasticache:ModifyReplicationGroup'), {
      name: 'AccessDenied',
      $fault: 'client',
      $metadata: { httpStatusCode: 403 },
    }),
  );
  const click = await h.click(button, report, { channel: MARKET_CHANNEL, user: REQUESTER });
  const posted = await h.fake.waitFor(
    'chat.postMessage',
    (c) => h.since(click.mark, c) && hasButton(c, 'change_approve'),
    15_000,
  );
  const blocks = blocksOf(posted);
  const approve = buttonOf(blocks, 'change_approve');
  const requestId = (JSON.parse(approve.value) as { request: string }).request;
  await expect
    .poll(async () =>
      (await h.server.services.audit.list({ limit: 20 })).some((e) => e.requestId === requestId),
    )
    .toBe(true);
  const threadTs = typeof posted.body.thread_ts === 'string' ? posted.body.thread_ts : tsOf(posted);
  await h.click(
    approve,
    { ts: tsOf(posted), thread_ts: threadTs, blocks },
    { channel: MARKET_CHANNEL, user: APPROVER },
  );
  const failed = await h.fake.waitFor(
    'chat.postMessage',
    (c) => c.body.thread_ts === threadTs && String(c.body.text).includes('failed'),
    20_000,
  );
  expect(String(failed.body.text)).toContain('AWS denied elasticache:ModifyReplicationGroup in us-east-1');
  // Sent once: a denial is not retried.
  expect(h.aws.elasticache.commandCalls(ModifyReplicationGroupCommand)).toHaveLength(calls + 1);
  const audit = (await readAuditStream(h.queue.url, 'redis-medic')).filter((e) => e.requestId === requestId);
  expect(audit.map((e) => e.action)).toEqual(['approval_requested', 'approved', 'change_failed']);
  expect(audit.at(-1)?.reason).toBe('aws_access_denied');
}, 90_000);

it("Request scale from a channel that is not the cluster's, or naming an unknown cluster or a malformed type, opens nothing and is audited", async () => {
  const report: ActionMessage = { ts: '1765000000.000500', blocks: [] };
  const scale = (value: Record<string, unknown>) => ({
    action_id: 'capacity_request_scale',
    value: JSON.stringify(value),
    text: 'Request scale',
  });
  const before = h.fake.calls.filter(
    (c) => c.method === 'chat.postMessage' && hasButton(c, 'change_approve'),
  ).length;
  expect(
    await replyTo(
      await h.click(scale({ cluster: 'market', node_type: 'cache.r7g.large' }), report, {
        channel: ELSEWHERE,
        user: REQUESTER,
      }),
    ),
  ).toContain("belongs to market's channels");
  expect(
    await replyTo(
      await h.click(scale({ cluster: 'nope', node_type: 'cache.r7g.large' }), report, {
        channel: MARKET_CHANNEL,
        user: REQUESTER,
      }),
    ),
  ).toContain('nope is not a cluster in the config');
  expect(
    await replyTo(
      await h.click(
        scale({ cluster: 'market', node_type: 'cache.r7g.large --apply-immediately; rm' }),
        report,
        {
          channel: MARKET_CHANNEL,
          user: REQUESTER,
        },
      ),
    ),
  ).toMatch(/not a valid value/);
  expect(
    h.fake.calls.filter((c) => c.method === 'chat.postMessage' && hasButton(c, 'change_approve')),
  ).toHaveLength(before);
  const last = (await readAuditStream(h.queue.url, 'redis-medic')).slice(-3);
  expect(last.map((e) => [e.action, e.reason, e.control])).toEqual([
    ['refused', 'wrong_channel', 'capacity_request_scale'],
    ['refused', 'unknown_cluster', 'capacity_request_scale'],
    ['refused', 'bad_value', 'capacity_request_scale'],
  ]);
  expect(last[0]?.channel).toBe(ELSEWHERE);
}, 60_000);

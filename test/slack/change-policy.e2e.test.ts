/**
 * Changing the eviction policy of an ElastiCache cluster through the real bot: with a custom
 * parameter group, the request shows ModifyCacheParameterGroup and its `aws` command, a second
 * person approves, the call is made once with the right ParameterNameValues and the value read
 * back is posted; with a `default.*` group the click is refused (nothing requested, nothing
 * called) with the commands that create and attach a custom group; asking for the policy already
 * in place, or a value that is no policy, is refused too. Every refusal is audited.
 */
import {
  type CacheCluster,
  DescribeCacheClustersCommand,
  type DescribeCacheClustersCommandInput,
  DescribeCacheParametersCommand,
  type DescribeCacheParametersCommandInput,
  ListAllowedNodeTypeModificationsCommand,
  ModifyCacheParameterGroupCommand,
  type ModifyCacheParameterGroupCommandInput,
  ModifyReplicationGroupCommand,
} from '@aws-sdk/client-elasticache';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import {
  allowedOutput,
  cacheClusterOutput,
  parameterPages,
  RUNBOOK_SCALE_UP,
} from '../aws/elasticache-responses.js';
import { readAuditStream } from '../support/audit-stream.js';
import {
  type ActionMessage,
  blocksOf,
  buttonOf,
  hasButton,
  MARKET_CHANNEL,
  type MedicHarness,
  REPLICATION_GROUP,
  startMedicHarness,
  textOf,
  tsOf,
} from '../support/medic-harness.js';

const REQUESTER = 'UREQUESTER';
const APPROVER = 'UAPPROVER';

let h: MedicHarness;
let parameterGroup = 'market-custom';
let policy = 'volatile-lfu';
let clockOffsetMs = 0;
/** Other cache clusters of the region (DescribeCacheClusters without an id lists them). */
let otherClusters: CacheCluster[] = [];
const modifyInputs: ModifyCacheParameterGroupCommandInput[] = [];

beforeAll(async () => {
  h = await startMedicHarness({
    keys: 300,
    approvers: { users: [APPROVER] },
    approvals: { expiresMinutes: 60, dryRunMaxAgeMinutes: 30 },
    remediation: { now: () => Date.now() + clockOffsetMs },
  });
  // On call in the cluster's channel: who may ask for a change (approvers may too).
  h.setChannelMembers(MARKET_CHANNEL, [REQUESTER]);
  const ec = h.aws.elasticache;
  ec.on(DescribeCacheClustersCommand).callsFake(async (input: DescribeCacheClustersCommandInput) => {
    const own = cacheClusterOutput(`${REPLICATION_GROUP}-001`, {
      nodeType: 'cache.r7g.large',
      parameterGroup,
    });
    if (input.CacheClusterId !== undefined) return own;
    // The region's list, in pages of two as ElastiCache pages it (Marker): the group's users.
    const all = [
      ...(own.CacheClusters ?? []).map((c) => ({ ...c, ReplicationGroupId: REPLICATION_GROUP })),
      ...otherClusters,
    ];
    const from = Number(input.Marker ?? 0);
    const next = from + 2 < all.length ? String(from + 2) : undefined;
    return {
      CacheClusters: all.slice(from, from + 2),
      ...(next !== undefined ? { Marker: next } : {}),
      $metadata: { httpStatusCode: 200 },
    };
  });
  // The parameter's value is whatever the last ModifyCacheParameterGroup set (as ElastiCache does).
  ec.on(DescribeCacheParametersCommand).callsFake(async (input: DescribeCacheParametersCommandInput) => {
    const pages = parameterPages(policy, '25');
    return input.Marker ? pages[1] : pages[0];
  });
  ec.on(ListAllowedNodeTypeModificationsCommand).resolves(allowedOutput(RUNBOOK_SCALE_UP));
  ec.on(ModifyCacheParameterGroupCommand).callsFake(async (input: ModifyCacheParameterGroupCommandInput) => {
    modifyInputs.push(input);
    const value = input.ParameterNameValues?.find(
      (p) => p.ParameterName === 'maxmemory-policy',
    )?.ParameterValue;
    if (value) policy = value;
    return { CacheParameterGroupName: input.CacheParameterGroupName, $metadata: { httpStatusCode: 200 } };
  });
});

afterAll(async () => {
  await h?.stop();
});

beforeEach(() => {
  clockOffsetMs = 0;
  parameterGroup = 'market-custom';
  policy = 'volatile-lfu';
  modifyInputs.length = 0;
  otherClusters = [];
});

const report: ActionMessage = { ts: '1765000000.000200', blocks: [] };

function policyButton(value: unknown) {
  return {
    action_id: 'policy_request_change',
    value: JSON.stringify({ cluster: 'market', policy: value }),
    text: 'Request change',
  };
}

async function replyTo(click: Awaited<ReturnType<MedicHarness['click']>>): Promise<string> {
  expect(click.res.status).toBe(200);
  const reply = await h.fake.waitFor('response_url', (c) => c.responseId === click.responseId, 15_000);
  return String(reply.body.text);
}

it('custom group: ModifyCacheParameterGroup with the right ParameterNameValues, once, after a second person approves', async () => {
  const click = await h.click(policyButton('allkeys-lfu'), report, {
    channel: MARKET_CHANNEL,
    user: REQUESTER,
  });
  expect(click.res.status).toBe(200);
  const posted = await h.fake.waitFor(
    'chat.postMessage',
    (c) => h.since(click.mark, c) && hasButton(c, 'change_approve'),
    15_000,
  );
  const blocks = blocksOf(posted);
  const text = textOf(blocks);
  expect(text).toContain('from `volatile-lfu` to `allkeys-lfu`');
  expect(text).toContain('ModifyCacheParameterGroup');
  expect(text).toContain('"CacheParameterGroupName": "market-custom"');
  expect(text).not.toContain('also used by');
  expect(text).toContain(
    'aws elasticache modify-cache-parameter-group --cache-parameter-group-name market-custom --parameter-name-values ParameterName=maxmemory-policy,ParameterValue=allkeys-lfu --region us-east-1',
  );
  const approve = buttonOf(blocks, 'change_approve');
  const requestId = (JSON.parse(approve.value) as { request: string }).request;
  const threadTs = typeof posted.body.thread_ts === 'string' ? posted.body.thread_ts : tsOf(posted);
  await expect
    .poll(async () =>
      (await h.server.services.audit.list({ limit: 20 })).some((e) => e.requestId === requestId),
    )
    .toBe(true);
  expect(modifyInputs).toHaveLength(0);

  const ok = await h.click(
    approve,
    { ts: tsOf(posted), thread_ts: threadTs, blocks },
    { channel: MARKET_CHANNEL, user: APPROVER },
  );
  expect(ok.res.status).toBe(200);
  await h.fake.waitFor(
    'chat.postMessage',
    (c) =>
      c.body.thread_ts === threadTs &&
      String(c.body.text).includes('now reports `maxmemory-policy allkeys-lfu`'),
    20_000,
  );
  expect(modifyInputs).toEqual([
    {
      CacheParameterGroupName: 'market-custom',
      ParameterNameValues: [{ ParameterName: 'maxmemory-policy', ParameterValue: 'allkeys-lfu' }],
    },
  ]);
  // A policy change never touches the replication group itself.
  expect(h.aws.elasticache.commandCalls(ModifyReplicationGroupCommand)).toHaveLength(0);
  const audit = (await readAuditStream(h.queue.url, 'redis-medic')).filter((e) => e.requestId === requestId);
  expect(audit.map((e) => e.action)).toEqual([
    'approval_requested',
    'approved',
    'change_applied',
    'change_finished',
  ]);
}, 90_000);

it('default group: refused with the commands that create and attach a custom group; nothing is requested or called', async () => {
  parameterGroup = 'default.redis7';
  const before = h.fake.calls.filter((c) => c.method === 'chat.postMessage').length;
  const text = await replyTo(
    await h.click(policyButton('allkeys-lfu'), report, { channel: MARKET_CHANNEL, user: REQUESTER }),
  );
  expect(text).toContain('default parameter group `default.redis7`');
  expect(text).toContain(
    "aws elasticache create-cache-parameter-group --cache-parameter-group-name market-allkeys-lfu --cache-parameter-group-family redis7 --description 'market with maxmemory-policy allkeys-lfu' --region us-east-1",
  );
  expect(text).toContain(
    'aws elasticache modify-cache-parameter-group --cache-parameter-group-name market-allkeys-lfu --parameter-name-values ParameterName=maxmemory-policy,ParameterValue=allkeys-lfu --region us-east-1',
  );
  expect(text).toContain(
    'aws elasticache modify-replication-group --replication-group-id market --cache-parameter-group-name market-allkeys-lfu --apply-immediately --region us-east-1',
  );
  expect(h.fake.calls.filter((c) => c.method === 'chat.postMessage')).toHaveLength(before);
  expect(modifyInputs).toHaveLength(0);
  const [last] = (await readAuditStream(h.queue.url, 'redis-medic')).slice(-1);
  expect(last).toMatchObject({
    action: 'refused',
    reason: 'default_parameter_group',
    actor: REQUESTER,
    cluster: 'market',
  });
}, 60_000);

it('the policy already in place, and a value that is no policy, are refused and audited', async () => {
  expect(
    await replyTo(
      await h.click(policyButton('volatile-lfu'), report, { channel: MARKET_CHANNEL, user: REQUESTER }),
    ),
  ).toContain('already uses `volatile-lfu`');
  expect(
    await replyTo(
      await h.click(policyButton('allkeys-everything'), report, { channel: MARKET_CHANNEL, user: REQUESTER }),
    ),
  ).toMatch(/not a valid value/);
  expect(modifyInputs).toHaveLength(0);
  const reasons = (await readAuditStream(h.queue.url, 'redis-medic')).slice(-2).map((e) => e.reason);
  expect(reasons).toEqual(['same_policy', 'bad_value']);
}, 60_000);

it('an approval after the request expired is refused, audited, and the request stops offering its buttons', async () => {
  const click = await h.click(policyButton('allkeys-lru'), report, {
    channel: MARKET_CHANNEL,
    user: REQUESTER,
  });
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
  clockOffsetMs = 61 * 60_000;
  const late = await h.click(
    approve,
    {
      ts: tsOf(posted),
      ...(typeof posted.body.thread_ts === 'string' ? { thread_ts: posted.body.thread_ts } : {}),
      blocks,
    },
    { channel: MARKET_CHANNEL, user: APPROVER },
  );
  expect(await replyTo(late)).toMatch(/expired/);
  const closed = await h.fake.waitFor(
    'chat.update',
    (c) => h.since(late.mark, c) && c.body.ts === tsOf(posted) && !hasButton(c, 'change_approve'),
    15_000,
  );
  expect(textOf(blocksOf(closed))).toContain('Expired at');
  expect(modifyInputs).toHaveLength(0);
  const [last] = (await readAuditStream(h.queue.url, 'redis-medic')).slice(-1);
  expect(last).toMatchObject({ action: 'refused', reason: 'expired', actor: APPROVER, requestId });
}, 60_000);

it('someone who is neither in the channel nor an approver cannot even ask', async () => {
  const text = await replyTo(
    await h.click(policyButton('allkeys-lfu'), report, { channel: MARKET_CHANNEL, user: 'UPASSERBY' }),
  );
  expect(text).toMatch(/Only members of this channel/);
  const [last] = (await readAuditStream(h.queue.url, 'redis-medic')).slice(-1);
  expect(last).toMatchObject({
    action: 'refused',
    reason: 'not_member',
    actor: 'UPASSERBY',
    control: 'policy_request_change',
  });
  expect(modifyInputs).toHaveLength(0);
}, 60_000);

// Last: its request stays open, and one open request per cluster blocks the next.
it('a group other clusters use too: the request names each of them (every page of DescribeCacheClusters)', async () => {
  const user = (id: string, rg: string | undefined, group: string): CacheCluster => ({
    CacheClusterId: id,
    ...(rg !== undefined ? { ReplicationGroupId: rg } : {}),
    CacheParameterGroup: { CacheParameterGroupName: group },
  });
  otherClusters = [
    user('checkout-001', 'checkout', 'market-custom'),
    user('checkout-002', 'checkout', 'market-custom'),
    user('search-001', 'search', 'search-custom'),
    user('legacy<!channel>', undefined, 'market-custom'),
  ];
  const click = await h.click(policyButton('allkeys-lfu'), report, {
    channel: MARKET_CHANNEL,
    user: REQUESTER,
  });
  expect(click.res.status).toBe(200);
  const posted = await h.fake.waitFor(
    'chat.postMessage',
    (c) => h.since(click.mark, c) && hasButton(c, 'change_approve'),
    15_000,
  );
  const text = textOf(blocksOf(posted));
  // Two other users (one replication group, one standalone cluster, its name escaped); not `search`.
  expect(text).toContain('also used by 2 other clusters');
  expect(text).toContain('checkout');
  expect(text).toContain('legacy&lt;!channel&gt;');
  expect(text).not.toContain('<!channel>');
  expect(text).not.toContain('search');
  const listCalls = h.aws.elasticache
    .commandCalls(DescribeCacheClustersCommand)
    .filter((c) => c.args[0].input.CacheClusterId === undefined);
  expect(listCalls.length).toBeGreaterThanOrEqual(3);
  expect(modifyInputs).toHaveLength(0);
}, 60_000);

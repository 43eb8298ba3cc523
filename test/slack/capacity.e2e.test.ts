/**
 * `/redis-capacity` and `/redis-policy` through the real bot: signed slash commands, the fake Slack
 * Web API recording what is posted, ElastiCache and CloudWatch stubbed with aws-sdk-client-mock. The
 * cost table carries the catalog's prices for the stubbed node types, the buttons carry the agreed
 * action ids and values, the chart is uploaded in the thread, the revisit reminder is scheduled,
 * and a denied AWS call is answered privately, naming the IAM action.
 */
import {
  DescribeCacheClustersCommand,
  DescribeCacheParametersCommand,
  ListAllowedNodeTypeModificationsCommand,
} from '@aws-sdk/client-elasticache';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowedOutput, cacheClusterOutput, parameterPages } from '../aws/elasticache-responses.js';
import { awsError } from '../aws/responses.js';
import {
  blocksOf,
  buttonsOf,
  MARKET_CHANNEL,
  type MedicHarness,
  startMedicHarness,
  textOf,
} from '../support/medic-harness.js';

let h: MedicHarness;
const WAIT_MS = 60_000;

beforeAll(async () => {
  h = await startMedicHarness({
    keys: 2_000,
    rules: [
      {
        name: 'exchange-price',
        match: 'exchange:coupon:high:commodity:price:*',
        action: 'set-missing',
        ttl: '7d',
        risk: 'low',
      },
      {
        name: 'coupon-unread',
        match: 'MARKETING:COUPON:UNREAD:*',
        action: 'set-missing',
        ttl: '60d',
        risk: 'low',
      },
    ],
  });
  h.aws.elasticache
    .on(DescribeCacheClustersCommand)
    .resolves(
      cacheClusterOutput('market-002', { nodeType: 'cache.r7g.large', parameterGroup: 'market-redis7' }),
    );
  h.aws.elasticache
    .on(DescribeCacheParametersCommand)
    .resolves(parameterPages('volatile-lfu', '25')[1] ?? {});
  h.aws.elasticache
    .on(ListAllowedNodeTypeModificationsCommand)
    .resolves(allowedOutput(['cache.r6g.xlarge', 'cache.r7g.xlarge', 'cache.x9.unknown']));
}, 120_000);

afterAll(async () => {
  await h?.stop();
});

describe('/redis-capacity', () => {
  it(
    'posts the cost table and projection in the thread, Request scale buttons, and the chart',
    async () => {
      const { res, mark } = await h.slash('market', { command: '/redis-capacity', channel: MARKET_CHANNEL });
      expect(res.status).toBe(200);
      const post = await h.fake.waitFor(
        'chat.postMessage',
        (c) => h.since(mark, c) && textOf(blocksOf(c)).includes('Capacity: market'),
        WAIT_MS,
      );
      const text = textOf(blocksOf(post));
      // cache.r7g.large × 2 at $0.219: $319.74; r7g.xlarge $0.437: $638.02 (+$318.28, +100 %).
      expect(text).toContain('$319.74');
      expect(text).toContain('$638.02');
      expect(text).toContain('+$318.28');
      expect(text).toContain('cache.x9.unknown');
      const buttons = buttonsOf(blocksOf(post));
      expect(buttons.map((b) => [b.action_id, JSON.parse(b.value)])).toEqual([
        ['capacity_request_scale', { cluster: 'market', node_type: 'cache.r6g.xlarge' }],
        ['capacity_request_scale', { cluster: 'market', node_type: 'cache.r7g.xlarge' }],
      ]);
      await h.fake.waitFor(
        'files.completeUploadExternal',
        (c) => h.since(mark, c) && c.body.channel_id === MARKET_CHANNEL,
        WAIT_MS,
      );
      expect(h.fake.uploads.some((u) => u.filename === 'market-capacity.png')).toBe(true);
    },
    2 * WAIT_MS,
  );

  it(
    'answers a denied AWS call privately, naming the IAM action; nothing is posted',
    async () => {
      h.aws.elasticache
        .on(ListAllowedNodeTypeModificationsCommand)
        .rejects(awsError('AccessDenied', 'not authorized', 403));
      const { responseId, mark } = await h.slash('market', {
        command: '/redis-capacity',
        channel: MARKET_CHANNEL,
      });
      const answer = await h.fake.waitFor(
        'response_url',
        (c) => h.since(mark, c) && c.responseId === responseId && String(c.body.text).includes(':x:'),
        WAIT_MS,
      );
      expect(String(answer.body.text)).toContain('elasticache:ListAllowedNodeTypeModifications');
      expect(h.fake.calls.some((c) => h.since(mark, c) && c.method === 'chat.postMessage')).toBe(false);
    },
    2 * WAIT_MS,
  );
});

describe('/redis-policy', () => {
  it(
    'posts the analysis, offers no button for the switch it advises against, and schedules the revisit reminder',
    async () => {
      const { mark } = await h.slash('market', { command: '/redis-policy', channel: MARKET_CHANNEL });
      const post = await h.fake.waitFor(
        'chat.postMessage',
        (c) => h.since(mark, c) && textOf(blocksOf(c)).includes('Eviction policy: market'),
        WAIT_MS,
      );
      const text = textOf(blocksOf(post));
      expect(text).toContain('OOM command not allowed');
      expect(text).toContain('Do NOT switch to `allkeys-lfu` yet');
      // The advice says not to switch: a button requesting the switch would contradict it.
      expect(buttonsOf(blocksOf(post))).toEqual([]);
      expect(text).toContain('No Request change button: the advice is to keep `volatile-lfu`.');
      const reminder = await h.fake.waitFor(
        'chat.postMessage',
        (c) => h.since(mark, c) && String(c.body.text).includes('A reminder to revisit the policy'),
        WAIT_MS,
      );
      expect(reminder.body.thread_ts).toBeDefined();
    },
    2 * WAIT_MS,
  );
});

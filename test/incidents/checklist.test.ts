/**
 * The checklist core on a real queue Redis: steps move only the allowed ways, every move is one
 * atomic write (two "replicas" ticking at once both count), skips are audited with their reason,
 * timeline entries from actions tick their step, and one incident per cluster + channel.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/incidents/audit-log.js';
import { ChecklistService } from '../../src/incidents/checklist/service.js';
import { RUNBOOK_STEP_IDS } from '../../src/incidents/checklist/types.js';
import { IncidentStore } from '../../src/incidents/incident-store.js';
import { test } from '../support/fixtures.js';

let redis: Redis;
let redis2: Redis;
const prefix = 'chk';

test.beforeAll(({ queueRedis }) => {
  redis = new Redis(queueRedis.url, { maxRetriesPerRequest: 1 });
  redis2 = new Redis(queueRedis.url, { maxRetriesPerRequest: 1 });
});
afterAll(() => {
  redis?.disconnect();
  redis2?.disconnect();
});
beforeEach(async () => {
  await redis.flushdb();
});

async function openIncident(store: IncidentStore, id = 'inc-1', channel = 'C1') {
  await store.open({
    id,
    cluster: 'market',
    channel,
    threadTs: '1.0',
    openedBy: 'U1',
    openedAt: new Date().toISOString(),
  });
  return id;
}

describe('ChecklistService', () => {
  it('lists the runbook steps in order, all pending at first', async () => {
    const store = new IncidentStore(redis, { prefix, idleHours: 1 });
    const service = new ChecklistService(store);
    const id = await openIncident(store);
    const steps = await service.steps(id);
    expect(steps.map((s) => s.id)).toEqual([...RUNBOOK_STEP_IDS]);
    expect(steps.every((s) => s.state === 'pending')).toBe(true);
  });

  it('ticks by id or by cluster, keeps done done, and records who and when in the timeline', async () => {
    const store = new IncidentStore(redis, { prefix, idleHours: 1 });
    const service = new ChecklistService(store);
    const id = await openIncident(store);
    expect(await service.start({ cluster: 'market' }, 'dry_run', 'UA')).toBe('moved');
    expect(await service.tick({ cluster: 'market', channel: 'C1' }, 'dry_run', 'UB', '4 rules')).toBe(
      'moved',
    );
    expect(await service.tick(id, 'dry_run', 'UC')).toBe('unchanged');
    expect(await service.start(id, 'dry_run', 'UC')).toBe('unchanged');
    expect(await service.tick(id, 'no_such_step', 'UC')).toBe('unknown_step');
    expect(await service.tick({ cluster: 'other' }, 'dry_run', 'UC')).toBe('no_incident');
    const step = (await service.steps(id)).find((s) => s.id === 'dry_run');
    expect(step?.state).toBe('done');
    expect(step?.record).toMatchObject({ by: 'UB', detail: '4 rules' });
    const kinds = (await store.timeline(id)).map((e) => e.kind);
    expect(kinds).toEqual(['opened', 'step_in_progress', 'step_done']);
  });

  it('skips with a reason (audited), refuses to skip a done step, and a later tick still counts', async () => {
    const store = new IncidentStore(redis, { prefix, idleHours: 1 });
    const audit = new AuditLog(redis, { prefix });
    const service = new ChecklistService(store, { audit });
    const id = await openIncident(store);
    await expect(service.skip(id, 'deploy_monitoring', '   ', 'U1')).rejects.toThrow();
    expect(await service.skip(id, 'deploy_monitoring', 'already in Grafana', 'U1')).toBe('moved');
    expect(await service.tick(id, 'verify_recovery', 'U1')).toBe('moved');
    expect(await service.skip(id, 'verify_recovery', 'no', 'U2')).toBe('unchanged');
    const entries = await audit.list({ cluster: 'market' });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      action: 'step_skipped',
      actor: 'U1',
      incidentId: id,
      reason: 'deploy_monitoring: already in Grafana',
    });
    expect(await service.tick(id, 'deploy_monitoring', 'U3')).toBe('moved');
  });

  it('loses no tick when two replicas tick different steps of one incident at once', async () => {
    const a = new ChecklistService(new IncidentStore(redis, { prefix, idleHours: 1 }));
    const b = new ChecklistService(new IncidentStore(redis2, { prefix, idleHours: 1 }));
    const id = await openIncident(new IncidentStore(redis, { prefix, idleHours: 1 }));
    const ids = [...RUNBOOK_STEP_IDS];
    const outcomes = await Promise.all(
      ids.flatMap((step, i) => [(i % 2 ? a : b).tick(id, step, 'U1'), (i % 2 ? b : a).tick(id, step, 'U2')]),
    );
    // Each step was ticked twice, by the two replicas: exactly one of the two moved it.
    expect(outcomes.filter((o) => o === 'moved')).toHaveLength(ids.length);
    const steps = await a.steps(id);
    expect(steps.every((s) => s.state === 'done')).toBe(true);
    expect(Number(await redis.get(`${prefix}:incident:${id}:checklist-version`))).toBe(ids.length);
  });

  it('ticks steps from the timeline: watch reached, notify sent; a watch that timed out ticks nothing', async () => {
    const store = new IncidentStore(redis, { prefix, idleHours: 1 });
    const service = new ChecklistService(store);
    service.followTimeline();
    const changed: string[] = [];
    service.onChange((incident) => changed.push(incident));
    const id = await openIncident(store);
    await store.append(id, { at: new Date().toISOString(), kind: 'watch_started', actor: 'U1' });
    await store.append(id, {
      at: new Date().toISOString(),
      kind: 'watch_ended',
      data: { end: 'timeout', memoryPct: 80 },
    });
    expect((await service.steps(id)).find((s) => s.id === 'verify_recovery')?.state).toBe('in_progress');
    await store.append(id, {
      at: new Date().toISOString(),
      kind: 'watch_ended',
      data: { end: 'reached', memoryPct: 74.2 },
    });
    await store.append(id, { at: new Date().toISOString(), kind: 'notify_sent', actor: 'U2' });
    const steps = await service.steps(id);
    expect(steps.find((s) => s.id === 'verify_recovery')?.record).toMatchObject({
      state: 'done',
      detail: '74.2%',
    });
    expect(steps.find((s) => s.id === 'notify_dev_team')?.record).toMatchObject({ state: 'done', by: 'U2' });
    expect(changed).toEqual([id, id, id]);
  });

  it('closes once, frees the channel, and a closed incident takes no ticks', async () => {
    const store = new IncidentStore(redis, { prefix, idleHours: 1 });
    const service = new ChecklistService(store);
    const id = await openIncident(store);
    const at = new Date().toISOString();
    const results = await Promise.all([
      store.close(id, { by: 'U1', at, resolution: 'TTLs set' }),
      new IncidentStore(redis2, { prefix, idleHours: 1 }).close(id, { by: 'U2', at, resolution: 'other' }),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store.findOpen('market', 'C1')).toBeUndefined();
    const closed = await store.get(id);
    expect(closed?.closedAt).toBe(at);
    expect(['TTLs set', 'other']).toContain(closed?.resolution);
    expect(await service.tick(id, 'execute', 'U1')).toBe('no_incident');
  });
});

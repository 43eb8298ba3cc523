// Reads the cluster and makes the plan a Request click asks for (and the same plan again at approval time, to compare).
import type { ClusterConfig } from '../config/types.js';
import { errorMessage, isMedicError } from '../errors.js';
import { redact } from '../redis/errors.js';
import { planPolicy } from './plan-policy.js';
import { planScale } from './plan-scale.js';
import { newPlanId } from './plan-store.js';
import type { ClusterFacts, GroupUsers, NodeMaxmemory, RedisPolicyAccess } from './ports.js';
import {
  type ChangePlan,
  type ChangeRefusal,
  isEvictionPolicy,
  isNodeTypeSyntax,
  type PlanOutcome,
  refusal,
} from './types.js';

export interface PlannerDeps {
  facts: ClusterFacts;
  /** Who else uses the parameter group a policy change modifies: named in the request. */
  groupUsers: GroupUsers;
  redisPolicy: RedisPolicyAccess;
  maxmemoryOf: NodeMaxmemory;
  now?: () => number;
}

export interface PlanRequest {
  cluster: ClusterConfig;
  channel: string;
  requester: string;
  /** The node type (scale) or policy (policy) the button asked for: hostile input until checked here. */
  value: unknown;
  kind: 'scale' | 'policy';
  /** Re-planning keeps the id of the plan shown. */
  id?: string;
}

export async function makePlan(deps: PlannerDeps, req: PlanRequest): Promise<PlanOutcome<ChangePlan>> {
  const at = new Date((deps.now ?? Date.now)());
  const base = {
    id: req.id ?? newPlanId(),
    cluster: req.cluster,
    channel: req.channel,
    requester: req.requester,
    at,
  };
  const name = req.cluster.name;
  try {
    if (req.kind === 'scale') {
      if (!isNodeTypeSyntax(req.value))
        return fail(refusal('bad_value', { cluster: name, value: shown(req.value) }));
      if (!req.cluster.aws) return fail(refusal('no_aws', { cluster: name }));
      const aws = await deps.facts(req.cluster);
      // used_memory only matters for a scale-down; a Redis that can't be read then refuses it.
      const usedBytes = await deps.redisPolicy.read(req.cluster).then(
        (r) => r.usedBytes,
        () => undefined,
      );
      return planScale({ ...base, to: req.value, facts: { aws, usedBytes }, maxmemoryOf: deps.maxmemoryOf });
    }
    if (!isEvictionPolicy(req.value))
      return fail(refusal('bad_value', { cluster: name, value: shown(req.value) }));
    if (req.cluster.aws) {
      const aws = await deps.facts(req.cluster);
      const group = aws.parameterGroup;
      // A default group is refused anyway, and an unknown one has nobody to look up.
      const sharedWith =
        group.isDefault || group.name === 'unknown'
          ? undefined
          : await deps.groupUsers(req.cluster, {
              replicationGroupId: aws.replicationGroupId,
              group: group.name,
            });
      return planPolicy({
        ...base,
        to: req.value,
        facts: {
          kind: 'elasticache',
          aws,
          current: group.maxmemoryPolicy,
          ...(sharedWith !== undefined ? { sharedWith } : {}),
        },
      });
    }
    const read = await deps.redisPolicy.read(req.cluster);
    return planPolicy({
      ...base,
      to: req.value,
      facts: {
        kind: 'self_hosted',
        current: read.policy,
        config: read.config,
        address: read.address,
        ...(read.replica ? { replica: true } : {}),
      },
    });
  } catch (err) {
    return fail(readFailure(err, name));
  }
}

/** A failed read as a refusal: AWS errors keep their code (a denial names the IAM action). */
export function readFailure(err: unknown, cluster: string): ChangeRefusal {
  if (isMedicError(err) && err.code.startsWith('aws_'))
    return refusal('aws_failed', { ...err.values, code: err.code });
  if (isMedicError(err)) return refusal('redis_failed', { cluster, error: err.code });
  return refusal('redis_failed', { cluster, error: redact(errorMessage(err)).slice(0, 120) });
}

function fail(r: ChangeRefusal): PlanOutcome<ChangePlan> {
  return { ok: false, refusal: r };
}

/** A rejected value as it may be echoed (bounded; the presenter escapes it). */
function shown(value: unknown): string {
  return typeof value === 'string' ? value.slice(0, 60) : typeof value;
}

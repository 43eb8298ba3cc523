/**
 * ECS tasks for the burst hunt: the tasks of each configured service, running and recently stopped
 * (ECS keeps stopped tasks about an hour), with their start and stop times (ListTasks, then
 * DescribeTasks in batches of 100).
 */
import { DescribeTasksCommand, type ECSClient, ListTasksCommand } from '@aws-sdk/client-ecs';
import { bounded } from './deadline.js';
import { retryThrottled } from './throttle-retry.js';

export interface EcsTask {
  taskArn: string;
  service: string;
  lastStatus: string;
  startedAt?: Date;
  stoppedAt?: Date;
  taskDefinitionArn?: string;
}

/** Which call failed, for the report to name the missing permission. */
// Internal: burst/aws-evidence.ts turns it into the ECS source's state naming the IAM action; never reaches a person.
export class EcsCallError extends Error {
  constructor(
    readonly action: 'ecs:ListTasks' | 'ecs:DescribeTasks',
    readonly inner: unknown,
  ) {
    super(action);
    this.name = 'EcsCallError';
  }
}

const MAX_PAGES = 20;

export async function listServiceTasks(
  ecs: ECSClient,
  opts: { cluster: string; services: string[]; signal?: AbortSignal },
): Promise<EcsTask[]> {
  const retry = opts.signal ? { signal: opts.signal } : {};
  const arns = new Map<string, string>();
  for (const service of opts.services) {
    for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
      let nextToken: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const res = await retryThrottled(
          () =>
            bounded(
              (abortSignal) =>
                ecs.send(
                  new ListTasksCommand({
                    cluster: opts.cluster,
                    serviceName: service,
                    desiredStatus,
                    ...(nextToken ? { nextToken } : {}),
                  }),
                  { abortSignal },
                ),
              opts.signal,
            ),
          retry,
        ).catch((err: unknown) => {
          throw new EcsCallError('ecs:ListTasks', err);
        });
        for (const arn of res.taskArns ?? []) arns.set(arn, service);
        nextToken = res.nextToken;
        if (!nextToken) break;
      }
    }
  }
  const all = [...arns.keys()];
  const tasks: EcsTask[] = [];
  for (let i = 0; i < all.length; i += 100) {
    const batch = all.slice(i, i + 100);
    const res = await retryThrottled(
      () =>
        bounded(
          (abortSignal) =>
            ecs.send(new DescribeTasksCommand({ cluster: opts.cluster, tasks: batch }), { abortSignal }),
          opts.signal,
        ),
      retry,
    ).catch((err: unknown) => {
      throw new EcsCallError('ecs:DescribeTasks', err);
    });
    for (const t of res.tasks ?? []) {
      const arn = t.taskArn ?? '';
      tasks.push({
        taskArn: arn,
        service: arns.get(arn) ?? (t.group ?? '').replace(/^service:/, ''),
        lastStatus: t.lastStatus ?? 'UNKNOWN',
        ...(t.startedAt ? { startedAt: new Date(t.startedAt) } : {}),
        ...(t.stoppedAt ? { stoppedAt: new Date(t.stoppedAt) } : {}),
        ...(t.taskDefinitionArn ? { taskDefinitionArn: t.taskDefinitionArn } : {}),
      });
    }
  }
  return tasks;
}

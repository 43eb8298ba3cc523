/**
 * Keys of job queues and distributed locks, as the libraries name them by default. Under an
 * `allkeys-*` policy Redis may evict them like any cache entry: a job vanishes, a lock is released
 * early, and nothing logs an error. The eviction advice looks for them by these globs. A `lock`
 * segment in the middle of a key (`user:lock:pref`) is too often something else to count as one.
 */
export type QueueFamily = 'bullmq' | 'sidekiq' | 'celery' | 'resque' | 'lock';

export interface QueuePattern {
  glob: string;
  family: QueueFamily;
}

export const QUEUE_PATTERNS: readonly QueuePattern[] = [
  { glob: 'bull:*', family: 'bullmq' },
  { glob: 'queue:*', family: 'sidekiq' },
  { glob: 'schedule', family: 'sidekiq' },
  { glob: 'retry', family: 'sidekiq' },
  { glob: 'dead', family: 'sidekiq' },
  { glob: 'celery', family: 'celery' },
  { glob: 'celery-task-meta-*', family: 'celery' },
  { glob: '_kombu.binding.*', family: 'celery' },
  { glob: 'unacked*', family: 'celery' },
  { glob: 'resque:*', family: 'resque' },
  { glob: 'lock:*', family: 'lock' },
  { glob: 'locks:*', family: 'lock' },
  { glob: 'redlock:*', family: 'lock' },
  { glob: '*:lock', family: 'lock' },
];

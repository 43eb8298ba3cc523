// The TTL run job's public surface: the pieces live in ./ttl/ (control record, processor, endings, worker).

export { reportFailure } from './ttl/endings.js';
export { engineApplier, processTtlRun } from './ttl/processor.js';
export { stillView, walkedFraction } from './ttl/progress.js';
export {
  FINAL,
  isRunId,
  type TtlControlResult,
  TtlRunService,
  type TtlRunServiceOptions,
  type TtlRunState,
  type TtlRunStatus,
} from './ttl/run-service.js';
export {
  type RuleApplier,
  TTL_RUN_QUEUE,
  type TtlJobData,
  type TtlJobDeps,
  type TtlRunOutcome,
  type TtlRunReporter,
  type TtlRunRequest,
  type TtlRunSummary,
  type TtlRunView,
} from './ttl/types.js';
export { createTtlWorker, type TtlWorkerOptions } from './ttl/worker.js';

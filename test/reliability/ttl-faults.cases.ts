/**
 * The TTL fault scenarios as vitest suites, sized by the caller: the fast file runs a few of each in
 * `npm test`, the soak file many more in `npm run test:soak`. Every run is recorded for
 * docs/reliability.md; a run whose keyspace or end does not hold fails with the problems found.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Scenario } from '../support/reliability-report.js';
import {
  type Fault,
  type FaultRunResult,
  prng,
  runWithFault,
  startTtlFaultRig,
  type TtlFaultRig,
} from './ttl-faults.js';

export interface TtlFaultSizes {
  keys: number;
  killRuns: number;
  faultRuns: number;
}

export function ttlFaultSuites(sizes: TtlFaultSizes): void {
  let rig: TtlFaultRig;
  beforeAll(async () => {
    rig = await startTtlFaultRig();
  }, 60_000);
  afterAll(async () => {
    await rig?.stop();
  });

  // Budget per run from the work: load + two snapshots + a ~3 s walk + the stall wait, on a busy box.
  const perRunMs = 45_000 + Math.ceil(sizes.keys / 1_000) * 1_000;

  /** One run, its figures added to the scenario whether it held or not; a failure is rethrown. */
  const recordRun = async (scenario: Scenario, label: string, run: () => Promise<FaultRunResult>) =>
    scenario
      .run(async () => {
        const r = await run();
        scenario.add(`ended ${r.outcome}`, 1);
        scenario.add('keys changed by the rule (all in range)', r.verdict.gotTtlInRange);
        scenario.add('keys changed outside the rule', r.verdict.changedOutside);
        scenario.add('keys deleted', r.verdict.deleted);
        scenario.add('TTLs lengthened', r.verdict.lengthened);
        scenario.add('evictions', r.verdict.evictions);
        scenario.add('ends reported', r.finishedReports);
        scenario.add('resumes', r.resumes);
        scenario.max('slowest run s', Math.round(r.durationMs / 1000));
        if (r.failures.length > 0) throw new Error(`${label}: ${r.failures.join('; ')}`);
      })
      .then(
        () => undefined,
        (err: unknown) => (err instanceof Error ? err.message : String(err)),
      );

  describe('TTL run: worker SIGKILLed at a random page, resumed by a new worker', () => {
    const scenario = new Scenario('TTL run, worker SIGKILL at a random page + resume');
    afterAll(() => scenario.save());
    it(
      `${sizes.killRuns} runs: each ends once, 0 keys changed outside the rule, 0 deleted, 0 lengthened, 0 evictions`,
      async () => {
        const random = prng(20261206);
        const problems: string[] = [];
        scenario.figure('keys per run', sizes.keys);
        for (let i = 0; i < sizes.killRuns; i++) {
          const fault: Fault = { kind: 'kill', atFraction: 0.05 + random() * 0.85 };
          const label = `run ${i} (kill at ${fault.atFraction.toFixed(2)})`;
          const problem = await recordRun(scenario, label, () =>
            runWithFault(rig, { keys: sizes.keys, seed: 1000 + i, fault }),
          );
          if (problem) problems.push(problem);
        }
        expect(problems).toEqual([]);
      },
      perRunMs * sizes.killRuns,
    );
  });

  describe('TTL run: the target connection dropped or stalled by a TCP proxy, the queue Redis restarted', () => {
    const scenario = new Scenario(
      'TTL run, target connection dropped / stalled, queue Redis restarted (AOF)',
    );
    afterAll(() => scenario.save());
    it(
      `${sizes.faultRuns} runs, a drop, a stall or a queue restart in turn: each run ends once (done, or failed clearly), keyspace holds`,
      async () => {
        const random = prng(777);
        const problems: string[] = [];
        scenario.figure('keys per run', sizes.keys);
        for (let i = 0; i < sizes.faultRuns; i++) {
          const atFraction = 0.1 + random() * 0.7;
          const kinds = ['drop', 'stall', 'queue-restart'] as const;
          const kind = kinds[i % kinds.length] as (typeof kinds)[number];
          const fault: Fault = kind === 'stall' ? { kind, atFraction, stallMs: 3_000 } : { kind, atFraction };
          const label = `run ${i} (${fault.kind} at ${atFraction.toFixed(2)})`;
          const problem = await recordRun(scenario, label, () =>
            runWithFault(rig, { keys: sizes.keys, seed: 2000 + i, fault }),
          );
          if (problem) problems.push(problem);
        }
        expect(problems).toEqual([]);
      },
      perRunMs * sizes.faultRuns,
    );
  });
}

/**
 * The TTL fault scenarios as vitest suites, sized by the caller: the fast file runs a few of each in
 * `npm test`, the soak file many more in `npm run test:soak`. Every run is recorded for
 * docs/reliability.md; a run whose keyspace or end does not hold fails with the problems found.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Scenario } from '../support/reliability-report.js';
import { type Fault, prng, runWithFault, startTtlFaultRig, type TtlFaultRig } from './ttl-faults.js';

export interface TtlFaultSizes {
  keys: number;
  killRuns: number;
  proxyRuns: number;
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

  describe('TTL run: worker SIGKILLed at a random page, resumed by a new worker', () => {
    const scenario = new Scenario('TTL run, worker SIGKILL at a random page + resume');
    afterAll(() => scenario.save());
    it(
      `${sizes.killRuns} runs: each ends once, 0 keys changed outside the rule, 0 deleted, 0 lengthened, 0 evictions`,
      async () => {
        const random = prng(20261206);
        const problems: string[] = [];
        for (let i = 0; i < sizes.killRuns; i++) {
          const fault: Fault = { kind: 'kill', atFraction: 0.05 + random() * 0.85 };
          const r = await scenario
            .run(async () => {
              const res = await runWithFault(rig, { keys: sizes.keys, seed: 1000 + i, fault });
              if (res.failures.length > 0)
                throw new Error(
                  `run ${i} (kill at ${fault.atFraction.toFixed(2)}): ${res.failures.join('; ')}`,
                );
              return res;
            })
            .catch((err: unknown) => {
              problems.push(err instanceof Error ? err.message : String(err));
              return undefined;
            });
          if (r) {
            scenario.add('keys changed (all in range)', r.changed);
            scenario.add('resumes', r.resumes);
            scenario.max('slowest run s', Math.round(r.durationMs / 1000));
          }
        }
        scenario.figure('keys per run', sizes.keys);
        scenario.figure('runs failed', problems.length);
        expect(problems).toEqual([]);
      },
      perRunMs * sizes.killRuns,
    );
  });

  describe('TTL run: the target connection dropped or stalled mid-run by a TCP proxy', () => {
    const scenario = new Scenario('TTL run, target connection dropped / stalled by a proxy');
    afterAll(() => scenario.save());
    it(
      `${sizes.proxyRuns} drops and ${sizes.proxyRuns} stalls: each run ends once (done, or failed clearly), keyspace holds`,
      async () => {
        const random = prng(777);
        const problems: string[] = [];
        const outcomes: Record<string, number> = {};
        for (let i = 0; i < sizes.proxyRuns * 2; i++) {
          const atFraction = 0.1 + random() * 0.7;
          const fault: Fault =
            i % 2 === 0 ? { kind: 'drop', atFraction } : { kind: 'stall', atFraction, stallMs: 3_000 };
          const r = await scenario
            .run(async () => {
              const res = await runWithFault(rig, { keys: sizes.keys, seed: 2000 + i, fault });
              if (res.failures.length > 0)
                throw new Error(
                  `run ${i} (${fault.kind} at ${atFraction.toFixed(2)}): ${res.failures.join('; ')}`,
                );
              return res;
            })
            .catch((err: unknown) => {
              problems.push(err instanceof Error ? err.message : String(err));
              return undefined;
            });
          if (r)
            outcomes[`${fault.kind} → ${r.outcome}`] = (outcomes[`${fault.kind} → ${r.outcome}`] ?? 0) + 1;
        }
        for (const [k, n] of Object.entries(outcomes)) scenario.figure(k, n);
        scenario.figure('runs failed', problems.length);
        expect(problems).toEqual([]);
      },
      perRunMs * sizes.proxyRuns * 2,
    );
  });
}

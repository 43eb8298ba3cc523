/**
 * The reliability suite's results: each scenario counts its runs and failures and keeps its key
 * figures; each test file saves its scenarios as JSON in a results directory, and the suite's global
 * teardown turns them into the tables of `docs/reliability.md` (only when RELIABILITY_REPORT=1, so
 * an ordinary test run leaves the tree clean).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';

export type SuiteKind = 'fast' | 'soak';

export type Figure = string | number | boolean;

export interface ScenarioResult {
  suite: SuiteKind;
  scenario: string;
  runs: number;
  failed: number;
  /** Key figures, in the order they were recorded. */
  figures: Record<string, Figure>;
  /** The first failure's message, shortened. */
  firstFailure?: string;
  durationMs: number;
}

/** Where the current test run keeps its results (under the gitignored .scratch/). */
export function resultsDir(suite: SuiteKind): string {
  return join(process.cwd(), '.scratch', 'reliability', suite);
}

export function suiteKind(): SuiteKind {
  return process.env.RELIABILITY_SUITE === 'soak' ? 'soak' : 'fast';
}

/**
 * A size knob: `name` from the environment when set to a positive number; else the soak's `full`
 * size when RELIABILITY_PROFILE=full (the sizes: hours on a small machine), else the
 * suite's default (the soak's is sized for about 5 minutes on a busy 2-core CI machine).
 */
export function sizeFromEnv(name: string, defaults: { fast: number; soak: number; full?: number }): number {
  const raw = Number(process.env[name]);
  if (Number.isFinite(raw) && raw > 0) return Math.floor(raw);
  const kind = suiteKind();
  if (kind === 'soak' && process.env.RELIABILITY_PROFILE === 'full' && defaults.full !== undefined)
    return defaults.full;
  return defaults[kind];
}

export class Scenario {
  readonly result: ScenarioResult;
  private readonly started = Date.now();

  constructor(scenario: string) {
    this.result = { suite: suiteKind(), scenario, runs: 0, failed: 0, figures: {}, durationMs: 0 };
  }

  /** Runs one attempt: counted, and a throw is recorded as a failure (and rethrown). */
  async run<T>(attempt: () => Promise<T>): Promise<T> {
    this.result.runs++;
    try {
      return await attempt();
    } catch (err) {
      this.fail(err);
      throw err;
    }
  }

  fail(err: unknown): void {
    this.result.failed++;
    if (this.result.firstFailure === undefined) {
      const text = err instanceof Error ? err.message : String(err);
      this.result.firstFailure = text.replace(/\s+/g, ' ').slice(0, 160);
    }
  }

  figure(name: string, value: Figure): void {
    this.result.figures[name] = value;
  }

  /** Adds to a numeric figure (starting from 0). */
  add(name: string, value: number): void {
    const prev = this.result.figures[name];
    this.result.figures[name] = (typeof prev === 'number' ? prev : 0) + value;
  }

  /** Keeps the largest value seen. */
  max(name: string, value: number): void {
    const prev = this.result.figures[name];
    if (typeof prev !== 'number' || value > prev) this.result.figures[name] = value;
  }

  /** Writes the result; a scenario that never ran (filtered out, skipped) writes nothing. */
  save(): void {
    if (this.result.runs === 0) return;
    this.result.durationMs = Date.now() - this.started;
    const dir = resultsDir(this.result.suite);
    mkdirSync(dir, { recursive: true });
    const slug = this.result.scenario.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
    writeFileSync(join(dir, `${slug}.json`), `${JSON.stringify(this.result, null, 2)}\n`);
  }
}

export function readResults(suite: SuiteKind): ScenarioResult[] {
  const dir = resultsDir(suite);
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  return files
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as ScenarioResult)
    .sort((a, b) => a.scenario.localeCompare(b.scenario));
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function formatFigure(v: Figure): string {
  if (typeof v === 'number') return Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(2);
  return String(v);
}

/** One suite's table, Markdown. */
export function resultsTable(results: readonly ScenarioResult[]): string {
  const lines = ['| scenario | runs | outcome | key figures |', '| --- | ---: | --- | --- |'];
  for (const r of results) {
    const outcome = r.failed === 0 && r.runs > 0 ? 'pass' : `**FAIL** (${r.failed} of ${r.runs})`;
    const figures = Object.entries(r.figures)
      .map(([k, v]) => `${k}: ${formatFigure(v)}`)
      .join('; ');
    const failure = r.firstFailure ? `; first failure: ${r.firstFailure}` : '';
    lines.push(`| ${cell(r.scenario)} | ${r.runs} | ${outcome} | ${cell(figures + failure)} |`);
  }
  return lines.join('\n');
}

const marker = (suite: SuiteKind, edge: 'start' | 'end') => `<!-- reliability:${suite}:${edge} -->`;

/**
 * Replaces the suite's section of the document (between its markers) with this run's table; the
 * other suite's section is kept as it was.
 */
export function writeReport(docPath: string, suite: SuiteKind, results: readonly ScenarioResult[]): void {
  let doc: string;
  try {
    doc = readFileSync(docPath, 'utf8');
  } catch {
    doc = '';
  }
  const start = marker(suite, 'start');
  const end = marker(suite, 'end');
  const body = [
    start,
    `Last run: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${cpus().length} cores, ` +
      `Node ${process.version}. Sizes: ${sizeNote()}.`,
    '',
    resultsTable(results),
    end,
  ].join('\n');
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  if (from >= 0 && to > from) doc = doc.slice(0, from) + body + doc.slice(to + end.length);
  else doc = `${doc.trimEnd()}\n\n${body}\n`;
  writeFileSync(docPath, doc);
}

/** The RELIABILITY_* size knobs that were set for this run. */
function sizeNote(): string {
  const set = Object.entries(process.env)
    .filter(([k]) => k.startsWith('RELIABILITY_') && k !== 'RELIABILITY_REPORT' && k !== 'RELIABILITY_SUITE')
    .map(([k, v]) => `${k}=${v}`);
  return set.length > 0 ? set.join(', ') : 'the suite defaults';
}

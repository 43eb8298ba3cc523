/**
 * The incident checklist, without Slack: tick, start and skip a step of an incident (by id, or the
 * cluster's open one), read the checklist in template order, and tell listeners that it changed
 * so a front end can redraw it. Every move is one atomic write on the queue Redis (two replicas
 * ticking at once both count) and a timeline entry; a skip is also audited with its reason.
 */
import type { AuditLog } from '../audit-log.js';
import type { Incident, IncidentStore, TimelineEntry } from '../incident-store.js';
import { stepMoveFor } from './timeline-steps.js';
import {
  type ChecklistStep,
  DEFAULT_TEMPLATE,
  type IncidentRef,
  type StepId,
  type StepRecord,
  type StepTemplate,
} from './types.js';

/** Told after a step moved (or the incident closed): redraw `incidentId`'s checklist. */
export type ChecklistListener = (incidentId: string) => void;

export interface ChecklistServiceOptions {
  /** The steps, in order. @defaultValue the runbook's eight */
  template?: readonly StepTemplate[];
  /** Where a skip (a person's decision with a reason) is audited. */
  audit?: Pick<AuditLog, 'append'>;
  /** @defaultValue Date.now */
  now?: () => number;
}

/** What a move did: `moved`, `unchanged` (already there, or not allowed from its state), or `unknown`. */
export type MoveOutcome = 'moved' | 'unchanged' | 'no_incident' | 'unknown_step';

export class ChecklistService {
  readonly template: readonly StepTemplate[];
  private readonly listeners: ChecklistListener[] = [];
  private readonly now: () => number;

  constructor(
    private readonly incidents: IncidentStore,
    private readonly options: ChecklistServiceOptions = {},
  ) {
    this.template = options.template ?? DEFAULT_TEMPLATE;
    this.now = options.now ?? Date.now;
  }

  /** Starts following the timeline: watch, notify, export, reminder … entries move their step. */
  followTimeline(): void {
    this.incidents.onAppend((incident, entry) => this.fromTimeline(incident, entry));
  }

  onChange(listener: ChecklistListener): void {
    this.listeners.push(listener);
  }

  /** The incident a ref names: by id, or the cluster's open incident (in that channel when given). */
  async resolve(ref: IncidentRef): Promise<Incident | undefined> {
    if (typeof ref === 'string') return this.incidents.get(ref);
    if (ref.channel) return this.incidents.findOpen(ref.cluster, ref.channel);
    const latest = await this.incidents.latest(ref.cluster);
    if (!latest || latest.closedAt) return undefined;
    const open = await this.incidents.findOpen(latest.cluster, latest.channel);
    return open?.id === latest.id ? open : undefined;
  }

  /** The step is done (by a person or by the action that completes it). Done stays done. */
  tick(ref: IncidentRef, step: StepId, by: string, detail?: string): Promise<MoveOutcome> {
    return this.move(ref, step, { state: 'done', by, ...(detail ? { detail } : {}) });
  }

  /** The step is under way (only from pending). */
  start(ref: IncidentRef, step: StepId, by = 'job', detail?: string): Promise<MoveOutcome> {
    return this.move(ref, step, { state: 'in_progress', by, ...(detail ? { detail } : {}) });
  }

  /** A person decided the step is not needed, saying why; audited. Done steps can't be skipped. */
  async skip(ref: IncidentRef, step: StepId, reason: string, by: string): Promise<MoveOutcome> {
    const trimmed = reason.trim();
    if (trimmed === '') throw new RangeError('a skip needs a reason');
    const outcome = await this.move(ref, step, { state: 'skipped', by, reason: trimmed });
    if (outcome === 'moved') {
      const incident = await this.resolve(ref);
      await this.options.audit
        ?.append({
          actor: by,
          action: 'step_skipped',
          cluster: incident?.cluster ?? '',
          reason: `${step}: ${trimmed}`,
          ...(incident ? { incidentId: incident.id, channel: incident.channel } : {}),
        })
        .catch(() => {});
    }
    return outcome;
  }

  /** The template's steps with their states, in order. */
  async steps(incidentId: string): Promise<ChecklistStep[]> {
    const stored = await this.incidents.steps(incidentId);
    return this.template.map((t) => {
      const record = stored.get(t.id);
      return {
        id: t.id,
        ...(t.label ? { label: t.label } : {}),
        state: record?.state ?? 'pending',
        ...(record ? { record } : {}),
      };
    });
  }

  /** Tells the listeners to redraw (after a change the steps don't show, e.g. the close). */
  changed(incidentId: string): void {
    for (const listener of this.listeners) listener(incidentId);
  }

  private async move(ref: IncidentRef, step: StepId, input: Omit<StepRecord, 'at'>): Promise<MoveOutcome> {
    if (!this.template.some((t) => t.id === step)) return 'unknown_step';
    const incident = await this.resolve(ref);
    if (!incident || incident.closedAt) return 'no_incident';
    const at = new Date(this.now()).toISOString();
    const moved = await this.incidents.moveStep(incident.id, step, { ...input, at });
    if (!moved.changed) return 'unchanged';
    const entry: TimelineEntry = {
      at,
      kind: `step_${input.state}`,
      actor: input.by,
      data: {
        step,
        ...(input.detail ? { detail: input.detail } : {}),
        ...(input.reason ? { reason: input.reason } : {}),
      },
    };
    await this.incidents.append(incident.id, entry).catch(() => {});
    this.changed(incident.id);
    return 'moved';
  }

  private async fromTimeline(incident: Incident, entry: TimelineEntry): Promise<void> {
    const move = stepMoveFor(entry);
    if (!move) return;
    const by = entry.actor ?? 'job';
    if (move.state === 'done') await this.tick(incident.id, move.step, by, move.detail);
    else await this.start(incident.id, move.step, by, move.detail);
  }
}

/**
 * What a finished scale does to the monthly bill: the on-demand price of the old and the new node
 * type from the node catalog (same region and engine as the group) × hours per month × nodes, and
 * the difference. Undefined when the catalog prices either side not, so nobody reads a guess.
 */
import { monthlyUsd } from './cost-table.js';
import { type NodeCatalog, type PricedEngine, pricedNode } from './node-catalog.js';

export interface ScaleCostInput {
  from: string;
  to: string;
  nodes: number;
  region: string;
  engine: PricedEngine;
}

export interface ScaleCost {
  fromMonthlyUsd: number;
  toMonthlyUsd: number;
  /** New minus old: positive costs more. */
  deltaUsd: number;
}

export function scaleCost(catalog: NodeCatalog, input: ScaleCostInput): ScaleCost | undefined {
  const from = pricedNode(catalog, input.from, input.region, input.engine);
  const to = pricedNode(catalog, input.to, input.region, input.engine);
  if (from === undefined || to === undefined || !(input.nodes > 0)) return undefined;
  const fromMonthlyUsd = monthlyUsd(from.usdPerHour, catalog.hoursPerMonth, input.nodes);
  const toMonthlyUsd = monthlyUsd(to.usdPerHour, catalog.hoursPerMonth, input.nodes);
  return { fromMonthlyUsd, toMonthlyUsd, deltaUsd: Math.round((toMonthlyUsd - fromMonthlyUsd) * 100) / 100 };
}

/**
 * The runbook's cost comparison: per node type its memory, the maxmemory it would give, vCPU,
 * $/h per node and the monthly bill (price × hours per month × nodes) with the delta against the
 * current node. Pure arithmetic; rounding to cents and whole percent happens here, once.
 */
import { type NodeCatalog, type PricedNode, pricedNode, requirePricedNode } from './node-catalog.js';

const GIB = 1024 ** 3;

export interface CostRow {
  nodeType: string;
  current: boolean;
  memoryGib: number;
  /** What maxmemory would be: measured (INFO) for the current node, estimated for the others. */
  maxmemoryBytes: number;
  maxmemoryEstimated: boolean;
  vcpu: number;
  network: string;
  burstable: boolean;
  usdPerHourPerNode: number;
  monthlyUsd: number;
  /** Against the current node; 0 on its own row. */
  deltaUsd: number;
  deltaPct: number;
}

export interface CostTableInput {
  current: PricedNode;
  /** Larger node types ElastiCache allows, already priced. */
  candidates: PricedNode[];
  nodes: number;
  hoursPerMonth: number;
  /** `reserved-memory-percent`: ElastiCache keeps this share of a node's memory out of maxmemory. */
  reservedMemoryPercent: number;
  /** The current node's maxmemory from INFO, when Redis answered. */
  currentMaxmemoryBytes?: number;
}

const cents = (usd: number) => Math.round(usd * 100) / 100;

export function estimatedMaxmemoryBytes(memoryGiB: number, reservedMemoryPercent: number): number {
  return Math.round(memoryGiB * GIB * (1 - reservedMemoryPercent / 100));
}

export function monthlyUsd(usdPerHour: number, hoursPerMonth: number, nodes: number): number {
  return cents(usdPerHour * hoursPerMonth * nodes);
}

/** The current node first, then the candidates cheapest first (ties: more memory first). */
export function costTable(input: CostTableInput): CostRow[] {
  const base = monthlyUsd(input.current.usdPerHour, input.hoursPerMonth, input.nodes);
  const row = (node: PricedNode, current: boolean): CostRow => {
    const monthly = monthlyUsd(node.usdPerHour, input.hoursPerMonth, input.nodes);
    const measured = current ? input.currentMaxmemoryBytes : undefined;
    const delta = cents(monthly - base);
    return {
      nodeType: node.nodeType,
      current,
      memoryGib: node.memoryGiB,
      maxmemoryBytes: measured ?? estimatedMaxmemoryBytes(node.memoryGiB, input.reservedMemoryPercent),
      maxmemoryEstimated: measured === undefined,
      vcpu: node.vcpu,
      network: node.network,
      burstable: node.burstable,
      usdPerHourPerNode: node.usdPerHour,
      monthlyUsd: monthly,
      deltaUsd: current ? 0 : delta,
      deltaPct: current || base === 0 ? 0 : Math.round((delta / base) * 100),
    };
  };
  const others = input.candidates
    .filter((c) => c.nodeType !== input.current.nodeType)
    .sort((a, b) => a.usdPerHour - b.usdPerHour || b.memoryGiB - a.memoryGiB);
  return [row(input.current, true), ...others.map((c) => row(c, false))];
}

/** The facts the table needs from ElastiCache (a subset of `ElastiCacheFacts`). */
export interface ScaleFacts {
  nodeType: string;
  region: string;
  engine: 'redis' | 'valkey';
  nodes: number;
  scaleUpTargets: string[];
  parameterGroup: { reservedMemoryPercent: number };
}

/**
 * The cost table of a replication group: the current node (refused with `unknown_node_type` when
 * the catalog does not know it) and every allowed larger node the catalog prices; the others are
 * returned in `unpriced` so the report can say they were left out.
 */
export function costTableForFacts(
  facts: ScaleFacts,
  catalog: NodeCatalog,
  currentMaxmemoryBytes?: number,
): { rows: CostRow[]; unpriced: string[] } {
  const current = requirePricedNode(catalog, facts.nodeType, facts.region, facts.engine);
  const unpriced: string[] = [];
  const candidates: PricedNode[] = [];
  for (const nodeType of facts.scaleUpTargets) {
    const node = pricedNode(catalog, nodeType, facts.region, facts.engine);
    if (node === undefined) unpriced.push(nodeType);
    else if (node.memoryGiB > current.memoryGiB) candidates.push(node);
  }
  const rows = costTable({
    current,
    candidates,
    nodes: facts.nodes,
    hoursPerMonth: catalog.hoursPerMonth,
    reservedMemoryPercent: facts.parameterGroup.reservedMemoryPercent,
    ...(currentMaxmemoryBytes !== undefined ? { currentMaxmemoryBytes } : {}),
  });
  return { rows, unpriced };
}

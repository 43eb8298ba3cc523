// A node type's expected maxmemory from the node catalog (the scale-down headroom check); read once, on first use.
import { estimatedMaxmemoryBytes } from '../capacity/cost-table.js';
import { loadNodeCatalog, type NodeCatalog } from '../capacity/node-catalog.js';
import type { NodeMaxmemory } from './ports.js';

/**
 * maxmemory ≈ node memory × (1 − reserved-memory-percent). A catalog that cannot be read, or a node
 * type it does not list, gives undefined: the scale-down is then refused, never waved through.
 */
export function catalogMaxmemory(overridePath?: string): NodeMaxmemory {
  let catalog: NodeCatalog | null | undefined;
  return (nodeType, reservedMemoryPercent) => {
    if (catalog === undefined) {
      try {
        catalog = loadNodeCatalog(overridePath);
      } catch {
        catalog = null;
      }
    }
    const spec = catalog?.nodeTypes[nodeType];
    return spec ? estimatedMaxmemoryBytes(spec.memoryGiB, reservedMemoryPercent) : undefined;
  };
}

/** Risk levels from least to most risky (the runbook's execution order runs the least risky first). */
import type { RiskLevel } from '../types.js';

export const RISK_ORDER_LIST: readonly RiskLevel[] = ['low', 'medium', 'unknown', 'high'];

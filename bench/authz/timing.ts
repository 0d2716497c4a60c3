/**
 * Latency of very short operations. One `process.hrtime.bigint()` pair costs more than a
 * decision, so operations are timed in batches and each batch gives one per-operation figure
 * (batch time ÷ batch size); p50 and p99 are taken over those batch figures. The timer's own
 * cost is amortised over the batch and measured too (an empty operation, same loop).
 */

export interface Latency {
  /** Nanoseconds per operation. */
  p50: number;
  p99: number;
  mean: number;
  operations: number;
}

export interface TimingPlan {
  batchSize: number;
  batches: number;
  warmupBatches: number;
}

export const DEFAULT_PLAN: TimingPlan = { batchSize: 32, batches: 4_000, warmupBatches: 500 };

// Results feed this so the JIT cannot drop the work being timed.
let sink = 0;
export function sinkValue(): number {
  return sink;
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/** Times `operation(i)` for i cycling over 0..poolSize-1. */
export function timeOperation(
  operation: (i: number) => number,
  poolSize: number,
  plan: TimingPlan = DEFAULT_PLAN,
): Latency {
  const perOperation = new Float64Array(plan.batches);
  let i = 0;
  for (let batch = -plan.warmupBatches; batch < plan.batches; batch++) {
    const start = process.hrtime.bigint();
    for (let k = 0; k < plan.batchSize; k++) {
      sink += operation(i);
      if (++i === poolSize) i = 0;
    }
    const nanoseconds = Number(process.hrtime.bigint() - start);
    if (batch >= 0) perOperation[batch] = nanoseconds / plan.batchSize;
  }
  const mean = perOperation.reduce((total, value) => total + value, 0) / perOperation.length;
  perOperation.sort();
  return {
    p50: percentile(perOperation, 0.5),
    p99: percentile(perOperation, 0.99),
    mean,
    operations: plan.batches * plan.batchSize,
  };
}

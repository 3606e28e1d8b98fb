export interface Summary {
  n: number;
  median: number;
  p99: number;
  min: number;
  max: number;
}

/** Nearest-rank percentiles; figures in the unit they came in. */
export function summarize(values: number[]): Summary {
  const v = [...values].filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  const at = (p: number) =>
    v[Math.min(v.length - 1, Math.max(0, Math.ceil((p / 100) * v.length) - 1))] ?? Number.NaN;
  return { n: v.length, median: at(50), p99: at(99), min: v[0] ?? Number.NaN, max: v.at(-1) ?? Number.NaN };
}

export const fmt = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : "n/a");

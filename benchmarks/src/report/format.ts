import type { MetricDef } from '../scenarios/types.ts'

/** A figure as a reader wants it: 3 significant digits, thousands separated. */
export const formatNumber = (value: number | undefined): string => {
  if (value === undefined || !Number.isFinite(value)) return '—'
  const abs = Math.abs(value)
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3
  return value.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: 0 })
}

export const formatMetric = (value: number | undefined, metric: MetricDef): string =>
  value === undefined ? '—' : `${formatNumber(value)}${metric.unit === 'ratio' || metric.unit === 'count' ? '' : ` ${metric.unit}`}`

export const formatRatio = (value: number | undefined): string => (value === undefined ? '—' : `${formatNumber(value)}×`)

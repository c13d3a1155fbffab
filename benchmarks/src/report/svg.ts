import type { CaseResult } from '../scenarios/types.ts'
import { formatNumber } from './format.ts'

interface ChartPanel {
  title: string
  unit: string
  better: 'lower' | 'higher'
  /** Logarithmic axis, for figures spanning orders of magnitude (whole-JSON vs Yjs bytes). */
  log?: boolean
  bars: Array<{ label: string; value: number; isRota: boolean }>
}

const esc = (text: string): string => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')

const ROW = 22
const LABEL_WIDTH = 250
const BAR_WIDTH = 380
const WIDTH = LABEL_WIDTH + BAR_WIDTH + 110

/** Horizontal bar charts, one panel under another; Rota's bars in the accent colour. Plain SVG, no script. */
const renderBarChart = (title: string, panels: ChartPanel[]): string => {
  const parts: string[] = []
  let y = 36
  parts.push(`<text x="12" y="22" font-size="15" font-weight="bold">${esc(title)}</text>`)
  for (const panel of panels) {
    y += 10
    parts.push(`<text x="12" y="${y + 8}" font-size="12" font-weight="bold">${esc(panel.title)} (${esc(panel.unit)}, ${panel.better} is better${panel.log ? ', log scale' : ''})</text>`)
    y += 18
    const values = panel.bars.map((b) => b.value).filter((v) => Number.isFinite(v) && v > 0)
    const max = Math.max(...values, 1e-9)
    const min = Math.min(...values, max)
    const scale = (v: number) => {
      if (!Number.isFinite(v) || v <= 0) return 0
      if (!panel.log) return (v / max) * BAR_WIDTH
      const lo = Math.log10(min) - 0.3
      return ((Math.log10(v) - lo) / (Math.log10(max) - lo)) * BAR_WIDTH
    }
    for (const bar of panel.bars) {
      const w = Math.max(1, scale(bar.value))
      parts.push(`<text x="${LABEL_WIDTH - 8}" y="${y + 14}" font-size="11" text-anchor="end">${esc(bar.label)}</text>`)
      parts.push(`<rect x="${LABEL_WIDTH}" y="${y + 3}" width="${w.toFixed(1)}" height="${ROW - 6}" fill="${bar.isRota ? '#d9480f' : '#868e96'}"/>`)
      parts.push(`<text x="${LABEL_WIDTH + w + 6}" y="${y + 14}" font-size="11">${Number.isFinite(bar.value) ? formatNumber(bar.value) : 'failed'}</text>`)
      y += ROW
    }
  }
  y += 12
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y}" viewBox="0 0 ${WIDTH} ${y}" font-family="system-ui, sans-serif">\n`
    + `<rect width="100%" height="100%" fill="#fff"/>\n${parts.join('\n')}\n</svg>\n`
}

/** A panel for one metric of one case: a bar per measurement. */
const panelOf = (result: CaseResult, key: string, options: { log?: boolean; title?: string } = {}): ChartPanel => {
  const metric = result.metrics.find((m) => m.key === key)
  if (metric === undefined) throw new Error(`${result.id} has no metric ${key}`)
  return {
    title: options.title ?? `[${result.id}] ${metric.label}`,
    unit: metric.unit,
    better: metric.better,
    ...(options.log === undefined ? {} : { log: options.log }),
    bars: result.measurements.map((m) => ({ label: m.subject, value: m.ok ? (m.metrics[key] ?? NaN) : NaN, isRota: m.isRota })),
  }
}

/** Which figures each scenario's chart shows. */
const CHARTS: Record<number, { title: string; panels: Array<{ key: string; log?: boolean }> }> = {
  1: { title: 'Scenario 1 — wire bytes', panels: [{ key: 'bytesPerEdit', log: true }, { key: 'initialSyncBytes' }] },
  2: { title: 'Scenario 2 — ingest and fan-out', panels: [{ key: 'editsPerSecond' }, { key: 'p99Ms' }, { key: 'serverCpuMsPer1kEdits' }] },
  3: { title: 'Scenario 3 — cold load', panels: [{ key: 'loadMs' }, { key: 'diskMB' }] },
  4: { title: 'Scenario 4 — offline reconnect', panels: [{ key: 'convergeMs' }, { key: 'bytesOverDiff' }] },
  5: { title: 'Scenario 5 — many documents', panels: [{ key: 'kbPerOpenDoc' }, { key: 'afterUnloadMB' }] },
}

/** One SVG per scenario, keyed by file name. */
export const renderCharts = (cases: CaseResult[]): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [scenario, chart] of Object.entries(CHARTS)) {
    const own = cases.filter((c) => c.scenario === Number(scenario))
    const panels = own.flatMap((c) => chart.panels.filter((p) => c.metrics.some((m) => m.key === p.key)).map((p) => panelOf(c, p.key, p)))
    if (panels.length > 0) out[`scenario-${scenario}.svg`] = renderBarChart(chart.title, panels)
  }
  return out
}

import type { CaseResult } from '../scenarios/types.ts'
import { formatMetric, formatRatio } from './format.ts'
import { ratio, type BenchResults } from './results.ts'

const escape = (text: string): string => text.replaceAll('|', '\\|')

const caseTable = (result: CaseResult): string => {
  const header = ['', ...result.metrics.map((m) => (m.diagnostic ? m.label : `${m.label} ${m.better === 'lower' ? '↓' : '↑'}`))]
  const rows = result.measurements.map((m) => [
    `${m.isRota ? '**' : ''}${escape(m.subject)}${m.isRota ? '**' : ''}`,
    ...(m.ok ? result.metrics.map((metric) => formatMetric(m.metrics[metric.key], metric)) : result.metrics.map((_, i) => (i === 0 ? `failed: ${escape(m.error ?? '')}` : ''))),
  ])
  // Every Rota figure beside every peer's, as a ratio from the same run.
  const peers = result.measurements.filter((m) => !m.isRota && m.ok)
  for (const r of result.measurements.filter((m) => m.isRota && m.ok)) {
    for (const peer of peers) {
      rows.push([`${r.subject} ÷ ${escape(peer.subject)}`, ...result.metrics.map((metric) => (metric.diagnostic ? '' : formatRatio(ratio(r.metrics[metric.key], peer.metrics[metric.key]))))])
    }
  }
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n')
}

/** Each measured system's id and label, in the order first measured (wire-format rows are not systems). */
const systemLabels = (results: BenchResults): Array<[string, string]> => {
  const labels = new Map<string, string>()
  for (const m of results.cases.flatMap((c) => c.measurements)) {
    if (m.subject in results.durability && !labels.has(m.subject)) labels.set(m.subject, m.label)
  }
  return [...labels]
}

/** The results as Markdown: one table per case, with Rota ÷ peer rows, and the durability each system had. */
export const renderMarkdown = (results: BenchResults): string => {
  const lines = [
    `# Benchmark results (${results.mode} run)`,
    '',
    `${results.date} · seed ${results.seed} · ${results.durationSeconds} s · ${results.machine.cpus} × ${results.machine.cpuModel}, ${results.machine.memoryGB} GB, `
      + `Node ${results.machine.node}, load average at start ${results.machine.loadAverage.join(' / ')}`,
    '',
    'Ratios are Rota ÷ peer from the same run: below 1× is better for ↓ figures, above 1× for ↑ figures. Timing figures',
    'depend on the machine and its load; byte figures do not.',
    '',
    '## Systems measured',
    '',
    // The tables name systems by id; which server configuration and client each is (e.g. resolver on or off) is here.
    ...systemLabels(results).map(([id, label]) => `- **${id}**: ${escape(label)}`),
    '',
    '## Durability of each system while measured',
    '',
    ...Object.entries(results.durability).map(([id, text]) => `- **${id}**: ${text}`),
    '',
  ]
  for (const result of results.cases) {
    lines.push(`## [${result.id}] ${result.title}`, '')
    lines.push(`Parameters: ${Object.entries(result.params).map(([k, v]) => `${k} ${v}`).join(', ')}`, '')
    if (result.run !== undefined) lines.push(`Scenario ${result.scenario} took ${result.run.seconds} s; load average when it ended ${result.run.loadAverage.join(' / ')}.`, '')
    lines.push(caseTable(result), '')
    const notes = result.measurements.flatMap((m) => (m.notes ?? []).map((note) => `- ${m.subject}: ${note}`))
    if (notes.length > 0) lines.push(...notes, '')
  }
  if (results.logSection !== undefined) {
    lines.push('## Update log section (benchmarks/src/log)', '', results.logSection.ok ? '' : '**The section failed.**', '```', results.logSection.output.trim(), '```', '')
  }
  lines.push('## Versions', '', ...Object.entries(results.versions).map(([name, version]) => `- ${name} ${version}`), '')
  return lines.join('\n')
}

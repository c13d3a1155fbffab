// Fails on high or critical advisories in production dependencies.
// When the registry's advisory service cannot be reached, says so and goes on:
// an unreachable service is not evidence of a vulnerability, nor of its absence.
import { spawnSync } from 'node:child_process'

const run = spawnSync('npm', ['audit', '--omit=dev', '--json'], { encoding: 'utf8' })
let report
try {
  report = JSON.parse(run.stdout)
} catch {
  console.error('npm audit: no report (advisory service unreachable?)\n' + run.stderr.slice(0, 500))
  process.exit(0)
}
if (report.error) {
  console.error(`npm audit: advisory service unavailable (${report.error.code ?? 'error'}): ${report.error.summary ?? ''}`)
  process.exit(0)
}
const counts = report.metadata?.vulnerabilities ?? {}
const serious = (counts.high ?? 0) + (counts.critical ?? 0)
console.error(`npm audit (production): ${JSON.stringify(counts)}`)
if (serious > 0) {
  console.error('npm audit: high or critical advisories in production dependencies')
  process.exit(1)
}

import type { Progress } from './scenarios/types.ts'

/**
 * A progress bar on a TTY (stderr), one line per step otherwise (CI logs), silent when asked.
 * `total` is the number of steps the run expects; the bar never claims more than 100%.
 */
export const createProgress = (total: number, stream: NodeJS.WriteStream | null = process.stderr): Progress => {
  let done = 0
  const started = Date.now()
  const render = (label: string) => {
    if (stream === null) return
    const seconds = Math.round((Date.now() - started) / 1000)
    if (!stream.isTTY) {
      stream.write(`[bench ${String(done).padStart(3)}/${total} ${seconds}s] ${label}\n`)
      return
    }
    const width = 30
    const filled = Math.min(width, Math.round((done / Math.max(1, total)) * width))
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`
    const line = `${bar} ${String(Math.min(100, Math.round((done / Math.max(1, total)) * 100))).padStart(3)}% ${seconds}s ${label}`
    stream.write(`\r\x1b[2K${line.slice(0, (stream.columns || 100) - 1)}`)
  }
  return {
    step: (label) => {
      if (stream?.isTTY) render(label)
      return {
        done: () => {
          done++
          render(label)
          if (done >= total && stream?.isTTY) stream.write('\n')
        },
      }
    },
  }
}

export const silentProgress: Progress = { step: () => ({ done: () => {} }) }

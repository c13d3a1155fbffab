/**
 * A one-line progress counter for long scans, on stderr and only when it is a terminal,
 * so piped output (export > file.json) stays clean.
 */
export const createProgress = (label: string, total: number | undefined, stream: NodeJS.WriteStream = process.stderr) => {
  const active = stream.isTTY === true
  let last = 0
  return {
    tick(done: number, detail = ''): void {
      if (!active) return
      const now = Date.now()
      if (now - last < 100 && done !== total) return
      last = now
      const of = total === undefined ? '' : `/${total}`
      stream.write(`\r${label} ${done}${of} ${detail}`.slice(0, (stream.columns ?? 80) - 1).padEnd((stream.columns ?? 80) - 1))
    },
    done(): void {
      if (active) stream.write('\r'.padEnd((stream.columns ?? 80) - 1) + '\r')
    },
  }
}

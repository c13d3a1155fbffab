/** For tests: a pino destination that keeps every line the server logs. */
import { Writable } from 'node:stream'

export interface LogLine {
  level: number
  msg?: string
  [key: string]: unknown
}

/** A `logger.stream` that keeps what the server logs, as text and as parsed lines. */
export const captureLog = () => {
  let text = ''
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString()
      done()
    },
  })
  return {
    stream,
    text: () => text,
    lines: (): LogLine[] =>
      text
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as LogLine),
  }
}

import { readFile } from 'node:fs/promises'

/** What the kernel says about a process: CPU time used so far, resident and peak resident memory. */
export interface ProcessStats {
  /** User + system CPU time in milliseconds since the process started. */
  cpuMs: number
  rssBytes: number
  peakRssBytes: number
}

// Linux reports CPU time in clock ticks; USER_HZ is 100 on every mainstream kernel configuration.
const TICK_MS = 10

/** Reads /proc/<pid>/stat and /proc/<pid>/status (Linux). */
export const readProcessStats = async (pid: number): Promise<ProcessStats> => {
  const [stat, status] = await Promise.all([readFile(`/proc/${pid}/stat`, 'utf8'), readFile(`/proc/${pid}/status`, 'utf8')])
  // Fields after the command name (which may contain spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const utime = Number(fields[11])
  const stime = Number(fields[12])
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024
  return { cpuMs: (utime + stime) * TICK_MS, rssBytes: kb('VmRSS'), peakRssBytes: kb('VmHWM') }
}

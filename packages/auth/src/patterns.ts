/**
 * Document name patterns (the token's `docs` claim). A pattern matches whole names:
 * `*` matches any run of characters within one segment (no '/'), `**` any run including '/',
 * every other character stands for itself. `acme/2026-*` matches `acme/2026-w48`, not `acme/2026/w48`;
 * `acme/**` matches everything under `acme/`.
 */

import { maxDocNameBytes } from '@rota/protocol'

// A pattern longer than any document name could match none of them.
const maxPatternBytes = maxDocNameBytes

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** Why the pattern is unusable, or undefined when it is fine. */
export const patternProblem = (pattern: unknown): string | undefined => {
  if (typeof pattern !== 'string' || pattern.length === 0) return 'is not a non-empty string'
  if (Buffer.byteLength(pattern) > maxPatternBytes) return `is longer than ${maxPatternBytes} bytes`
  if (pattern.includes('***')) return "has '***' (use '*' or '**')"
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(pattern)) return 'contains control characters'
  return undefined
}

export const compilePattern = (pattern: string): RegExp => {
  const source = pattern
    .split('**')
    .map((part) => part.split('*').map(escapeRegExp).join('[^/]*'))
    .join('.*')
  return new RegExp(`^${source}$`, 's')
}

const cache = new Map<string, RegExp>()

/** True when the name matches the pattern. Compiled patterns are cached (tokens repeat them). */
export const matchesPattern = (pattern: string, name: string): boolean => {
  let regexp = cache.get(pattern)
  if (regexp === undefined) {
    if (cache.size >= 1024) cache.clear()
    regexp = compilePattern(pattern)
    cache.set(pattern, regexp)
  }
  return regexp.test(name)
}

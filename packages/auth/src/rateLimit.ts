/**
 * A token bucket: `burst` tokens at most, refilled at `perSecond`. Time is passed in (ms), so the
 * server's connection code and the tests decide what "now" is.
 */
export interface TokenBucket {
  /** Takes `count` tokens if there are that many; false (and nothing taken) otherwise. */
  take(now: number, count?: number): boolean
}

export interface TokenBucketOptions {
  perSecond: number
  burst: number
}

export const createTokenBucket = ({ perSecond, burst }: TokenBucketOptions, start = 0): TokenBucket => {
  if (!(perSecond > 0) || !(burst >= 1)) throw new RangeError('token bucket needs perSecond > 0 and burst >= 1')
  let tokens = burst
  let last = start
  return {
    take(now, count = 1) {
      // A clock that goes backwards refills nothing rather than draining the bucket.
      if (now > last) {
        tokens = Math.min(burst, tokens + ((now - last) * perSecond) / 1000)
        last = now
      }
      if (tokens < count) return false
      tokens -= count
      return true
    },
  }
}

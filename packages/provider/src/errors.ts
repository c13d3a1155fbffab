import { RotaError } from '@rota/errors'

/**
 * Every error the provider throws. Callers branch on `code`, never on the message.
 * The codes are listed in docs/provider.md.
 */
export const ProviderErrorCode = {
  /** An option is missing or has the wrong type or range; nothing was started. */
  InvalidOption: 'ROTA_PROVIDER_INVALID_OPTION',
  /** `offline: true` was asked for but this runtime has no default store (Node: pass `openLevelStore(dir)`). */
  NoOfflineStore: 'ROTA_PROVIDER_NO_OFFLINE_STORE',
  /** The provider was destroyed; it cannot be used again. */
  Destroyed: 'ROTA_PROVIDER_DESTROYED',
  /** The local store failed to open or to load the document. */
  StoreFailed: 'ROTA_PROVIDER_STORE_FAILED',
} as const

export type ProviderErrorCode = (typeof ProviderErrorCode)[keyof typeof ProviderErrorCode]

export class RotaProviderError extends RotaError<ProviderErrorCode> {
  readonly option: string | undefined

  constructor(code: ProviderErrorCode, message: string, { option, cause }: { option?: string; cause?: unknown } = {}) {
    super(code, message, { details: option === undefined ? undefined : { option }, cause })
    this.name = 'RotaProviderError'
    this.option = option
  }
}

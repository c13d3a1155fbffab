/**
 * `rota token --sub ana --tenant acme --role staff --staff-id st1 --expires 1h`: a token for a first test
 * or a development setup, signed with the server's configured HS256 secret (`--auth-secret` or
 * ROTA_AUTH_SECRET), printed on stdout. It refuses without a secret, and refuses claims the server would
 * refuse (the same check, `@rota/auth`'s identityFromClaims). `--tenant` may be left out only for an
 * admin, whose token then spans every tenant.
 */
import { mintToken, parseDuration } from '@rota/auth'
import { CliError, CliErrorCode } from '../errors.ts'
import type { ParsedValues } from '../config.ts'
import type { Output } from './documents.ts'
import { authSettingsOf } from './serve.ts'

export const tokenCommand = async (values: ParsedValues, io: Output, env: NodeJS.ProcessEnv = process.env): Promise<void> => {
  const { sub, role } = values
  if (sub === undefined || role === undefined) throw new CliError(CliErrorCode.Usage, 'rota token needs --sub and --role')
  if (values.tenant === undefined && role !== 'admin') {
    throw new CliError(CliErrorCode.Usage, 'rota token needs --tenant (only an admin token may span every tenant)')
  }
  let token: string
  try {
    token = await mintToken(
      authSettingsOf(values, env),
      {
        sub,
        role: role as never,
        tenant: values.tenant ?? null,
        ...(values['staff-id'] === undefined ? {} : { staffId: values['staff-id'] }),
      },
      { expiresIn: parseDuration(values.expires ?? '1h') },
    )
  } catch (err) {
    throw new CliError(CliErrorCode.BadConfig, (err as Error).message)
  }
  io.out(token)
}

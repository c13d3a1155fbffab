/**
 * Where `rota serve`'s resolver keeps its conflicts and team models: with `--log-url` the PostgreSQL
 * store every instance on that database shares (`rota migrate` creates its tables), each document's
 * detection run by the instance holding its lease and fed from the log; else the embedded LevelDB store
 * under `<data-dir>/resolver`, fed from this instance's updates, exactly as before. The PostgreSQL
 * package (and its driver) is loaded only when asked for.
 */
import type { ResolverExtensionOptions } from '@rota/resolver'
import type { Config } from '../config.ts'
import { usesPostgres } from './logBackend.ts'
import { resolverDirOf } from './paths.ts'

export interface ResolverBackend {
  options: Pick<ResolverExtensionOptions, 'dir' | 'store' | 'shared'>
  /** Closes a store the extension does not own (after the server closed). */
  close(): Promise<void>
}

export const openResolverBackend = async (config: Config): Promise<ResolverBackend> => {
  if (!usesPostgres(config)) return { options: { dir: resolverDirOf(config.dataDir) }, close: async () => undefined }
  const { openPostgresResolverStore } = await import('@rota/resolver-postgres')
  const store = await openPostgresResolverStore({ url: config.logUrl, schema: config.logSchema })
  return {
    // serve.ts fills in the instance id when none is configured (the bus's id too).
    options: { store, shared: { lease: store.lease(config.instanceId) } },
    close: () => store.close(),
  }
}

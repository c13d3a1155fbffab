// The workspace develops against its TypeScript sources, never a stale build. Each package's
// exports map names `@rota/source` (→ src/) before `types`/`import` (→ dist/); this is how Vite
// and Vitest turn that condition on. tsc does it with `customConditions` (tsconfig.base.json),
// Node and tsx with `--conditions=@rota/source` (see NODE_OPTIONS in vitest.config.ts).
import { defaultClientConditions, defaultServerConditions } from 'vite'

export const sourceCondition = '@rota/source'

/** Spread into a Vite or Vitest config (Vitest projects do not inherit the root config). */
export const sourceResolve = {
  resolve: { conditions: [sourceCondition, ...defaultClientConditions] },
  ssr: { resolve: { conditions: [sourceCondition, ...defaultServerConditions] } },
}

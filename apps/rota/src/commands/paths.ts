import { join } from 'node:path'

/** Where the update log lives inside the data directory (the embedded LevelDB log). */
export const logDirOf = (dataDir: string): string => join(dataDir, 'log')

/** Where the resolver keeps conflicts and team models inside the data directory. */
export const resolverDirOf = (dataDir: string): string => join(dataDir, 'resolver')

/** Where the teams' role rules live inside the data directory. */
export const rulesDirOf = (dataDir: string): string => join(dataDir, 'rules')

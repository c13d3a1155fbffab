import { run } from './main.ts'

// The `rota` executable: run the command, then exit with its code (servers resolve on shutdown).
process.exit(await run(process.argv.slice(2)))

#!/usr/bin/env node
// Libraries have no build step: tsx loads the TypeScript sources.
import { register } from 'tsx/esm/api'

register()
await import('../src/cli.ts')

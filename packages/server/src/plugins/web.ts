import { existsSync, statSync } from 'node:fs'
import { extname, join, normalize, resolve } from 'node:path'
import type { FastifyInstance, RouteHandlerMethod } from 'fastify'
import fastifyStatic from '@fastify/static'

/** The HTTP API's own paths: one it has no route for (conflicts with the resolver off) is its JSON 404, not the app. */
const apiPath = /^\/api(\/|$)/

/**
 * Serves a built single-page app (e.g. apps/web/dist) for the HTTP requests that reach the
 * wildcard route: existing files as they are, extension-less paths as index.html.
 * Returns undefined when there is nothing to serve.
 */
export const registerWeb = async (app: FastifyInstance, webRoot: string | undefined): Promise<RouteHandlerMethod | undefined> => {
  if (webRoot === undefined) return undefined
  const root = resolve(webRoot)
  if (!existsSync(join(root, 'index.html'))) return undefined
  await app.register(fastifyStatic, { root, serve: false })
  return (request, reply) => {
    const path = normalize(decodeURIComponent(request.url.split('?')[0] ?? '/')).replace(/^(\.\.[/\\])+/, '')
    if (apiPath.test(path)) return reply.callNotFound()
    const file = join(root, path)
    if (file.startsWith(root) && existsSync(file) && statSync(file).isFile()) return reply.sendFile(path)
    if (extname(path) === '') return reply.sendFile('index.html')
    return reply.code(404).send()
  }
}

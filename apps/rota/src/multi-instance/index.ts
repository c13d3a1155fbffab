// Test and benchmark helpers for several `rota serve` instances (not part of the built CLI): the balancer, the cluster
// of child processes, and the editors. Exported as `@rota/cli/multi-instance` under the `@rota/source` condition only.
export type { Balancer } from './balancer.ts'
export { metricOf, startCluster, startOwnPostgres, startOwnRedis } from './cluster.ts'
export type { Cluster, ClusterOptions, Instance, OwnRedis } from './cluster.ts'
export { CONTESTED, QUICK_BACKOFF, ownClock, providerEditor, replay, seedWard, startLoad, stateOf, stockEditor } from './editors.ts'
export type { Editor, Load } from './editors.ts'

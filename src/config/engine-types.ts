/** The engine section of the configuration (`engine`, `engine.redis`), as resolved. */

/** Where nodes share channels, history and presence. */
export interface EngineConfig {
  /**
   * "memory": one node, everything in process. "redis": nodes sharing Redis form one cluster.
   * Default: "redis" when any Redis address is set, else "memory".
   */
  type: 'memory' | 'redis';
  redis: {
    /** Standalone Redis URL, `redis://[:password@]host:port[/db]`. */
    address: string;
    /** Redis Cluster seed nodes (`host:port`); set → Redis Cluster with sharded pub/sub. */
    cluster_address: string[];
    /** Sentinel addresses (`host:port`); set → the master is found through them. */
    sentinel_address: string[];
    /** Master name the sentinels watch. Default "mymaster". */
    sentinel_master_name: string;
    /** User the node authenticates as to the sentinels themselves (ACL). Default none. */
    sentinel_user: string;
    /** Password of the sentinels themselves (`requirepass` on the sentinels). Default none. */
    sentinel_password: string;
    /** Password for Redis Cluster or the Sentinel-managed master (a standalone URL carries its own). */
    password: string;
    /** Prefix of every key and pub/sub channel. Default "switchboard". */
    prefix: string;
    /** How long a command may take, unreachable Redis included, before it fails as temporary, ms. Default 2 000. */
    command_timeout: number;
  };
}

/**
 * The etcd version tetcd reports where etcd reports its own (Status.version, /version, the
 * "enabled capabilities" log line): the etcd release whose API semantics tetcd implements.
 */
export const ETCD_VERSION = '3.5.0';
export const ETCD_CLUSTER_VERSION = '3.5.0';
export const TETCD_VERSION = '0.1.0';

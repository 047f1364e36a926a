// Original file: proto/etcd/etcdserverpb/rpc.proto


export interface AuthStatusRequest {
}

export interface AuthStatusRequest__Output {
}

// Original file: proto/etcd/etcdserverpb/rpc.proto


export interface AuthRoleListRequest {
}

export interface AuthRoleListRequest__Output {
}

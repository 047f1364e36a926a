/** `-w table`: member list and the endpoint commands, drawn as etcdctl draws them. */
import type { MemberListResponse__Output } from '../../gen/etcdserverpb/MemberListResponse.js';
import { renderTable } from '../gocompat/tablewriter.js';
import type { CtlIO } from '../io.js';
import {
  UnsupportedPrinter,
  endpointHashKVTable,
  endpointHealthTable,
  endpointStatusTable,
  memberListTable,
  type EndpointHashKV,
  type EndpointHealth,
  type EndpointStatus,
} from './printer.js';

export class TablePrinter extends UnsupportedPrinter {
  constructor(io: CtlIO) {
    super('table', io);
  }

  private draw({ header, rows }: { header: string[]; rows: string[][] }): void {
    this.io.stdout.write(renderTable(header, rows));
  }

  override memberList(r: MemberListResponse__Output): void {
    this.draw(memberListTable(r));
  }
  override endpointHealth(list: readonly EndpointHealth[]): void {
    this.draw(endpointHealthTable(list));
  }
  override endpointStatus(list: readonly EndpointStatus[]): void {
    this.draw(endpointStatusTable(list));
  }
  override endpointHashKV(list: readonly EndpointHashKV[]): void {
    this.draw(endpointHashKVTable(list));
  }
}

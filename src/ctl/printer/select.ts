/** Picks the printer for `-w/--write-out` (etcdctl's NewPrinter). */
import type { CtlIO } from '../io.js';
import { FieldsPrinter } from './fields.js';
import { JsonPrinter } from './json.js';
import type { Printer } from './printer.js';
import { ProtobufPrinter } from './protobuf.js';
import { SimplePrinter } from './simple.js';
import { TablePrinter } from './table.js';

/** undefined for an unknown format name. */
export function newPrinter(format: string, isHex: boolean, io: CtlIO): Printer | undefined {
  switch (format) {
    case 'simple':
      return new SimplePrinter(io, isHex);
    case 'fields':
      return new FieldsPrinter(io);
    case 'json':
      return new JsonPrinter(io);
    case 'protobuf':
      return new ProtobufPrinter(io);
    case 'table':
      return new TablePrinter(io);
    default:
      return undefined;
  }
}

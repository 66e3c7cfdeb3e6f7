import * as c1222 from '@meterkit/c1222';
import type { BenchCase } from '../case.js';
import { CRC_BASELINE } from './crc16.js';

/**
 * ANSI C12.19 tables (C12.19-2008 §9.7.5 LP_DATA_SET1_TBL, §9.3.4 CURRENT_REG_DATA_TBL): decode
 * and encode the default simulated meter's ST64 (2 blocks × 96 intervals × 2 channels, extended
 * status, 1186 bytes) and ST23 against the bare CRC pass. The table engine is reached through the
 * package's exports (flat, or as a `C1219` namespace); until they exist this file registers no cases.
 */
interface TablesApi {
  defaultMeterTables(): { read(id: number): Uint8Array | undefined; dependencies(): object };
  decodeTable(id: number, bytes: Uint8Array, deps: object): object;
  encodeTable(t: object, deps: object): Uint8Array;
}

const pkg = c1222 as unknown as Record<string, unknown>;
const api = (pkg['C1219'] ?? (typeof pkg['defaultMeterTables'] === 'function' ? pkg : undefined)) as
  | TablesApi
  | undefined;

function build(t: TablesApi): BenchCase[] {
  const store = t.defaultMeterTables();
  const deps = store.dependencies();
  const st64 = store.read(64)!;
  const st23 = store.read(23)!;
  const lp = t.decodeTable(64, st64, deps);
  return [
    {
      name: 'c1219: decode ST64 load profile (default meter)',
      bytesPerOp: st64.length,
      baseline: CRC_BASELINE,
      run: () => t.decodeTable(64, st64, deps),
    },
    {
      name: 'c1219: encode ST64 load profile (default meter)',
      bytesPerOp: st64.length,
      baseline: CRC_BASELINE,
      run: () => t.encodeTable(lp, deps).length,
    },
    {
      name: 'c1219: decode ST23 current register data (default meter)',
      bytesPerOp: st23.length,
      baseline: CRC_BASELINE,
      run: () => t.decodeTable(23, st23, deps),
    },
  ];
}

export const cases: readonly BenchCase[] = api === undefined ? [] : build(api);

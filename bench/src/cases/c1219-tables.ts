import { decodeTable, defaultMeterTables, encodeTable } from '@meterkit/c1222';
import type { BenchCase } from '../case.js';
import { CRC_BASELINE } from './crc16.js';

/**
 * ANSI C12.19 tables (C12.19-2008 §9.7.5 LP_DATA_SET1_TBL, §9.3.4 CURRENT_REG_DATA_TBL): decode
 * and encode the default simulated meter's ST64 (2 blocks × 96 intervals × 2 channels, extended
 * status, 1186 bytes) and ST23 against the bare CRC pass.
 */
function build(): BenchCase[] {
  const store = defaultMeterTables();
  const deps = store.dependencies();
  const st64 = store.read(64)!;
  const st23 = store.read(23)!;
  const lp = decodeTable(64, st64, deps);
  return [
    {
      name: 'c1219: decode ST64 load profile (default meter)',
      bytesPerOp: st64.length,
      baseline: CRC_BASELINE,
      run: () => decodeTable(64, st64, deps),
    },
    {
      name: 'c1219: encode ST64 load profile (default meter)',
      bytesPerOp: st64.length,
      baseline: CRC_BASELINE,
      run: () => encodeTable(lp, deps).length,
    },
    {
      name: 'c1219: decode ST23 current register data (default meter)',
      bytesPerOp: st23.length,
      baseline: CRC_BASELINE,
      run: () => decodeTable(23, st23, deps),
    },
  ];
}

export const cases: readonly BenchCase[] = build();

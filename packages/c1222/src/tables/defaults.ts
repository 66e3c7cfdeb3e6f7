/**
 * Realistic default content of a simulated electricity meter's C12.19 tables (ANSI C12.19-2008
 * §9): ST0/ST1 identification, ST3/ST5/ST6, sources ST11/12/16, registers ST21–23/27/28, clock
 * ST51/52/55, a 15-minute two-channel load profile ST61–64 and logs ST71/72/74/76, all consistent
 * with each other. The values are invented for simulation; the layouts are the standard's.
 */
import type { TimeDate } from './codec.js';
import type { TableContext } from './context.js';
import { type GenConfigTbl, tableContextFromGenConfig } from './gen-config.js';
import type { LpBlock } from './load-profile.js';
import { type C1219Table, tableNumberOf } from './registry.js';
import { TableStore, type TableStoreFile } from './store.js';

const ASCII = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** The ST0 of the default simulated meter (LSB first, ISO 7-bit, TM_FORMAT 2, INT48/INT32). */
export function defaultGenConfig(): GenConfigTbl {
  return {
    type: 'GEN_CONFIG_TBL',
    formatControl1: { dataOrder: false, charFormat: 1, modelSelect: 0 },
    formatControl2: { tmFormat: 2, dataAccessMethod: 1, idForm: false, intFormat: 0 },
    formatControl3: { niFormat1: 10, niFormat2: 8 },
    deviceClass: ASCII('MKSM'),
    nameplateType: 2,
    defaultSetUsed: 0,
    maxProcParmLength: 16,
    maxRespDataLen: 16,
    stdVersionNo: 2,
    stdRevisionNo: 0,
    dimStdTblsUsed: 10,
    dimMfgTblsUsed: 1,
    dimStdProcUsed: 3,
    dimMfgProcUsed: 1,
    dimMfgStatusUsed: 1,
    nbrPending: 0,
    stdTblsUsed: [
      0, 1, 2, 3, 5, 6, 7, 8, 11, 12, 16, 21, 22, 23, 27, 28, 51, 52, 55, 61, 62, 63, 64, 71, 72, 74, 76,
    ],
    mfgTblsUsed: [0],
    stdProcUsed: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 21],
    mfgProcUsed: [],
    stdTblsWrite: [6, 7, 22, 27, 52, 62],
    mfgTblsWrite: [],
  };
}

const DAY = { year: 2026, month: 11, day: 22 };

/** The list status both simulated logs (ST74, ST76) carry: two valid, unread entries, circular. */
const LOG_STATUS = {
  flags: { orderFlag: false, overflowFlag: false, listTypeFlag: true, inhibitOverflowFlag: false },
  nbrValidEntries: 2,
  lastEntryElement: 1,
  lastEntrySeqNbr: 2,
  nbrUnreadEntries: 2,
} as const;

function at(hour: number, minute: number, second?: number, day = DAY): TimeDate {
  return second === undefined ? { ...day, hour, minute } : { ...day, hour, minute, second };
}

function profileBlock(day: { year: number; month: number; day: number }, seed: number): LpBlock {
  const lpInt = [];
  for (let i = 0; i < 96; i++) {
    const load = Math.round(
      180 + 140 * Math.sin(((i - 28) / 96) * 2 * Math.PI) ** 2 + ((i * 37 + seed) % 23),
    );
    lpInt.push({
      extendedIntStatus: { common: 0, channels: [0, 0] },
      intData: [load, Math.round(load * 0.31)],
    });
  }
  return {
    blkEndTime: { ...day, hour: 0, minute: 0 },
    endReadings: [{ blockEndRead: 12_345_678 + seed * 5000 }, { blockEndRead: 3_456_789 + seed * 1500 }],
    lpInt,
  };
}

/** The default tables as typed values, in dependency order, with the context they encode in. */
export function defaultMeterTableValues(): {
  readonly ctx: TableContext;
  readonly tables: readonly C1219Table[];
} {
  const st0 = defaultGenConfig();
  const ctx = tableContextFromGenConfig(st0);
  const noFlags = {
    dstFlag: false,
    gmtFlag: false,
    tmZnAppliedFlag: true,
    dstAppliedFlag: false,
    dstSupportedFlag: true,
  };
  const tables: C1219Table[] = [
    st0,
    {
      type: 'GENERAL_MFG_ID_TBL',
      manufacturer: 'MKIT',
      edModel: 'SIM-1PH ',
      hwVersionNumber: 1,
      hwRevisionNumber: 0,
      fwVersionNumber: 2,
      fwRevisionNumber: 3,
      mfgSerialNumber: '0000000000012345',
    },
    {
      type: 'DEVICE_NAMEPLATE_TBL',
      nameplateType: 'electric',
      eKh: '1.0   ',
      eKt: '1.0   ',
      eInputScalar: 1,
      eEdConfig: '2S   ',
      eElements: { eFreq: 1, eNoOfElements: 1, eBaseType: 1, eAccuracyClass: 2 },
      eVolts: { eElementsVolts: 3, eEdSupplyVolts: 3 },
      eClassMaxAmps: '200   ',
      eTa: '30    ',
    },
    {
      type: 'ED_MODE_STATUS_TBL',
      edMode: { meteringFlag: true, testModeFlag: false, meterShopModeFlag: false, factoryFlag: false },
      edStdStatus1: {
        unprogrammedFlag: false,
        configurationErrorFlag: false,
        selfChkErrorFlag: false,
        ramFailureFlag: false,
        romFailureFlag: false,
        nonvolMemFailureFlag: false,
        clockErrorFlag: false,
        measurementErrorFlag: false,
        lowBatteryFlag: false,
        lowLossPotentialFlag: false,
        demandOverloadFlag: false,
        powerFailureFlag: false,
        tamperDetectFlag: false,
        reverseRotationFlag: false,
      },
      edStdStatus2: 0,
      edMfgStatus: [],
    },
    { type: 'DEVICE_IDENT_TBL', identification: 'MKSIM-0000012345    ' },
    {
      type: 'UTIL_INFO_TBL',
      ownerName: 'Example Utility     ',
      utilityDiv: 'North               ',
      servicePointId: 'SP-000123           ',
      elecAddr: '                    ',
      deviceId: 'MKSIM-0000012345    ',
      utilSerNo: '12345               ',
      customerId: 'C-998877            ',
      coordinate1: new Uint8Array(10),
      coordinate2: new Uint8Array(10),
      coordinate3: new Uint8Array(10),
      tariffId: 'RES-TOU ',
      ex1SwVendor: 'MKIT',
      ex1SwVersionNumber: 0,
      ex1SwRevisionNumber: 1,
      ex2SwVendor: '    ',
      ex2SwVersionNumber: 0,
      ex2SwRevisionNumber: 0,
      programmerName: 'meterkit  ',
      miscId: '                              ',
    },
    {
      type: 'PROC_RESPONSE_TBL',
      proc: { tblProcNbr: 0, stdVsMfgFlag: false, selector: 0 },
      seqNbr: 0,
      resultCode: { value: 0, name: 'procedure-completed' },
      respDataRcd: new Uint8Array(0),
    },
    {
      type: 'ACT_SOURCES_LIM_TBL',
      sourceFlags: {
        pfExcludeFlag: false,
        resetExcludeFlag: false,
        blockDemandFlag: true,
        slidingDemandFlag: false,
        thermalDemandFlag: false,
        set1PresentFlag: false,
        set2PresentFlag: false,
      },
      nbrUomEntries: 4,
      nbrDemandCtrlEntries: 0,
      dataCtrlLength: 0,
      nbrDataCtrlEntries: 0,
      nbrConstantsEntries: 0,
      constantsSelector: 2,
      nbrSources: 4,
    },
    {
      type: 'UOM_ENTRY_TBL',
      uomEntry: [
        // Wh delivered (Q1+Q4), Wh received (Q2+Q3), varh (Q1+Q2), W demand (Q1+Q4)
        uom(0, 0, true, false, false, true),
        uom(0, 0, false, true, true, false),
        uom(1, 0, true, true, false, false),
        uom(0, 4, true, false, false, true),
      ],
    },
    {
      type: 'SOURCE_DEFINITION_TBL',
      sourceLink: [0, 1, 2, 3].map(() => ({
        uomEntryFlag: true,
        demandCtrlFlag: false,
        dataCtrlFlag: false,
        constantsFlag: false,
        pulseEngrFlag: true,
        constantToBeApplied: false,
      })),
    },
    {
      type: 'ACT_REGS_TBL',
      regFunc1Flags: {
        seasonInfoFieldFlag: false,
        dateTimeFieldFlag: true,
        demandResetCtrFlag: true,
        demandResetLockFlag: false,
        cumDemandFlag: true,
        contCumDemandFlag: false,
        timeRemainingFlag: false,
      },
      regFunc2Flags: {
        selfReadInhibitOverflowFlag: false,
        selfReadSeqNbrFlag: false,
        dailySelfReadFlag: false,
        weeklySelfReadFlag: false,
        selfReadDemandReset: 0,
      },
      nbrSelfReads: 0,
      nbrSummations: 3,
      nbrDemands: 1,
      nbrCoinValues: 0,
      nbrOccur: 1,
      nbrTiers: 2,
      nbrPresentDemands: 1,
      nbrPresentValues: 3,
    },
    {
      type: 'DATA_SELECTION_TBL',
      summationSelect: [0, 1, 2],
      demandSelect: [3],
      minOrMaxFlags: [],
      coincidentSelect: [],
      coinDemandAssoc: [],
    },
    {
      type: 'CURRENT_REG_DATA_TBL',
      nbrDemandResets: 7,
      totDataBlock: {
        summations: [12_345_678, 23_456, 3_456_789],
        demands: [{ eventTime: [at(18, 15)], cumDemand: 41_230, demand: [4_120] }],
        coincidents: [],
      },
      tierDataBlock: [
        {
          summations: [8_100_000, 15_000, 2_200_000],
          demands: [{ eventTime: [at(18, 15)], cumDemand: 30_100, demand: [4_120] }],
          coincidents: [],
        },
        {
          summations: [4_245_678, 8_456, 1_256_789],
          demands: [{ eventTime: [at(7, 30)], cumDemand: 11_130, demand: [2_870] }],
          coincidents: [],
        },
      ],
    },
    { type: 'PRESENT_REGISTER_SELECT_TBL', presentDemandSelect: [3], presentValueSelect: [0, 1, 2] },
    {
      type: 'PRESENT_REGISTER_DATA_TBL',
      presentDemand: [{ demandValue: 1_250 }],
      presentValue: [12_345_678, 23_456, 3_456_789],
    },
    {
      type: 'ACT_TIME_TOU_TBL',
      timeFuncFlag1: {
        touSelfReadFlag: false,
        seasonSelfReadFlag: false,
        seasonDemandResetFlag: false,
        seasonChngArmedFlag: false,
        sortDatesFlag: false,
        anchorDateFlag: false,
      },
      timeFuncFlag2: {
        capDstAutoFlag: true,
        separateWeekdaysFlag: false,
        separateSumDemandsFlag: false,
        sortTierSwitchesFlag: true,
        capTmZnOffsetFlag: true,
      },
      calendarFunc: { nbrSeasons: 1, nbrSpecialSched: 0 },
      nbrNonRecurrDates: 0,
      nbrRecurrDates: 0,
      nbrTierSwitches: 2,
      calendarTblSize: 6,
    },
    {
      type: 'CLOCK_TBL',
      clockCalendar: at(12, 0, 0, { year: 2026, month: 11, day: 23 }),
      timeDateQual: { dayOfWeek: 1, ...noFlags },
    },
    {
      type: 'CLOCK_STATE_TBL',
      clockCalendar: at(12, 0, 0, { year: 2026, month: 11, day: 23 }),
      timeDateQual: { dayOfWeek: 1, ...noFlags },
      status: { currTier: 0, tierDrive: 0, specialSchdActive: 0, season: 0 },
    },
    {
      type: 'ACT_LP_TBL',
      lpMemoryLen: 2 * 1205,
      lpFlags: {
        lpSet1InhibitOvfFlag: false,
        lpSet2InhibitOvfFlag: false,
        lpSet3InhibitOvfFlag: false,
        lpSet4InhibitOvfFlag: false,
        blkEndReadFlag: true,
        blkEndPulseFlag: false,
        scalarDivisorFlagSet1: true,
        scalarDivisorFlagSet2: false,
        scalarDivisorFlagSet3: false,
        scalarDivisorFlagSet4: false,
        extendedIntStatusFlag: true,
        simpleIntStatusFlag: false,
        blkEndRdIndicatorFlag: false,
      },
      lpFmats: {
        invUint8Flag: false,
        invUint16Flag: true,
        invUint32Flag: false,
        invInt8Flag: false,
        invInt16Flag: false,
        invInt32Flag: false,
        invNiFmat1Flag: false,
        invNiFmat2Flag: false,
      },
      sets: [{ nbrBlks: 2, nbrBlkInts: 96, nbrChns: 2, maxIntTime: 15 }, undefined, undefined, undefined],
    },
    {
      type: 'LP_CTRL_TBL',
      sets: [
        {
          lpSel: [
            { endRdgFlag: true, lpSourceSelect: 0, endBlkRdgSourceSelect: 0 },
            { endRdgFlag: true, lpSourceSelect: 2, endBlkRdgSourceSelect: 2 },
          ],
          intFmtCde: 2,
          scalars: [1, 1],
          divisor: [4, 4],
        },
        undefined,
        undefined,
        undefined,
      ],
    },
    {
      type: 'LP_STATUS_TBL',
      sets: [
        {
          lpSetStatusFlags: {
            blockOrder: false,
            overflowFlag: false,
            listType: true,
            blockInhibitOverflowFlag: false,
            intervalOrder: false,
            activeModeFlag: true,
            testMode: false,
          },
          nbrValidBlocks: 2,
          lastBlockElement: 1,
          lastBlockSeqNbr: 41,
          nbrUnreadBlocks: 2,
          nbrValidInt: 96,
        },
        undefined,
        undefined,
        undefined,
      ],
    },
    {
      type: 'LP_DATA_SET_TBL',
      set: 1,
      lpDataSets: [
        profileBlock({ year: 2026, month: 11, day: 22 }, 1),
        profileBlock({ year: 2026, month: 11, day: 23 }, 2),
      ],
    },
    {
      type: 'ACT_LOG_TBL',
      logFlags: {
        eventNumberFlag: true,
        histDateTimeFlag: true,
        histSeqNbrFlag: true,
        histInhibitOvfFlag: false,
        eventInhibitOvfFlag: false,
      },
      nbrStdEvents: 6,
      nbrMfgEvents: 1,
      histDataLength: 2,
      eventDataLength: 2,
      nbrHistoryEntries: 2,
      nbrEventEntries: 2,
      extLogFlags: {
        metrologicalSigFlag: false,
        programSigFlag: false,
        alternateSigFlag: false,
        securedRegistersFlag: false,
      },
      nbrProgramTables: 0,
    },
    {
      type: 'EVENTS_ID_TBL',
      stdEventsSupported: [1, 2, 3, 4, 7, 8, 11, 12, 20, 21, 23],
      mfgEventsSupported: [],
    },
    {
      type: 'HISTORY_LOG_DATA_TBL',
      status: LOG_STATUS,
      entries: [
        {
          historyTime: at(3, 12, 5),
          eventNumber: 1,
          historySeqNbr: 1,
          userId: 0,
          historyCode: { tblProcNbr: 2, stdVsMfgFlag: false, selector: 0 },
          historyArgument: new Uint8Array(2),
        },
        {
          historyTime: at(3, 14, 40),
          eventNumber: 2,
          historySeqNbr: 2,
          userId: 0,
          historyCode: { tblProcNbr: 1, stdVsMfgFlag: false, selector: 0 },
          historyArgument: new Uint8Array(2),
        },
      ],
    },
    {
      type: 'EVENT_LOG_DATA_TBL',
      status: LOG_STATUS,
      entries: [
        {
          eventTime: at(3, 12, 5),
          eventNumber: 1,
          eventSeqNbr: 1,
          userId: 0,
          eventCode: { tblProcNbr: 2, stdVsMfgFlag: false, selector: 0 },
          eventArgument: new Uint8Array(2),
        },
        {
          eventTime: at(3, 14, 40),
          eventNumber: 2,
          eventSeqNbr: 2,
          userId: 0,
          eventCode: { tblProcNbr: 1, stdVsMfgFlag: false, selector: 0 },
          eventArgument: new Uint8Array(2),
        },
      ],
    },
    { type: 'RAW_TBL', table: 2048, data: Uint8Array.from([0x4d, 0x4b, 0x01, 0x00]) },
  ];
  return { ctx, tables };
}

function uom(idCode: number, timeBase: number, q1: boolean, q2: boolean, q3: boolean, q4: boolean) {
  return {
    idCode,
    timeBase,
    multiplier: 0,
    q1Accountability: q1,
    q2Accountability: q2,
    q3Accountability: q3,
    q4Accountability: q4,
    netFlowAccountability: false,
    segmentation: 0,
    harmonic: false,
    nfs: false,
  };
}

/** A `TableStore` loaded with the default simulated meter's tables. */
export function defaultMeterTables(): TableStore {
  const store = new TableStore();
  const { tables } = defaultMeterTableValues();
  for (const t of tables) {
    store.writeTable(tableNumberOf(t), t);
  }
  return store;
}

/** The default simulated meter's tables in the table store file form (JSON-serialisable). */
export function defaultMeterTableFile(): TableStoreFile {
  return defaultMeterTables().toFile();
}

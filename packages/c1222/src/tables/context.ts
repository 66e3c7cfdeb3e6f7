/**
 * The decoding context of ANSI C12.19 tables, derived from ST0 GEN_CONFIG_TBL (ANSI C12.19-2008
 * §9.1.1, FORMAT_CONTROL_1/2/3 and the dimension fields): every other table's data order,
 * character set, time format, integer format, non-integer formats and the tables in use.
 */

/** How multi-byte numbers, characters, dates and NI values of all other tables are read. */
export interface TableContext {
  /** DATA_ORDER: 0 = least significant byte first, 1 = most significant byte first. */
  readonly dataOrder: 0 | 1;
  /** CHAR_FORMAT: 1 = ISO 7-bit, 2 = ISO 8859/1, 3 = UTF-8. */
  readonly charFormat: number;
  /** TM_FORMAT: 0 none, 1 BCD fields, 2 UINT8 fields, 3 UINT32 minutes (+seconds), 4 UINT32 seconds. */
  readonly tmFormat: number;
  /** ID_FORM: 0 = identification fields are characters, 1 = BCD. */
  readonly idForm: 0 | 1;
  /** INT_FORMAT: 0 = two's complement, 1 = one's complement, 2 = sign and magnitude. */
  readonly intFormat: number;
  /** NI_FORMAT1: the format of NI_FMAT1 fields (see `NI_FORMATS`). */
  readonly niFormat1: number;
  /** NI_FORMAT2: the format of NI_FMAT2 fields. */
  readonly niFormat2: number;
  /** STD_VERSION_NO (1 = C12.19-1997, 2 = C12.19-2008). */
  readonly stdVersionNo: number;
  /** DIM_STD_TBLS_USED, DIM_MFG_TBLS_USED, DIM_STD_PROC_USED, DIM_MFG_PROC_USED, DIM_MFG_STATUS_USED. */
  readonly dimStdTblsUsed: number;
  readonly dimMfgTblsUsed: number;
  readonly dimStdProcUsed: number;
  readonly dimMfgProcUsed: number;
  readonly dimMfgStatusUsed: number;
  /** MAX_PROC_PARM_LENGTH and MAX_RESP_DATA_LEN of ST0. */
  readonly maxProcParmLength: number;
  readonly maxRespDataLen: number;
  /** STD_TBLS_USED as a set of table numbers (drives e.g. which load-profile sets ST61 has). */
  readonly stdTblsUsed: ReadonlySet<number>;
}

/**
 * The context used before ST0 is known: LSB first, ISO 7-bit, TM_FORMAT 2, character ids, two's
 * complement, NI_FORMAT1 = INT48 (10), NI_FORMAT2 = INT32 (8), C12.19-1997, all load-profile and
 * log tables in use.
 */
export const DEFAULT_TABLE_CONTEXT: TableContext = {
  dataOrder: 0,
  charFormat: 1,
  tmFormat: 2,
  idForm: 0,
  intFormat: 0,
  niFormat1: 10,
  niFormat2: 8,
  stdVersionNo: 1,
  dimStdTblsUsed: 10,
  dimMfgTblsUsed: 0,
  dimStdProcUsed: 3,
  dimMfgProcUsed: 0,
  dimMfgStatusUsed: 0,
  maxProcParmLength: 16,
  maxRespDataLen: 16,
  stdTblsUsed: new Set([
    0, 1, 2, 3, 5, 6, 7, 8, 11, 12, 13, 14, 15, 16, 21, 22, 23, 27, 28, 61, 62, 63, 64, 71, 72, 73, 74, 75,
    76,
  ]),
};

/**
 * The DLMS client and simulator the CLI drives (IEC 62056-5-3 client and server roles), in one
 * place so the commands share one import surface.
 */
export type {
  ClientAuthentication,
  ClientSecurity,
  DlmsClientOptions,
  DlmsServerHandle,
  JsonInput,
  NegotiatedParameters,
  ProfileReadResult,
  ProfileSelection,
  SimulatorProfile,
} from '@meterkit/dlms';
export {
  DEFAULT_SIMULATOR_PROFILE,
  DlmsClient,
  dataFromJson,
  dataToJson,
  HdlcServerPort,
  MeterSimulator,
  serveHdlcSerial,
  serveHdlcTcp,
  serveWrapperTcp,
  serveWrapperUdp,
  WrapperServerPort,
} from '@meterkit/dlms';

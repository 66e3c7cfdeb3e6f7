/** IEEE 2030.5 DER event scheduler (IEEE 2030.5-2018 §12.1.3 event rules, §10.10 DER, Table 27 responses). */
export {
  DER_CONTROL_MODES,
  type DerControlMode,
  type DerControlValue,
  isDerControlMode,
  modesOf,
  type SchedulerDERControlBase,
} from './modes.js';
export { type RandomSource, randomOffset, seededRandom } from './random.js';
export { type ResponseResource, toResponseResource } from './response.js';
export { DerScheduler, type DerSchedulerOptions } from './scheduler.js';
export {
  EventStatusCode,
  parseResponseRequired,
  ResponseRequiredBit,
  ResponseStatus,
  type ResponseStatusValue,
  responseAllowed,
  USER_RESPONSE_STATUSES,
} from './status.js';
export {
  type ActiveControl,
  DEFAULT_DER_SETTINGS,
  type DefaultDerSetting,
  type DefaultSetting,
  type EventPhase,
  type EventResponse,
  type EventState,
  type SchedulerDERControl,
  type SchedulerDERProgram,
  type SchedulerDefaultDERControl,
  type SchedulerEventStatus,
  type SchedulerInterval,
  type SchedulerTick,
  type SchedulerTime,
} from './types.js';

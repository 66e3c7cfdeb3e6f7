/**
 * Numeric codes the event scheduler reads and writes: `EventStatus.currentStatus` (IEEE 2030.5-2018 sep.xsd
 * `EventStatus`), the `responseRequired` bits (sep.xsd `RespondableResource`) and the Response `status`
 * values (IEEE 2030.5-2018 Table 27, Response types by function set).
 */

/** `EventStatus.currentStatus` values set by the server (IEEE 2030.5-2018 sep.xsd `EventStatus`). */
export const EventStatusCode = {
  /** 0: scheduled, not yet started. */
  Scheduled: 0,
  /** 1: active (the event reached its earliest effective start time). */
  Active: 1,
  /** 2: cancelled; the client stops the event immediately. */
  Cancelled: 2,
  /** 3: cancelled with randomization; the client stops it after a random delay (RandomizableEvent only). */
  CancelledWithRandomization: 3,
  /** 4: superseded by the server; the client stops it immediately. */
  Superseded: 4,
} as const;

/** Bits of the `responseRequired` attribute (IEEE 2030.5-2018 sep.xsd `RespondableResource`, HexBinary8). */
export const ResponseRequiredBit = {
  /** Bit 0: the end device shall indicate that the message was received. */
  MessageReceived: 0x01,
  /** Bit 1: the end device shall indicate specific responses (started, completed, cancelled, superseded...). */
  SpecificResponse: 0x02,
  /** Bit 2: an end user / customer response is required (opt in / opt out; produced only when the user acts). */
  ResponseRequiredByUser: 0x04,
} as const;

/** Response `status` values (IEEE 2030.5-2018 Table 27, Response types by function set). */
export const ResponseStatus = {
  /** 1: event received. */
  EventReceived: 1,
  /** 2: event started. */
  EventStarted: 2,
  /** 3: event completed. */
  EventCompleted: 3,
  /** 4: the user chose to opt out. */
  EventOptOut: 4,
  /** 5: the user chose to opt in. */
  EventOptIn: 5,
  /** 6: event cancelled. */
  EventCancelled: 6,
  /** 7: event superseded. */
  EventSuperseded: 7,
  /** 8: partially opted out. */
  EventPartialOptOut: 8,
  /** 9: partially opted in. */
  EventPartialOptIn: 9,
  /** 10: completed, no user participation. */
  EventCompletedNoUserParticipation: 10,
  /** 11: acknowledged by the user. */
  EventAcknowledge: 11,
  /** 12: not displayed. */
  EventNoDisplay: 12,
  /** 13: event aborted by the server. */
  EventAbortedServer: 13,
  /** 14: event aborted because its program was removed. */
  EventAbortedProgram: 14,
  /** 252: rejected, the event does not apply to this device. */
  EventNotApplicable: 252,
  /** 253: rejected, the event is invalid. */
  EventInvalid: 253,
  /** 254: rejected, the event was received after it had expired. */
  EventExpired: 254,
} as const;

/** One Response `status` value (IEEE 2030.5-2018 Table 27). */
export type ResponseStatusValue = (typeof ResponseStatus)[keyof typeof ResponseStatus];

/**
 * Response statuses that record an end user's choice rather than the device's own progress (IEEE 2030.5-2018
 * Table 27): opt out / opt in, partial opt out / opt in, completed without user participation, acknowledged,
 * not displayed. They are produced only when the user (or the application on the user's behalf) acts.
 */
export const USER_RESPONSE_STATUSES: ReadonlySet<number> = new Set([
  ResponseStatus.EventOptOut,
  ResponseStatus.EventOptIn,
  ResponseStatus.EventPartialOptOut,
  ResponseStatus.EventPartialOptIn,
  ResponseStatus.EventCompletedNoUserParticipation,
  ResponseStatus.EventAcknowledge,
  ResponseStatus.EventNoDisplay,
]);

/**
 * The `responseRequired` bit that gates a Response status (IEEE 2030.5-2018 sep.xsd `RespondableResource`):
 * EventReceived needs bit 0, rejections (252–254) either bit 0 or bit 1, the user responses (4, 5, 8–12)
 * either bit 1 (specific responses) or bit 2 (end-user response required), every other status bit 1.
 */
export function responseAllowed(responseRequired: number, status: number): boolean {
  if (status === ResponseStatus.EventReceived)
    return (responseRequired & ResponseRequiredBit.MessageReceived) !== 0;
  if (status >= ResponseStatus.EventNotApplicable) {
    return (
      (responseRequired & (ResponseRequiredBit.MessageReceived | ResponseRequiredBit.SpecificResponse)) !== 0
    );
  }
  if (USER_RESPONSE_STATUSES.has(status)) {
    return (
      (responseRequired &
        (ResponseRequiredBit.SpecificResponse | ResponseRequiredBit.ResponseRequiredByUser)) !==
      0
    );
  }
  return (responseRequired & ResponseRequiredBit.SpecificResponse) !== 0;
}

/**
 * The `responseRequired` attribute as a number: the model carries HexBinary8 as a lowercase hex string
 * ("03"); numbers are taken as they are. `undefined` gives `fallback` (sep.xsd default "00").
 * Returns `undefined` for a malformed value.
 */
export function parseResponseRequired(
  value: string | number | undefined,
  fallback: number,
): number | undefined {
  if (value === undefined) return fallback;
  if (typeof value === 'number')
    return Number.isInteger(value) && value >= 0 && value <= 0xff ? value : undefined;
  if (!/^[0-9a-fA-F]{1,2}$/.test(value)) return undefined;
  return Number.parseInt(value, 16);
}

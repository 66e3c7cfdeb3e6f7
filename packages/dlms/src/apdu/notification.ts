import type { Reader, Writer } from '@meterkit/core';
import { type DlmsData, readData, writeData } from '../axdr/data.js';
import { type CosemDateTime, readCosemDateTime, writeCosemDateTime } from '../axdr/date-time.js';
import { DlmsErrorCode } from '../errors.js';
import {
  type CosemAttributeDescriptor,
  type DecodeContext,
  type LongInvokeIdAndPriority,
  readAttributeDescriptor,
  readDateTimeOctetString,
  readLongInvokeIdAndPriority,
  readPresence,
  tolerate,
  writeAttributeDescriptor,
  writeDateTimeOctetString,
  writeLongInvokeIdAndPriority,
} from './common.js';

/** Tag of Data-Notification (IEC 62056-5-3 §8, [15]). */
export const DATA_NOTIFICATION_TAG = 0x0f;
/** Tag of Event-Notification-Request (IEC 62056-5-3 §8, [194]). */
export const EVENT_NOTIFICATION_REQUEST_TAG = 0xc2;

/** Data-Notification (IEC 62056-5-3 §8): the push APDU. */
export interface DataNotification {
  readonly type: 'data-notification';
  readonly longInvokeIdAndPriority: LongInvokeIdAndPriority;
  /** date-time OCTET STRING: `null` when empty, else the 12-octet COSEM date-time. */
  readonly dateTime: CosemDateTime | null;
  /** notification-body: data-value. */
  readonly notificationBody: DlmsData;
}

/** Event-Notification-Request (IEC 62056-5-3 §8). */
export interface EventNotificationRequest {
  readonly type: 'event-notification-request';
  /** time OCTET STRING OPTIONAL (a 12-octet date-time when present). */
  readonly time: CosemDateTime | null;
  readonly cosemAttributeDescriptor: CosemAttributeDescriptor;
  readonly attributeValue: DlmsData;
}

/**
 * Decodes a Data-Notification after its tag (IEC 62056-5-3 §8). With the option
 * `taggedNotificationDateTime`, a date-time written as a tagged octet-string (`09 0C` + 12
 * octets, as Kaifa meters do) is accepted and reported in `tolerated`.
 */
export function readDataNotification(r: Reader, ctx: DecodeContext): DataNotification {
  const longInvokeIdAndPriority = readLongInvokeIdAndPriority(r, ctx);
  let dateTime: CosemDateTime | null;
  if (
    ctx.options.taggedNotificationDateTime === true &&
    r.remaining >= 14 &&
    r.buf[r.pos] === 0x09 &&
    r.buf[r.pos + 1] === 0x0c
  ) {
    tolerate(ctx, 'data-notification date-time given as a tagged octet-string (09 0C ...)');
    r.pos += 2;
    dateTime = readCosemDateTime(r, 'data-notification.date-time');
  } else dateTime = readDateTimeOctetString(r, 'data-notification.date-time');
  return { type: 'data-notification', longInvokeIdAndPriority, dateTime, notificationBody: readData(r) };
}

/** Encodes a Data-Notification with its tag (IEC 62056-5-3 §8). */
export function writeDataNotification(w: Writer, a: DataNotification): void {
  w.u8(DATA_NOTIFICATION_TAG);
  writeLongInvokeIdAndPriority(w, a.longInvokeIdAndPriority);
  writeDateTimeOctetString(w, a.dateTime);
  writeData(w, a.notificationBody);
}

/** Decodes an Event-Notification-Request after its tag (IEC 62056-5-3 §8). */
export function readEventNotificationRequest(r: Reader, _ctx: DecodeContext): EventNotificationRequest {
  let time: CosemDateTime | null = null;
  if (readPresence(r, 'event-notification-request.time')) {
    const at = r.pos;
    const n = r.berLength('event-notification-request.time');
    if (n !== 12) {
      r.fail(
        DlmsErrorCode.DateTimeInvalid,
        `time of ${n} octets (12 expected)`,
        'event-notification-request.time',
        at,
      );
    }
    time = readCosemDateTime(r, 'event-notification-request.time');
  }
  const cosemAttributeDescriptor = readAttributeDescriptor(r);
  return { type: 'event-notification-request', time, cosemAttributeDescriptor, attributeValue: readData(r) };
}

/** Encodes an Event-Notification-Request with its tag (IEC 62056-5-3 §8). */
export function writeEventNotificationRequest(w: Writer, a: EventNotificationRequest): void {
  w.u8(EVENT_NOTIFICATION_REQUEST_TAG);
  if (a.time === null) w.u8(0);
  else {
    w.u8(1).u8(12);
    writeCosemDateTime(w, a.time);
  }
  writeAttributeDescriptor(w, a.cosemAttributeDescriptor);
  writeData(w, a.attributeValue);
}

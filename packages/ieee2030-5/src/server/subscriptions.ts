/**
 * Subscription / Notification function set of the test server (IEEE 2030.5-2018 §9 pub/sub, sep.xsd
 * `Subscription`, `Notification`): the subscriptions clients created and the Notifications due to
 * their `notificationURI`s.
 */
import type { SepDocument } from '../http/document.js';
import type { SubscriptionCondition } from './condition.js';

/** A subscription a client created by POSTing a Subscription (IEEE 2030.5-2018 §9). */
export interface SubscriptionRecord {
  /** Href of the Subscription resource (`/edev/1/sub/1`). */
  readonly href: string;
  /** LFDI of the subscriber. */
  readonly lfdi: string | undefined;
  /** The subscribed resource (path, no query: §9 says servers ignore query strings here). */
  readonly subscribedResource: string;
  /** Absolute URI notifications are POSTed to. */
  readonly notificationURI: string;
  /** Most list entries in a notification; 0 = no representation (simple change notification). */
  readonly limit: number;
  /** The Subscription's Condition: notify only for changes bringing a Reading value outside the thresholds (`condition.ts`). */
  readonly condition?: SubscriptionCondition;
}

/** A Notification waiting to be POSTed to a subscriber. */
export interface OutgoingNotification {
  readonly subscription: SubscriptionRecord;
  /** The Notification resource. */
  readonly document: SepDocument;
  /** Its XML (`application/sep+xml`). */
  readonly body: string;
}

/**
 * Notification.status values (sep.xsd `Notification.status`): 0 default, 1 subscription cancelled,
 * 2 cancelled because the resource moved, 3 because its definition changed, 4 because it was deleted.
 */
export const NotificationStatus = {
  Default: 0,
  Cancelled: 1,
  ResourceMoved: 2,
  DefinitionChanged: 3,
  ResourceDeleted: 4,
} as const;

/**
 * The Notification resource for `sub` (sep.xsd `Notification`): `Resource` carries the changed
 * resource (with its sep.xsd type, written as `xsi:type`) unless the subscription's limit is 0
 * for a non-list resource or the notification reports a deletion.
 */
export function notificationFor(
  sub: SubscriptionRecord,
  representation: SepDocument | undefined,
  status: number = NotificationStatus.Default,
): SepDocument {
  return {
    type: 'Notification',
    resource: {
      subscribedResource: sub.subscribedResource,
      ...(representation === undefined ? {} : { Resource: representation }),
      status,
      subscriptionURI: sub.href,
    },
  };
}

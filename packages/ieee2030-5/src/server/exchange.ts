/**
 * The test server's record of every exchange (IEEE 2030.5-2018 §5.5 HTTP binding): each request it
 * answered and each Notification it POSTed, with bodies as text, for lab reports and test checks.
 */

/** One recorded exchange. */
export interface Exchange {
  /** Sequence number, from 1. */
  readonly seq: number;
  /** Server time (TimeType seconds) when it happened. */
  readonly time: number;
  /** `request`: received from a client; `notification`: POSTed by the server to a subscriber. */
  readonly direction: 'request' | 'notification';
  /** The client's LFDI (requests over TLS, or the subscriber's for notifications). */
  readonly lfdi?: string;
  readonly method: string;
  /** Path and query for requests; the notificationURI for notifications. */
  readonly uri: string;
  /** HTTP status returned (0 when a notification could not be delivered). */
  readonly status: number;
  /** sep.xsd type of the request body, when there was one. */
  readonly requestType?: string;
  readonly requestBody?: string;
  /** sep.xsd type of the response body, when there was one. */
  readonly responseType?: string;
  readonly responseBody?: string;
  /** The Location header of a 201. */
  readonly location?: string;
  /** Why the request was refused, for 4xx answers. */
  readonly reason?: string;
}

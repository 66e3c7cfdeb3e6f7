/**
 * Turns a scheduler `EventResponse` into the body of the Response resource to POST to `replyTo`
 * (IEEE 2030.5-2018 Response function set, sep.xsd `DERControlResponse` / `Response`).
 */
import type { EventResponse } from './types.js';

/** The fields of a sep.xsd `Response` / `DERControlResponse`, TimeType as `bigint` like the generated model. */
export interface ResponseResource {
  readonly createdDateTime: bigint;
  readonly endDeviceLFDI: string;
  readonly status: number;
  readonly subject: string;
}

/**
 * The Response resource for `response` (IEEE 2030.5-2018 sep.xsd `Response`): `endDeviceLFDI` is the
 * response's own LFDI if the scheduler was given one, else `endDeviceLFDI` here.
 */
export function toResponseResource(response: EventResponse, endDeviceLFDI?: string): ResponseResource {
  return {
    createdDateTime: BigInt(response.createdDateTime),
    endDeviceLFDI: response.endDeviceLFDI ?? endDeviceLFDI ?? '',
    status: response.status,
    subject: response.subject,
  };
}

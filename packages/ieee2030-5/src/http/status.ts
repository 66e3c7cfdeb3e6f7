/**
 * The HTTP status codes the IEEE 2030.5 HTTP binding uses (IEEE 2030.5-2018 §5.5, RFC 9110 §15):
 * 200 for GET/HEAD, 201 Created with `Location` for POST, 204 for PUT/DELETE and notification
 * receipt, and the client errors a server returns for bad requests.
 */
export const HttpStatus = {
  /** GET/HEAD answered with a representation. */
  Ok: 200,
  /** POST created a resource; `Location` names it. */
  Created: 201,
  /** PUT/DELETE/POST done, no body. */
  NoContent: 204,
  /** Redirect (e.g. the §5.5 non-TLS → TLS redirect of CSIP CORE-002). */
  MovedPermanently: 301,
  /** The request body or query string is malformed. */
  BadRequest: 400,
  /** The client may not access the resource (LFDI-based access control, §6.11). */
  Forbidden: 403,
  /** No such resource (or not visible to this client). */
  NotFound: 404,
  /** The method is not allowed on the resource; `Allow` lists those that are. */
  MethodNotAllowed: 405,
  /** No acceptable representation for the `Accept` header. */
  NotAcceptable: 406,
  /** The request body is larger than the server accepts. */
  ContentTooLarge: 413,
  /** The request `Content-Type` is not `application/sep+xml`. */
  UnsupportedMediaType: 415,
  /** Unexpected server failure. */
  InternalServerError: 500,
} as const;

/** One of the `HttpStatus` codes. */
export type HttpStatusCode = (typeof HttpStatus)[keyof typeof HttpStatus];

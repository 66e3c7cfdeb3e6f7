/**
 * IEEE 2030.5 HTTP binding media types (IEEE 2030.5-2018 §5.4, Annex B): `application/sep+xml`
 * and `application/sep-exi`, and the `Accept` / `Content-Type` checks a server makes before
 * answering 406 Not Acceptable or 415 Unsupported Media Type.
 */

/** The XML representation of 2030.5 resources (IEEE 2030.5-2018 §5.4.1). */
export const SEP_XML = 'application/sep+xml';
/** The EXI representation of 2030.5 resources (IEEE 2030.5-2018 §5.4.1); not produced by meterkit. */
export const SEP_EXI = 'application/sep-exi';

/** The media type of a `Content-Type` header value without parameters, lower-cased. */
export function mediaTypeOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const t = header.split(';', 1)[0]?.trim().toLowerCase();
  return t === '' ? undefined : t;
}

/**
 * Whether an `Accept` header (RFC 9110 §12.5.1) admits `application/sep+xml`: absent, `*\/*`,
 * `application/*` or the type itself, with a q-value above 0.
 */
export function acceptsSepXml(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === '') return true;
  for (const range of accept.split(',')) {
    const [typePart, ...params] = range.split(';');
    const type = (typePart ?? '').trim().toLowerCase();
    if (type !== SEP_XML && type !== '*/*' && type !== 'application/*') continue;
    let q = 1;
    for (const p of params) {
      const [k, v] = p.split('=');
      if (k?.trim().toLowerCase() === 'q') q = Number(v?.trim());
    }
    if (q > 0) return true;
  }
  return false;
}

/** Whether a request `Content-Type` carries a 2030.5 XML body (`application/sep+xml`, any parameters). */
export function isSepXmlContentType(contentType: string | undefined): boolean {
  return mediaTypeOf(contentType) === SEP_XML;
}

/**
 * Recognising IEEE 2030.5 XML (`application/sep+xml`, IEEE 2030.5-2018 §B) among other inputs,
 * e.g. for `meterkit decode --protocol auto`.
 */

const MARKERS = ['urn:ieee:std:2030.5:ns', 'http://ieee.org/2030.5', 'https://csipaus.org/ns'];
const WINDOW = 4096;

/**
 * Whether `input` looks like an IEEE 2030.5 / CSIP-AUS XML document: after an optional BOM and
 * white space it starts with markup, and a 2030.5 or CSIP-AUS namespace is declared within its
 * first 4 KiB. A cheap test; `decodeXml` does the real work.
 */
export function isSepXml(input: string | Uint8Array): boolean {
  let head: string;
  if (typeof input === 'string') head = input.slice(0, WINDOW);
  else head = new TextDecoder('utf-8', { fatal: false }).decode(input.subarray(0, WINDOW));
  let i = head.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (i < head.length && /\s/.test(head.charAt(i))) i++;
  if (head.charAt(i) !== '<') return false;
  return MARKERS.some((m) => head.includes(m));
}

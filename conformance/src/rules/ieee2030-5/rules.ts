import { outcome, pass, type Rule, type RuleOutcome } from '../rule.js';

/** Every 2030.5 XML body decodes as a resource of the schema. */
export const sepDecodeRule: Rule = {
  id: 'SEP-XML-DECODE',
  protocol: 'ieee2030-5',
  statement: 'Every XML body is a well-formed IEEE 2030.5 resource document.',
  clause: 'IEEE 2030.5-2018 §B (sep.xsd), §5.2 (resource representations)',
  scope: 'frame',
  check({ analysed }) {
    const s = analysed.ieee20305;
    if (s === undefined || s.body === '') return undefined;
    if (s.error !== undefined) return outcome('FAIL', s.error.message, s.bodyOffset + (s.error.offset ?? 0));
    return pass(s.bodyOffset);
  },
};

/** Every decoded document follows the schema: required elements present, values in range, order kept. */
export const sepSchemaRule: Rule = {
  id: 'SEP-XML-SCHEMA',
  protocol: 'ieee2030-5',
  statement: 'Every resource document is valid against sep.xsd (required elements, types, ranges, order).',
  clause: 'IEEE 2030.5-2018 Annex B (sep.xsd)',
  scope: 'frame',
  check({ analysed }) {
    const doc = analysed.ieee20305?.document;
    if (doc === undefined) return undefined;
    const first = doc.deviations[0];
    if (first === undefined) return pass(analysed.ieee20305!.bodyOffset);
    return outcome(
      'FAIL',
      `${doc.deviations.length} schema deviation(s), first ${first.name} at ${first.path}: ${first.message}`,
      analysed.ieee20305!.bodyOffset + first.offset,
    );
  },
};

function itemCount(resource: Record<string, unknown>): number | undefined {
  for (const v of Object.values(resource)) if (Array.isArray(v)) return v.length;
  return undefined;
}

/** A list's `results` equals the items it carries and does not exceed `all`. */
export const sepListPagingRule: Rule = {
  id: 'SEP-LIST-PAGING',
  protocol: 'ieee2030-5',
  statement: 'A List resource carries exactly `results` items and `results` is at most `all`.',
  clause: 'IEEE 2030.5-2018 §5.3.2 (List resources, all and results), §5.3.3 (query parameters s, a, l)',
  scope: 'frame',
  check({ analysed }) {
    const s = analysed.ieee20305;
    const r = s?.document?.resource as Record<string, unknown> | undefined;
    if (s === undefined || r === undefined || typeof r.results !== 'number' || typeof r.all !== 'number')
      return undefined;
    const n = itemCount(r) ?? 0;
    if (r.results > r.all) return outcome('FAIL', `results ${r.results} is above all ${r.all}`, s.bodyOffset);
    if (n !== r.results)
      return outcome('FAIL', `results says ${r.results}, the list carries ${n}`, s.bodyOffset);
    return pass(s.bodyOffset);
  },
};

interface HrefState {
  /** Link hrefs and the frame that first named them. */
  readonly links: Map<string, number>;
  /** Link hrefs and the resource type their Link element names (`DERStatusLink` → `DERStatus`). */
  readonly linkTypes: Map<string, string>;
  /** Resource hrefs seen in bodies and paths answered 2xx. */
  readonly present: Set<string>;
  /** Paths answered 404 before the client wrote them (PUT or POST answered 2xx). */
  readonly missing: Set<string>;
  /** Paths answered 404 after the client wrote them. */
  readonly missingAfterWrite: Set<string>;
  /** Paths the client wrote with a PUT or POST answered 2xx. */
  readonly written: Set<string>;
  /** The last request (method and path) per channel. */
  readonly pending: Map<string, { readonly method: string; readonly path: string }>;
}

/**
 * Resource types the client, not the server, populates: the server hosts them and links them, and the
 * client PUTs their content (IEEE 2030.5-2018 Annex A: PUT mandatory on DeviceStatus, PowerStatus,
 * FileStatus, DeviceInformation and the DER's DERCapability, DERSettings, DERStatus, DERAvailability;
 * §10.10: the DER client reports its nameplate ratings, settings, status and availability there; CSIP-AUS
 * ConnectionPoint is likewise written by the client). Until that PUT the server has no representation
 * to return, so a 404 on such a link proves nothing about the server.
 */
const CLIENT_UPDATED = new Set([
  'DERAvailability',
  'DERCapability',
  'DERSettings',
  'DERStatus',
  'ConnectionPoint',
  'DeviceStatus',
  'DeviceInformation',
  'PowerStatus',
  'FileStatus',
]);

function collectLinks(
  v: unknown,
  into: (href: string, linkOf: string | undefined) => void,
  key = '',
  depth = 0,
): void {
  if (depth > 32 || v === null || typeof v !== 'object') return;
  if (Array.isArray(v)) {
    for (const x of v) collectLinks(x, into, key, depth + 1);
    return;
  }
  const o = v as Record<string, unknown>;
  if (typeof o.href === 'string') {
    const local = key.slice(key.indexOf(':') + 1);
    into(o.href, local.endsWith('Link') ? local.slice(0, -4) : undefined);
  }
  for (const [k, x] of Object.entries(o)) collectLinks(x, into, k, depth + 1);
}

const pathOf = (href: string): string => {
  const q = href.indexOf('?');
  return q < 0 ? href : href.slice(0, q);
};

/**
 * Every link in the capture names a resource the server has: fetched with success, never with 404. A
 * 404 on a link to a client-updated resource (see `CLIENT_UPDATED`) before the client has written it is
 * INCONCLUSIVE; after the client's PUT or POST it is a FAIL like any other.
 */
export const sepHrefRule: Rule<HrefState> = {
  id: 'SEP-HREF-RESOLVE',
  protocol: 'ieee2030-5',
  statement: 'Every Link href resolves to a resource of the server (never answered 404 in the capture).',
  clause:
    'IEEE 2030.5-2018 §5.2.3 (links and href), §8.3 (DeviceCapability discovery), Annex A (client-updated resources)',
  scope: 'session',
  createState: () => ({
    links: new Map(),
    linkTypes: new Map(),
    present: new Set(),
    missing: new Set(),
    missingAfterWrite: new Set(),
    written: new Set(),
    pending: new Map(),
  }),
  check({ analysed, state }) {
    const s = analysed.ieee20305;
    if (s === undefined) return undefined;
    const ch = analysed.message.channel;
    const req = s.startLine === undefined ? undefined : /^([A-Z]+) (\S+) HTTP/.exec(s.startLine);
    if (req !== null && req !== undefined) state.pending.set(ch, { method: req[1]!, path: pathOf(req[2]!) });
    const status = s.startLine === undefined ? undefined : /^HTTP\/1\.[01] (\d{3})/.exec(s.startLine);
    if (status !== null && status !== undefined) {
      const sent = state.pending.get(ch);
      state.pending.delete(ch);
      if (sent !== undefined) {
        const code = Number(status[1]);
        if (code === 404)
          (state.written.has(sent.path) ? state.missingAfterWrite : state.missing).add(sent.path);
        else if (code >= 200 && code < 300) {
          state.present.add(sent.path);
          if (sent.method === 'PUT' || sent.method === 'POST') state.written.add(sent.path);
        }
      }
    }
    if (s.document !== undefined) {
      collectLinks(s.document.resource, (href, linkOf) => {
        const path = pathOf(href);
        if (linkOf === undefined) state.present.add(path);
        else if (!state.links.has(path)) {
          state.links.set(path, analysed.message.frame);
          state.linkTypes.set(path, linkOf);
        }
      });
    }
    return undefined;
  },
  finish(state) {
    const out: RuleOutcome[] = [];
    for (const [href, frame] of state.links) {
      const type = state.linkTypes.get(href) ?? '';
      if (state.missingAfterWrite.has(href))
        out.push(
          outcome('FAIL', `link ${href} was answered 404 after the client wrote it`, undefined, frame),
        );
      else if (state.missing.has(href) && !CLIENT_UPDATED.has(type))
        out.push(outcome('FAIL', `link ${href} was answered 404`, undefined, frame));
      else if (state.present.has(href)) out.push({ verdict: 'PASS', frame });
      else if (state.missing.has(href))
        out.push(
          outcome(
            'INCONCLUSIVE',
            `link ${href} to the client-updated ${type} was answered 404 before the client wrote it (PUT)`,
            undefined,
            frame,
          ),
        );
      else out.push(outcome('INCONCLUSIVE', `link ${href} is not fetched in the capture`, undefined, frame));
    }
    return out;
  },
};

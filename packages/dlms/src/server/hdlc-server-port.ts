/**
 * The server end of an HDLC line (IEC 62056-46) as a sans-IO router: frames in; an SNRM addressed
 * to this logical device (upper address) and physical device (lower address) from a client SAP
 * with an association opens an `HdlcLink` in the server role with a fresh session; complete APDUs
 * from the link go to the session and its answers back through the link (segmented and windowed
 * as negotiated). When the session has nothing to answer (a streaming general-block-transfer
 * block, an unconfirmed service), the poll goes back with RR. A client SAP without an association
 * gets DM. DISC, or an SNRM from another client, ends the session.
 */
import type { HdlcAddress } from '../hdlc/address.js';
import { HdlcDeframer } from '../hdlc/deframer.js';
import { encodeHdlcFrame } from '../hdlc/frame.js';
import { HdlcLink } from '../session/hdlc-link.js';
import type { DlmsServerSession } from './server-session.js';
import type { ServerSessionFactory } from './session-factory.js';

/** Options of the HDLC server port. IEC 62056-46 §6.4. */
export interface HdlcServerPortOptions {
  /** Largest information field the server sends and accepts (default 128). */
  readonly maxInfoLength?: number | undefined;
  /** Window size the server accepts (default 1). */
  readonly window?: number | undefined;
}

function same(a: HdlcAddress, b: HdlcAddress): boolean {
  return a.upper === b.upper && (a.lower ?? -1) === (b.lower ?? -1);
}

/** One line's HDLC router (see the module comment). IEC 62056-46 §6.4. */
export class HdlcServerPort {
  private readonly factory: ServerSessionFactory;
  private readonly options: HdlcServerPortOptions;
  private readonly deframer = new HdlcDeframer({ llc: false });
  private link: HdlcLink | undefined;
  private session: DlmsServerSession | undefined;
  private local: HdlcAddress | undefined;
  private remote: HdlcAddress | undefined;

  constructor(factory: ServerSessionFactory, options: HdlcServerPortOptions = {}) {
    this.factory = factory;
    this.options = options;
  }

  /** True while a client holds a link. */
  get connected(): boolean {
    return this.link?.state === 'connected';
  }

  /** Bytes from the line; returns the bytes to write back. */
  receive(bytes: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const item of this.deframer.push(bytes)) {
      if (item.type !== 'frame') continue;
      const f = item.frame;
      const raw = f.raw;
      if (raw === undefined) continue;
      if (
        this.link !== undefined &&
        this.local !== undefined &&
        this.remote !== undefined &&
        same(f.destination, this.local) &&
        same(f.source, this.remote)
      ) {
        this.link.receive(raw);
      } else if (f.type === 'snrm' && this.forUs(f.destination)) {
        this.end();
        const session = this.factory.createSession(f.source.upper, f.destination.upper);
        if (session === undefined) {
          out.push(
            encodeHdlcFrame({ type: 'dm', destination: f.source, source: f.destination, pollFinal: true }),
          );
          continue;
        }
        const max = this.options.maxInfoLength ?? 128;
        const window = this.options.window ?? 1;
        this.link = new HdlcLink({
          role: 'server',
          localAddress: f.destination,
          remoteAddress: f.source,
          capabilities: {
            maxInfoFieldLengthTransmit: max,
            maxInfoFieldLengthReceive: max,
            windowSizeTransmit: window,
            windowSizeReceive: window,
          },
        });
        this.session = session;
        this.local = f.destination;
        this.remote = f.source;
        this.link.receive(raw);
      } else if (f.pollFinal && this.forUs(f.destination) && f.type !== 'ui') {
        // a command for us without a link: disconnected mode
        out.push(
          encodeHdlcFrame({ type: 'dm', destination: f.source, source: f.destination, pollFinal: true }),
        );
      }
      this.drain(out);
    }
    return out;
  }

  private forUs(a: HdlcAddress): boolean {
    return (
      a.upper === this.factory.logicalDevice &&
      (a.lower === undefined || a.lower === this.factory.physicalAddress)
    );
  }

  private drain(out: Uint8Array[]): void {
    const link = this.link;
    if (link === undefined) return;
    let silent = false;
    for (let e = link.nextEvent(); e !== undefined; e = link.nextEvent()) {
      if (e.type === 'apdu' && this.session !== undefined) {
        const answers = this.session.handle(e.apdu);
        silent = answers.length === 0;
        for (const answer of answers) {
          if (link.state === 'connected') link.send(answer);
        }
      } else if (e.type === 'disconnected') {
        this.session?.abort();
        this.session = undefined;
      }
    }
    // an APDU that needs no answer (a streaming GBT block, an unconfirmed service): give the poll
    // back so that the client may send on (IEC 62056-46 §6.4.3)
    if (silent && link.state === 'connected') link.releasePoll();
    for (let b = link.nextOutput(); b !== undefined; b = link.nextOutput()) out.push(b);
    if (link.state === 'disconnected') this.end();
  }

  private end(): void {
    this.session?.abort();
    this.session = undefined;
    this.link = undefined;
    this.local = undefined;
    this.remote = undefined;
  }

  /** The line went away. */
  close(): void {
    this.end();
  }
}

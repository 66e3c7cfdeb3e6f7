import { ErrorCode, MeterkitError } from '../errors.js';
import {
  type CaptureDirection,
  type CaptureEndpoint,
  checkPort,
  DEFAULT_CLIENT_ENDPOINT,
  DEFAULT_SERVER_ENDPOINT,
  parseIpv4Address,
} from './endpoint.js';
import { LinkType } from './format.js';
import type { CaptureRecordOptions } from './tcp-stream-recorder.js';
import { buildUdpPacket } from './udp-datagram.js';
import type { PcapngWriter } from './writer.js';

/** How a `UdpRecorder` addresses its datagrams. */
export interface UdpRecorderOptions {
  /** Default 127.0.0.1:50000. */
  readonly client?: CaptureEndpoint;
  /** Default 127.0.0.1:4059 (use 1153 for C12.22 over UDP). */
  readonly server?: CaptureEndpoint;
  /** An existing LINKTYPE_RAW interface of the writer; by default the recorder adds its own. */
  readonly interfaceId?: number;
  /** if_name of the interface the recorder adds. */
  readonly interfaceName?: string;
  /** if_description of the interface the recorder adds. */
  readonly interfaceDescription?: string;
}

/**
 * Records datagrams as synthetic IPv4/UDP packets (RFC 791, RFC 768) in a pcapng file, one packet
 * per `record`, checksums correct. A payload must fit one unfragmented packet (65507 bytes).
 */
export class UdpRecorder {
  private readonly writer: PcapngWriter;
  private readonly interfaceId: number;
  private readonly client: { address: Uint8Array; port: number };
  private readonly server: { address: Uint8Array; port: number };
  private readonly ipId = { client: 1, server: 1 };

  constructor(writer: PcapngWriter, options: UdpRecorderOptions = {}) {
    const client = options.client ?? DEFAULT_CLIENT_ENDPOINT;
    const server = options.server ?? DEFAULT_SERVER_ENDPOINT;
    this.client = { address: parseIpv4Address(client.address), port: checkPort(client.port) };
    this.server = { address: parseIpv4Address(server.address), port: checkPort(server.port) };
    this.writer = writer;
    this.interfaceId =
      options.interfaceId ??
      writer.addInterface({
        linkType: LinkType.RAW,
        name: options.interfaceName ?? 'udp',
        description:
          options.interfaceDescription ??
          `meterkit UDP ${client.address}:${client.port} <-> ${server.address}:${server.port}`,
      });
    const iface = writer.interfaceList[this.interfaceId];
    if (iface === undefined || iface.linkType !== LinkType.RAW) {
      throw new MeterkitError(ErrorCode.InvalidArgument, `interface ${this.interfaceId} is not LINKTYPE_RAW`);
    }
  }

  /** Records one datagram sent in `direction` at `time` (ns since the Unix epoch). */
  record(
    direction: CaptureDirection,
    bytes: Uint8Array,
    time: bigint,
    options: CaptureRecordOptions = {},
  ): void {
    const toServer = direction === 'client-to-server';
    const [from, to] = toServer ? [this.client, this.server] : [this.server, this.client];
    const identification = toServer ? this.ipId.client : this.ipId.server;
    const packet = buildUdpPacket(
      {
        source: from.address,
        destination: to.address,
        sourcePort: from.port,
        destinationPort: to.port,
        identification,
      },
      bytes,
    );
    if (toServer) this.ipId.client = (identification + 1) & 0xffff;
    else this.ipId.server = (identification + 1) & 0xffff;
    this.writer.writePacket(
      this.interfaceId,
      time,
      packet,
      options.comment === undefined ? {} : { comment: options.comment },
    );
  }
}

/**
 * Real frames, APDUs and documents that `meterkit demo` decodes, copied from the project's vectors
 * (facts, with their ids and sources). Keys are the ones published with each capture.
 */
import type { ProtocolName } from '../decode/protocol-decoder.js';

/** One built-in sample. */
export interface DemoSample {
  readonly id: string;
  readonly protocol: ProtocolName;
  readonly source: string;
  /** Bytes as hex (binary protocols). */
  readonly hex?: string;
  /** Document text (2030.5). */
  readonly xml?: string;
  /** Keys published with the capture, by decode key name (`ek`, `ak`, `c1222:0`). */
  readonly keys?: Readonly<Record<string, string>>;
}

/** The samples, in the order the demo shows them. */
export const DEMO_SAMPLES: readonly DemoSample[] = [
  {
    id: 'ams-kaifa-gh180-1',
    protocol: 'dlms',
    source: 'UtilitechAS/amsreader-firmware:test/payloads/kaifa/gh180-1.hex',
    hex: '7ea027010201105a87e6e7000f40000000090c07e60102070e2512ff80000002010600001015f5ff7e',
  },
  {
    id: 'dlmscosem-udp-gen-glo-01',
    protocol: 'dlms',
    source: 'u9n/dlms-cosem:tests/test_udp_message.py (data_examples_encrypted_data_nofication[0])',
    hex: '0001000100010046db082f192291991641033b30000001e5025ce9d2271fd78be8c204211a916a9d7f587e0a7a814cadea89e9593f01f92ea8c087b5bdfdefeab6becf282dfe49c08f5be6dc8400',
    keys: {
      ek: '4d5944554d4d59474c4f42414c4b4559',
      ak: '4d5944554d4d59474c4f42414c4b4559',
    },
  },
  {
    id: 'issue-dlmscosem-95-aarq-lls',
    protocol: 'dlms',
    source: 'u9n/dlms-cosem issue #95 (debug log, sent data)',
    hex: '7ea05300022c290354c38be6e6006042a109060760857405080101a60a0408757469c82e8c37848a0207808b0760857405080201ac0a80083132333435363738be10040e01000000065f1f040000521d00efb92f7e',
  },
  {
    id: 'c1222-icsnpp-read-resp',
    protocol: 'c1222',
    source: 'parsitects/icsnpp-c1222:testing/traces/c1222_rw_service_tcp.pcap (frame 5, TCP payload)',
    hex: '603ba20a06082b06010401828563a611060f2b060104018285638e7f85f1c24e00a806020413e81421be122810810e800c000008746573746461746100',
  },
  {
    id: 'c1222-from-eaxprime-vector-1',
    protocol: 'c1222',
    source:
      "derived: EAX' Cipher Mode (May 2011) test vector 1 as reproduced in chandangeek/Connexo_Code (EnergyICT EAXPrimeEncoderTest.java); APDU reassembled from the canonified cleartext",
    hex: '6053a20c060a607c86f7540116001702a60d060b607c86f754011600178211a703020104a803020102ac0fa20da00ba109800102810448e99388be19281781159a4031cc957d4edf9a357f3db0fa9fe8386555c029',
    keys: {
      'c1222:2': '01020304050607080102030405060708',
    },
  },
  {
    id: 'c1218-read-st1-resp',
    protocol: 'c1218',
    source:
      'constructed in this research from the service layouts in rsmusllp/termineter:lib/c1218/data.py; CRC computed with CRC-16/X-25 (verified against the Itron ident example); ST1 payload taken from the decrypted response in parsitects/icsnpp-c1222:testing/traces/c1222overIPv4.cap',
    hex: 'ee000000002400002045452020413352202020202002000306202020202020202031323334353637382152c9',
  },
  {
    id: 'ieee-annexc-01',
    protocol: 'ieee2030-5',
    source: 'bsgip/envoy:tests/data/sep2_xml/device_capability/devicecapability.xml',
    xml: '<!-- IEEE Std 2030.5-2018 Table C.5 Step 11 Example Server Response from GET /dcap -->\n<!-- Not implemented -->\n<!-- <DeviceCapability href="/dcap" xmlns="urn:ieee:std:2030.5:ns">\n    <DemandResponseProgramListLink all="1" href="/drp"/>\n    <MessagingProgramListLink all="2" href="/msg"/>\n    <EndDeviceListLink all="1" href="/edev"/>\n    <SelfDeviceLink href="/sdev"/>\n</DeviceCapability> -->\n\n<!-- Our DeviceCapability only supports EndDeviceListLink and MirrorUsagePointListLink\nand doesn\'t support SelfDeviceLink nor the Links/ListLinks that are part of FunctionSetAssignementsBase\nThe above example is reduced to the example below-->\n<DeviceCapability href="/dcap" xmlns="urn:ieee:std:2030.5:ns">\n    <EndDeviceListLink all="1" href="/edev"/>\n</DeviceCapability>',
  },
];

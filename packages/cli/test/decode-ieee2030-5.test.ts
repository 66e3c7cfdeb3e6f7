import t from 'tap';
import { runCli } from '../src/index.js';
import { captureIo } from './helpers.js';

const DCAP =
  '<DeviceCapability xmlns="urn:ieee:std:2030.5:ns" href="/dcap"><EndDeviceListLink href="/edev" all="1"/></DeviceCapability>';

t.test('decode 2030.5 XML from stdin: tree and JSON', async (t) => {
  const io = captureIo({ stdin: new TextEncoder().encode(DCAP) });
  t.equal(await runCli(['decode', '-'], io), 0);
  t.match(io.stdout(), /^ieee2030-5\n {2}document\n {4}type: xml\n {4}element: DeviceCapability/);
  t.match(io.stdout(), /EndDeviceListLink:\n\s+all: 1\n\s+href: \/edev/);
  const json = captureIo({ stdin: new TextEncoder().encode(DCAP) });
  t.equal(await runCli(['decode', '--json', '-'], json), 0);
  const doc = JSON.parse(json.stdout()) as {
    protocol: string;
    layers: { layer: string; value: { type: string; href?: string } }[];
  };
  t.equal(doc.protocol, 'ieee2030-5');
  t.same(
    doc.layers.map((l) => l.layer),
    ['document', 'resource'],
  );
  t.equal(doc.layers[1]?.value.type, 'DeviceCapability');
  t.equal(doc.layers[1]?.value.href, '/dcap');
});

t.test('lenient by default with notes, --strict rejects', async (t) => {
  const wrongOrder =
    '<EndDevice xmlns="urn:ieee:std:2030.5:ns" href="/edev/1"><lFDI>3E4F45AB31EDFE5B67E343E5E4562E31984E23E5</lFDI><sFDI>167261211391</sFDI></EndDevice>';
  const lenient = captureIo({ stdin: new TextEncoder().encode(wrongOrder) });
  t.equal(await runCli(['decode', '-'], lenient), 0);
  t.match(lenient.stdout(), /note: tolerated /);
  const strict = captureIo({ stdin: new TextEncoder().encode(wrongOrder) });
  t.equal(await runCli(['decode', '--strict', '-'], strict), 1);
  t.match(strict.stderr(), /^meterkit: E2\d\d /);
  const hostile = captureIo({ stdin: new TextEncoder().encode('<!DOCTYPE x [<!ENTITY a "b">]><Time/>') });
  t.equal(await runCli(['decode', '-'], hostile), 1);
  t.match(hostile.stderr(), /^meterkit: E2\d\d /);
});

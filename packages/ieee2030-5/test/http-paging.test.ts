import fc from 'fast-check';
import t from 'tap';
import { acceptsSepXml, isSepXmlContentType, mediaTypeOf, SEP_XML } from '../src/http/media.js';
import { formatListQuery, pageList, pageQueries, parseListQuery } from '../src/http/paging.js';

t.test('parseListQuery: s, a, l with their defaults (IEEE 2030.5 §5.5.3)', async (t) => {
  const table: [string, { start: number; limit: number; after?: number }][] = [
    ['', { start: 0, limit: 1 }],
    ['?s=0&l=10', { start: 0, limit: 10 }],
    ['s=5', { start: 5, limit: 1 }],
    ['l=24', { start: 0, limit: 24 }],
    ['s=2&a=1700000000&l=3', { start: 2, after: 1700000000, limit: 3 }],
    ['l=1000', { start: 0, limit: 255 }],
    ['l=0', { start: 0, limit: 0 }],
    ['foo=bar&s=1', { start: 1, limit: 1 }],
  ];
  for (const [q, expected] of table) t.same(parseListQuery(q), expected, q);
  t.same(parseListQuery('', { defaultLimit: 10, maxLimit: 20 }), { start: 0, limit: 10 });
  t.same(parseListQuery(new URLSearchParams('l=50'), { maxLimit: 20 }), { start: 0, limit: 20 });
  for (const bad of ['s=-1', 's=x', 'l=1.5', 'a=', 's=1&s=2', 'l=0x10', 's=1234567890123456']) {
    t.throws(() => parseListQuery(bad), { code: 207 }, bad);
  }
});

t.test('pageList arithmetic', async (t) => {
  const items = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const table: [number, number, number[]][] = [
    [0, 1, [0]],
    [0, 3, [0, 1, 2]],
    [8, 5, [8, 9]],
    [10, 5, []],
    [42, 5, []],
    [3, 0, []],
    [9, 1, [9]],
  ];
  for (const [start, limit, expected] of table) {
    const p = pageList(items, { start, limit });
    t.same(p.items, expected, `s=${start} l=${limit}`);
    t.equal(p.all, 10);
    t.equal(p.results, expected.length);
  }
  // `a` keeps the entries at or after the time; entries without one stay.
  const timed = [{ t: 100 }, { t: 200 }, {}, { t: 300 }];
  const p = pageList(timed, { start: 0, limit: 10, after: 200 }, (x: { t?: number }) => x.t);
  t.same(p.items, [{ t: 200 }, {}, { t: 300 }]);
  t.equal(p.all, 4, 'all counts the whole list');
  t.same(pageList(timed, { start: 1, limit: 1, after: 250 }, (x: { t?: number }) => x.t).items, [{ t: 300 }]);
  t.same(pageList(timed, { start: 0, limit: 9, after: 1 }).items.length, 4, 'no time function: a ignored');
});

t.test('pageQueries and formatListQuery', async (t) => {
  t.same(pageQueries(0, 5), []);
  t.same(pageQueries(11, 5), [
    { start: 0, limit: 5 },
    { start: 5, limit: 5 },
    { start: 10, limit: 5 },
  ]);
  t.throws(() => pageQueries(3, 0), { code: 600 });
  t.equal(formatListQuery({ start: 2, limit: 3 }), 's=2&l=3');
  t.equal(formatListQuery({ start: 0, after: 9, limit: 1 }), 's=0&a=9&l=1');
});

t.test('property: paging through a list visits every entry exactly once', async (t) => {
  fc.assert(
    fc.property(fc.array(fc.integer(), { maxLength: 60 }), fc.integer({ min: 1, max: 20 }), (items, size) => {
      const seen: number[] = [];
      for (const q of pageQueries(items.length, size)) {
        const page = pageList(items, parseListQuery(formatListQuery(q), { maxLimit: 255 }));
        if (page.results > size || page.all !== items.length) return false;
        seen.push(...page.items);
      }
      return seen.length === items.length && seen.every((v, i) => Object.is(v, items[i]));
    }),
    { numRuns: 300 },
  );
  t.pass('paging property holds');
});

t.test('media types (application/sep+xml)', async (t) => {
  t.equal(SEP_XML, 'application/sep+xml');
  const accept: [string | undefined, boolean][] = [
    [undefined, true],
    ['', true],
    ['application/sep+xml', true],
    ['application/sep-exi; level=-S1, application/sep+xml; level=-S1', true],
    ['*/*', true],
    ['application/*;q=0.5', true],
    ['application/sep+xml;q=0', false],
    ['application/json', false],
    ['text/html, application/sep-exi', false],
  ];
  for (const [h, ok] of accept) t.equal(acceptsSepXml(h), ok, String(h));
  t.ok(isSepXmlContentType('application/sep+xml; charset=utf-8'));
  t.ok(isSepXmlContentType('Application/SEP+XML'));
  t.notOk(isSepXmlContentType('application/xml'));
  t.notOk(isSepXmlContentType(undefined));
  t.equal(mediaTypeOf(' ; x'), undefined);
});

/** Report forms derived from the JSON master report. */
export { escapeHtml, toHtml } from './html.js';
export { escapeXml, toJUnit } from './junit.js';
export { toTap } from './tap.js';

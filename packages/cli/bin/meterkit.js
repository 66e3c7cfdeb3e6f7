#!/usr/bin/env node
// The installed `meterkit` command: runs the built CLI (npm run build first when working from a checkout;
// `npm run meterkit -- <args>` runs it from source).
import '../dist/main.js';

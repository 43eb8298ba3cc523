#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm ci` via the prepare script).
import('../dist/cli/main.js')
  .then((m) => m.run(process.argv))
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });

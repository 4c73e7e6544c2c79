#!/usr/bin/env node
// Thin launcher so `npx ballast` and `npm start` run the compiled CLI.
import('../dist/server/cli/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/server')) {
    console.error('Ballast is not built yet: run `npm run build` (npm install does this automatically).');
    process.exit(1);
  }
  throw err;
});

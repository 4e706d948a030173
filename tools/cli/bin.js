#!/usr/bin/env node
// The `strata` command (package.json "bin"): loads the TypeScript CLI through @swc-node/register,
// with the workspace's tsconfig so that the @strata/* paths resolve from any directory.
'use strict';
const { join } = require('node:path');
process.env.SWC_NODE_PROJECT = process.env.SWC_NODE_PROJECT || join(__dirname, '..', '..', 'tsconfig.json');
require('@swc-node/register');
// `strata inspect ... | head` closes the pipe early: that is not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
require('./strata.ts')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });

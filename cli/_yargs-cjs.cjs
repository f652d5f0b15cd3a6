// yargs's CommonJS build for the agent bundle. Its ES module build breaks help text mid-word
// (yargs/yargs#2112). cli/main.ts loads the CommonJS build with createRequire, which esbuild
// leaves to run time (the bundle would then need node_modules); a require() in a CommonJS file
// is resolved with the "require" condition and bundled.
module.exports = require('yargs/yargs');

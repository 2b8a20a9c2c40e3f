// The real model worker, plus a listener that kills the thread when asked to analyse the text "die".
const { parentPort } = require('worker_threads');
parentPort.on('message', (m) => {
  if (m && m.request && m.request.text === 'die') process.exit(7);
});
require('../../dist/worker.js');

// Preloaded by a test into a `taglane serve` it spawns (`NODE_OPTIONS=--import=<this file>`),
// never by the CLI itself: on SIGUSR2 it ends the worker threads the process started, so the
// test can check what serve does when its embedded SQS and DynamoDB go. Signals reach only the
// process, and the Worker objects are serve's own, so this keeps a list of them as they are made.
// TAGLANE_TEST_THREAD_DEATH says how the threads end:
//   terminate  Worker#terminate(): the thread stops where it is (exit code 1, no error)
//   throw      a message the worker cannot read: its handler throws and the thread dies of it
// Plain JavaScript: it runs before bin/taglane.js registers tsx.
import { syncBuiltinESMExports } from 'node:module';
import threads from 'node:worker_threads';

if (threads.isMainThread) {
  const started = [];
  const Original = threads.Worker;
  threads.Worker = class extends Original {
    constructor(...args) {
      super(...args);
      started.push(this);
    }
  };
  // So `import { Worker } from 'node:worker_threads'` in the CLI's modules gets the class above.
  syncBuiltinESMExports();
  process.on('SIGUSR2', () => {
    for (const worker of started) {
      if (process.env.TAGLANE_TEST_THREAD_DEATH === 'throw') worker.postMessage(null);
      else void worker.terminate();
    }
  });
}

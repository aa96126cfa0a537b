// A target exported only when the module runs as the main program: a child, which loads the
// module anew, cannot find it. The child must say which module and export it looked for, and
// the program must go on.
const { Pool, Process } = require('multiproc');

function work() {}

function square(x) {
  return x * x;
}
module.exports = { square };

if (require.main === module) {
  module.exports.work = work;
  (async () => {
    const p = new Process({ target: work });
    p.start();
    await p.join();
    console.log(`Process exitCode ${p.exitCode}`);
    const pool = new Pool(1);
    try {
      await pool.apply(work);
    } catch (error) {
      console.log(`Pool task ${error.name}: ${error.message}`);
    }
    console.log(`then ${await pool.apply(square, [7])}`);
    pool.terminate();
    await pool.join();
  })();
}

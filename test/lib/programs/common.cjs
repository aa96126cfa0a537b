const { Process, currentProcess } = require('multiproc');

function hello(who) {
  console.log(`hello ${who} from ${currentProcess().name}`);
}
module.exports = { hello };

if (require.main === module) {
  const p = new Process({ target: hello, args: ['cjs'] });
  p.start();
  p.join().then(() => console.log(`exitCode ${p.exitCode}`));
}

// The child of the raw Node round-trip baseline: sends back every message; exits on null.
process.on('message', (msg) => {
  if (msg === null) process.disconnect();
  else process.send(msg);
});

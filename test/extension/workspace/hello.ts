// A file for the extension tests' workspace: multiproc.run is offered on TypeScript files.
console.log('hello from the multiproc test workspace');

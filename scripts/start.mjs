// `npm start`: serves a VS Code (code-server from .test-host/) on 127.0.0.1 with the packaged
// extension installed and examples/ open. PORT sets the port (default 8080). Runs until Ctrl-C.
// User data and extensions live in .cache/start/ (git-ignored), so it never touches ~/.config.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const HOST = path.join(ROOT, '.test-host');
const NODE24 = path.join(HOST, 'node24/bin/node');
const CS_ENTRY = path.join(HOST, 'cs/node_modules/code-server/out/node/entry.js');
const STATE = path.join(ROOT, '.cache/start');
const VSIX = path.join(ROOT, 'dist/multiproc.vsix');
const port = Number(process.env.PORT || 8080);
const folder = path.join(ROOT, 'examples');

function step(what, cmd, args, opts = {}) {
  console.log(`[start] ${what}`);
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    console.error(`[start] ${what} failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error(`[start] bad PORT: ${process.env.PORT}`);
  process.exit(1);
}
if (!fs.existsSync(NODE24) || !fs.existsSync(CS_ENTRY)) {
  step('installing the test host (scripts/setup-test-host.sh)', 'bash', ['scripts/setup-test-host.sh']);
}
step('building and packaging (npm run package)', process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'package']);

const xdg = (k) => path.join(STATE, 'xdg', k);
const env = {
  ...process.env,
  XDG_CONFIG_HOME: xdg('config'), XDG_DATA_HOME: xdg('data'), XDG_CACHE_HOME: xdg('cache'),
  EXTENSIONS_GALLERY: '{}',
};
const userData = path.join(STATE, 'user-data');
const extensions = path.join(STATE, 'extensions');
fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
fs.mkdirSync(folder, { recursive: true });
const settings = path.join(userData, 'User/settings.json');
if (!fs.existsSync(settings)) {
  fs.writeFileSync(settings, JSON.stringify({
    'workbench.startupEditor': 'none',
    'chat.disableAIFeatures': true,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'update.mode': 'none',
    'telemetry.telemetryLevel': 'off',
    'security.workspace.trust.enabled': false,
    // examples/ sits inside the repository: no prompt to open the parent repository.
    'git.openRepositoryInParentFolders': 'never',
  }, null, 2));
}
const common = ['--user-data-dir', userData, '--extensions-dir', extensions];
step('installing the extension into code-server', NODE24, [CS_ENTRY, ...common, '--force', '--install-extension', VSIX], { env });

const cfg = path.join(STATE, 'config.yaml');
fs.writeFileSync(cfg, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
const server = spawn(NODE24, [CS_ENTRY, '--config', cfg, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none',
  '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override',
  ...common, folder], { env, stdio: ['ignore', 'pipe', 'inherit'] });
server.stdout.on('data', (d) => {
  process.stdout.write(d);
  if (/HTTP server listening on/.test(d.toString())) {
    console.log(`\n[start] VS Code with multiproc: http://127.0.0.1:${port}/?folder=${encodeURIComponent(folder)}\n[start] Ctrl-C stops it.`);
  }
});
const stop = (sig) => { if (server.exitCode === null) server.kill(sig); };
process.on('SIGINT', () => stop('SIGTERM'));
process.on('SIGTERM', () => stop('SIGTERM'));
server.on('exit', (code, signal) => process.exit(signal ? 0 : (code ?? 0)));

// The idle child of the raw Node memory baselines: marks itself ready, then idles.
import { writeFileSync } from 'node:fs';

writeFileSync(process.argv[2], '');
setInterval(() => {}, 1 << 30);

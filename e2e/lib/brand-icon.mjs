// Writes the branded run's icon (a 64×64 PNG: a white diamond on teal) to the path given,
// for run.sh's second verifyd (--business-icon).
import { writeFileSync } from 'node:fs';
import { png } from './harness.mjs';

const out = process.argv[2];
if (!out) throw new Error('usage: node brand-icon.mjs <out.png>');
writeFileSync(
  out,
  png(64, 64, (x, y) => (Math.abs(x - 31.5) + Math.abs(y - 31.5) < 20 ? [255, 255, 255] : [0, 110, 120])),
);

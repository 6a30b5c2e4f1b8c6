// check-compose-shape.mjs — what compose.yaml must describe, read from `docker-compose config`
// output (merge keys applied, variables interpolated):
//   node check-compose-shape.mjs --modules DIR/node_modules --resolved FILE --root REPO
// 3 zeren instances that wait for the one-shot migration (as the owner), run read-only without
// capabilities, and set every served ZEREN_* setting and no unknown one; the balancer, the
// pooler, the primary and a pg_basebackup replica; every secret from a file.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const argv = process.argv.slice(2);
const arg = (n) => argv[argv.indexOf(`--${n}`) + 1];
const require = createRequire(path.join(path.resolve(arg('modules')), 'noop.js'));
const YAML = require('yaml');
const root = arg('root');
const c = YAML.parse(fs.readFileSync(arg('resolved'), 'utf8'));
const s = c.services ?? {};
const bad = [];

const zeren = Object.keys(s).filter((n) => /^zeren-\d+$/.test(n));
if (zeren.length !== 3) bad.push(`want 3 zeren instances, have ${zeren.length}`);
for (const n of zeren) {
	if (s[n].depends_on?.migrate?.condition !== 'service_completed_successfully') bad.push(`${n} does not wait for migrate to complete`);
	if (!s[n].read_only || !(s[n].cap_drop ?? []).includes('ALL')) bad.push(`${n} must be read_only with all capabilities dropped`);
}
if (!s.migrate) bad.push('missing service migrate');
else {
	if (!/user=zeren_owner\b/.test(s.migrate.environment?.ZEREN_DATABASE_URL ?? '')) bad.push('migrate must connect as zeren_owner');
	if (JSON.stringify(s.migrate.command) !== '["migrate"]') bad.push('migrate must run `zeren migrate`');
	if (s.migrate.restart && s.migrate.restart !== 'no') bad.push('migrate must not restart');
}
for (const k of ['haproxy', 'pgbouncer', 'postgres-primary', 'postgres-replica']) if (!s[k]) bad.push(`missing service ${k}`);
const replica = fs.readFileSync(path.join(root, 'deploy/compose/postgres/replica-entrypoint.sh'), 'utf8');
if (!/pg_basebackup/.test(replica)) bad.push('the replica must start from pg_basebackup');
for (const [k, v] of Object.entries(c.secrets ?? {})) if (!v.file) bad.push(`secret ${k} must come from a file`);

// Settings: served by service/config.c or planned in deploy/README.md; NAME_FILE stands for NAME.
const served = [...fs.readFileSync(path.join(root, 'service/config.c'), 'utf8').matchAll(/\{"(ZEREN_[A-Z0-9_]+)"/g)].map((m) => m[1]);
const block = fs.readFileSync(path.join(root, 'deploy/README.md'), 'utf8').split('<!-- planned-settings -->')[1]?.split('<!-- /planned-settings -->')[0] ?? '';
const planned = [...block.matchAll(/^\| `(ZEREN_[A-Z0-9_]+)`/gm)].map((m) => m[1]);
if (served.length < 10) bad.push('could not read the served settings');
for (const n of zeren) {
	const named = Object.keys(s[n].environment ?? {}).filter((k) => k.startsWith('ZEREN_')).map((k) => k.replace(/_FILE$/, ''));
	for (const v of named) if (!served.includes(v) && !planned.includes(v)) bad.push(`${n}: ${v} is neither served (service/config.c) nor planned (deploy/README.md)`);
	for (const v of served) if (v !== 'ZEREN_JWT_PUBLIC_KEYS' && !named.includes(v)) bad.push(`${n}: ${v} (service/config.c) is not set`);
}

if (bad.length) {
	for (const b of bad) console.log(`FAIL ${b}`);
	process.exit(1);
}
console.log(`compose shape: ${Object.keys(s).length} services as described`);

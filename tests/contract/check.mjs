#!/usr/bin/env node
// check.mjs — checks recorded HTTP exchanges against api/openapi.yaml.
//
//   node tests/contract/check.mjs [--modules DIR] [--spec FILE] [--log FILE] [--open]
//
// The log is JSON Lines, one object per exchange, as the integration tests' harness writes it
// to $ZEREN_TEST_CONTRACT_LOG:
//   {"method":"GET","path":"/v1/measures/3?expand=members","status":200,
//    "content_type":"application/json","body":"<raw body text>"}
// For each exchange the path (without its query) is matched to a path template of the spec,
// then the method to an operation, the status to a response (or "default"), the content type to
// one of the response's media types, and a JSON body is validated against that media type's
// schema with Ajv (JSON Schema 2020-12, formats from ajv-formats).
//
// Failures: an undescribed path, method, status or content type; a body where none is
// described or none where one is; a body that is not JSON or does not match its schema. By
// default objects are closed: a member the schema does not describe is a failure, so the spec
// keeps up with what is served (--open allows undescribed members). Not failures: a path that
// matches no template and answered 404 (an unknown route), any 405, and CORS preflights
// (OPTIONS answered 204); their JSON bodies are still checked against the Problem schema.
//
// Modules (ajv@8, ajv-formats@3, yaml@2) come from --modules DIR, else from the first NODE_PATH
// entry that has them, else from normal resolution. Exit status 0 when everything passed, 1 when
// anything failed or nothing was recorded, 2 on a usage error.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const MAX_AJV_ERRORS = 5;
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function usage(message) {
	if (message) console.error(`contract: ${message}`);
	console.error('usage: node tests/contract/check.mjs [--modules DIR] [--spec FILE] [--log FILE] [--open]');
	process.exit(2);
}

function parseArgs(argv) {
	const opts = {
		modules: null,
		spec: path.resolve(HERE, '../../api/openapi.yaml'),
		log: process.env.ZEREN_TEST_CONTRACT_LOG || null,
		open: false,
	};
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		const value = () => {
			if (i + 1 >= argv.length) usage(`${a} needs a value`);
			return argv[++i];
		};
		if (a === '--modules') opts.modules = value();
		else if (a === '--spec') opts.spec = value();
		else if (a === '--log') opts.log = value();
		else if (a === '--open') opts.open = true;
		else if (a === '--help' || a === '-h') usage();
		else usage(`unknown argument ${a}`);
	}
	if (!opts.log) usage('no log: give --log FILE or set ZEREN_TEST_CONTRACT_LOG');
	return opts;
}

// A require() that finds the tools in DIR (a node_modules directory) when given, else in the
// NODE_PATH entries, else next to this script or the working directory.
function toolRequire(modulesDir) {
	const candidates = [];
	if (modulesDir) candidates.push(path.resolve(modulesDir));
	for (const p of (process.env.NODE_PATH || '').split(path.delimiter)) if (p) candidates.push(path.resolve(p));
	for (const dir of candidates) {
		if (fs.existsSync(path.join(dir, 'ajv', 'package.json'))) {
			return createRequire(path.join(dir, 'noop.js'));
		}
	}
	if (modulesDir) usage(`no ajv in ${modulesDir}`);
	return createRequire(path.join(process.cwd(), 'noop.js'));
}

function loadTools(modulesDir) {
	const req = toolRequire(modulesDir);
	try {
		const ajvModule = req('ajv/dist/2020.js');
		const formatsModule = req('ajv-formats');
		const yaml = req('yaml');
		return {
			Ajv2020: ajvModule.default || ajvModule.Ajv2020 || ajvModule,
			addFormats: formatsModule.default || formatsModule,
			yaml,
		};
	} catch (e) {
		usage(`cannot load ajv@8, ajv-formats@3 and yaml@2 (${e.message}); give --modules DIR`);
	}
	return null;
}

// --- JSON pointers ---

const escapePointer = (s) => String(s).replace(/~/g, '~0').replace(/\//g, '~1');
const unescapePointer = (s) => s.replace(/~1/g, '/').replace(/~0/g, '~');
// A pointer as a URI fragment, each segment percent-encoded ("{id}", "+json").
const fragmentOf = (segments) => '/' + segments.map((s) => encodeURIComponent(escapePointer(s))).join('/');

function getPointer(doc, segments) {
	let node = doc;
	for (const s of segments) {
		if (node === null || typeof node !== 'object' || !(s in node)) return undefined;
		node = node[s];
	}
	return node;
}

// Follows local $refs of non-schema objects (responses); returns [object, its segments].
function deref(spec, node, segments) {
	const seen = new Set();
	while (node && typeof node === 'object' && typeof node.$ref === 'string') {
		const ref = node.$ref;
		if (!ref.startsWith('#/') || seen.has(ref)) throw new Error(`cannot follow $ref ${ref}`);
		seen.add(ref);
		segments = ref.slice(2).split('/').map((s) => unescapePointer(decodeURIComponent(s)));
		node = getPointer(spec, segments);
	}
	return [node, segments];
}

// --- closing objects ---

// Adds `unevaluatedProperties: false` to every schema at an instance position (a response's
// schema, and what properties / items / additionalProperties / prefixItems / contains lead to),
// unless it says otherwise itself. In JSON Schema 2020-12 this sees through $ref, allOf, oneOf,
// anyOf and if/then/else, so an object may have exactly the members its schema describes.
// Subschemas of those in-place applicators are not closed themselves (that would change them).
function closeSchema(node, atInstance) {
	if (node === null || typeof node !== 'object' || Array.isArray(node)) return;
	if (atInstance && !('additionalProperties' in node) && !('unevaluatedProperties' in node)) {
		node.unevaluatedProperties = false;
	}
	for (const key of ['properties', 'patternProperties']) {
		if (node[key] && typeof node[key] === 'object') for (const v of Object.values(node[key])) closeSchema(v, true);
	}
	for (const key of ['$defs', 'definitions', 'dependentSchemas']) {
		if (node[key] && typeof node[key] === 'object') for (const v of Object.values(node[key])) closeSchema(v, false);
	}
	for (const key of ['items', 'additionalProperties', 'contains', 'unevaluatedItems']) {
		if (node[key] && typeof node[key] === 'object') closeSchema(node[key], true);
	}
	if (Array.isArray(node.prefixItems)) for (const v of node.prefixItems) closeSchema(v, true);
	for (const key of ['allOf', 'anyOf', 'oneOf']) {
		if (Array.isArray(node[key])) for (const v of node[key]) closeSchema(v, false);
	}
	for (const key of ['if', 'then', 'else', 'not']) closeSchema(node[key], false);
}

function closeSpec(spec) {
	for (const schema of Object.values(spec.components?.schemas || {})) closeSchema(schema, false);
	const closeResponse = (response) => {
		if (!response || typeof response !== 'object' || response.$ref) return;
		for (const media of Object.values(response.content || {})) closeSchema(media.schema, true);
	};
	for (const response of Object.values(spec.components?.responses || {})) closeResponse(response);
	for (const item of Object.values(spec.paths || {})) {
		for (const method of HTTP_METHODS) {
			for (const response of Object.values(item?.[method]?.responses || {})) closeResponse(response);
		}
	}
}

// --- matching ---

function compileTemplates(spec) {
	const templates = Object.keys(spec.paths || {}).map((template) => {
		const parts = template.split('/').map((seg) => {
			if (/^\{[^}]+\}$/.test(seg)) return '([^/]+)';
			return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
		});
		return { template, regex: new RegExp('^' + parts.join('/') + '$'), params: (template.match(/\{/g) || []).length };
	});
	// Literal segments win over parameters: /v1/units/{id} must not swallow a literal sibling.
	templates.sort((a, b) => a.params - b.params);
	return templates;
}

const findTemplate = (templates, p) => templates.find((t) => t.regex.test(p))?.template ?? null;

function findResponse(responses, status) {
	const s = String(status);
	if (responses[s]) return s;
	const range = `${s[0]}XX`;
	if (responses[range]) return range;
	if (responses[range.toLowerCase()]) return range.toLowerCase();
	if (responses.default) return 'default';
	return null;
}

const mediaTypeOf = (ct) => (ct || '').split(';')[0].trim().toLowerCase();
const isJsonMedia = (mt) => mt === 'application/json' || /^[a-z]+\/[a-z0-9.+-]*\+json$/.test(mt);

function findMedia(content, mt) {
	if (content[mt]) return mt;
	const lower = Object.keys(content).find((k) => k.toLowerCase() === mt);
	if (lower) return lower;
	const wildcard = `${mt.split('/')[0]}/*`;
	if (content[wildcard]) return wildcard;
	if (content['*/*']) return '*/*';
	return null;
}

// --- main ---

function main() {
	const opts = parseArgs(process.argv.slice(2));
	const { Ajv2020, addFormats, yaml } = loadTools(opts.modules);

	let spec;
	try {
		spec = yaml.parse(fs.readFileSync(opts.spec, 'utf8'));
	} catch (e) {
		usage(`cannot read the spec ${opts.spec}: ${e.message}`);
	}
	let logText;
	try {
		logText = fs.readFileSync(opts.log, 'utf8');
	} catch (e) {
		usage(`cannot read the log ${opts.log}: ${e.message}`);
	}

	const schemaDoc = structuredClone(spec);
	if (!opts.open) closeSpec(schemaDoc);
	schemaDoc.$id = 'spec';
	const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
	addFormats(ajv);
	ajv.addSchema(schemaDoc);
	const validators = new Map();
	const validatorFor = (segments) => {
		const ref = 'spec#' + fragmentOf(segments);
		if (!validators.has(ref)) validators.set(ref, ajv.getSchema(ref));
		const v = validators.get(ref);
		if (!v) throw new Error(`no schema at ${ref}`);
		return v;
	};
	const problemSchema = spec.components?.schemas?.Problem ? ['components', 'schemas', 'Problem'] : null;

	const templates = compileTemplates(spec);
	const exercised = new Set();
	const failures = [];
	let passed = 0;
	const exempt = { 'unknown path answered 404': 0, '405 Method Not Allowed': 0, 'CORS preflight': 0 };

	const lines = logText.split('\n');
	let checked = 0;
	for (let n = 0; n < lines.length; n++) {
		if (lines[n].trim() === '') continue;
		checked++;
		const problems = [];
		let label = `log line ${n + 1}`;
		try {
			let x;
			try {
				x = JSON.parse(lines[n]);
			} catch (e) {
				throw new Error(`not a JSON object: ${e.message}`);
			}
			const method = String(x.method || '').toUpperCase();
			const fullPath = String(x.path || '');
			const status = Number(x.status);
			const body = typeof x.body === 'string' ? x.body : '';
			const mt = mediaTypeOf(x.content_type);
			label = `${method} ${fullPath} -> ${status}`;
			const urlPath = fullPath.split(/[?#]/)[0];

			// Validates a JSON body against the schema at segments.
			const checkJson = (segments) => {
				let doc;
				try {
					doc = JSON.parse(body);
				} catch (e) {
					problems.push(`body is not JSON (${e.message})`);
					return;
				}
				const validate = validatorFor(segments);
				if (!validate(doc)) {
					const where = '#' + '/' + segments.map(escapePointer).join('/');
					problems.push(`body does not match ${where}:`);
					// A failing subschema drops its annotations, so unevaluatedProperties then
					// flags every member of that object too; show the real cause only.
					const specific = validate.errors.filter((e) => e.keyword !== 'unevaluatedProperties');
					const errors = validate.errors.filter(
						(e) =>
							e.keyword !== 'unevaluatedProperties' ||
							!specific.some((s) => s.instancePath === e.instancePath || s.instancePath.startsWith(e.instancePath + '/')),
					);
					for (const err of errors.slice(0, MAX_AJV_ERRORS)) {
						const extra =
							err.keyword === 'unevaluatedProperties' ? ` (${err.params.unevaluatedProperty})`
							: err.keyword === 'enum' ? ` (${JSON.stringify(err.params.allowedValues)})`
							: err.keyword === 'const' ? ` (${JSON.stringify(err.params.allowedValue)})`
							: '';
						problems.push(`  ${err.instancePath || '/'} ${err.message}${extra}  [${err.schemaPath}]`);
					}
					if (errors.length > MAX_AJV_ERRORS) problems.push(`  … ${errors.length - MAX_AJV_ERRORS} more`);
				}
			};
			const checkExemptProblem = () => {
				if (problemSchema && body !== '' && isJsonMedia(mt)) checkJson(problemSchema);
			};

			const template = findTemplate(templates, urlPath);
			if (method === 'OPTIONS' && status === 204 && !spec.paths?.[template]?.options) {
				exempt['CORS preflight']++;
			} else if (status === 405) {
				exempt['405 Method Not Allowed']++;
				checkExemptProblem();
			} else if (template === null) {
				if (status === 404) {
					exempt['unknown path answered 404']++;
					checkExemptProblem();
				} else {
					problems.push(`path ${urlPath} is not described`);
				}
			} else {
				const item = spec.paths[template];
				let opMethod = method.toLowerCase();
				if (!item[opMethod] && opMethod === 'head' && item.get) opMethod = 'get';
				const op = item[opMethod];
				if (!op) {
					problems.push(`${method} is not described for ${template}`);
				} else {
					exercised.add(`${opMethod} ${template}`);
					const key = findResponse(op.responses || {}, status);
					if (key === null) {
						problems.push(`status ${status} is not described for ${method} ${template}`);
					} else {
						const [response, rseg] = deref(spec, op.responses[key], [
							'paths', template, opMethod, 'responses', key,
						]);
						const content = response?.content || {};
						const noBody = body === '';
						if (Object.keys(content).length === 0) {
							if (!noBody) problems.push(`a body was sent but response ${key} of ${method} ${template} describes none`);
						} else if (noBody) {
							if (opMethod === 'get' && method !== 'HEAD') {
								problems.push(`no body, but response ${key} of ${method} ${template} describes one`);
							}
						} else {
							const media = findMedia(content, mt);
							if (media === null) {
								problems.push(
									`content type "${x.content_type}" is not described for ${key} of ${method} ${template}` +
										` (described: ${Object.keys(content).join(', ')})`,
								);
							} else if (isJsonMedia(mt)) {
								if (content[media].schema === undefined) problems.push(`no schema for ${media}`);
								else checkJson([...rseg, 'content', media, 'schema']);
							} else if (/yaml/.test(mt)) {
								try {
									yaml.parse(body);
								} catch (e) {
									problems.push(`body is not YAML (${e.message})`);
								}
							}
						}
					}
				}
			}
		} catch (e) {
			problems.push(e.message);
		}
		if (problems.length === 0) passed++;
		else failures.push({ label, problems });
	}

	// Identical failures (same method, path without query, status and problems) are shown once.
	const groups = new Map();
	for (const f of failures) {
		const key = f.label.replace(/\?[^ ]*/, '') + '\n' + f.problems.join('\n');
		if (groups.has(key)) groups.get(key).count++;
		else groups.set(key, { ...f, count: 1 });
	}
	for (const g of groups.values()) {
		console.log(`contract: FAIL ${g.label}${g.count > 1 ? `  (${g.count} times)` : ''}`);
		for (const p of g.problems) console.log(`    ${p}`);
	}
	const exemptText = Object.entries(exempt)
		.filter(([, c]) => c > 0)
		.map(([k, c]) => `${c} ${k}`)
		.join(', ');
	console.log(
		`contract: ${checked} exchanges checked against ${path.relative(process.cwd(), opts.spec) || opts.spec}` +
			(exemptText ? ` (without an operation: ${exemptText})` : '') +
			(opts.open ? '; undescribed members allowed (--open)' : ''),
	);
	const missing = [];
	for (const [template, item] of Object.entries(spec.paths || {})) {
		for (const m of HTTP_METHODS) {
			if (item?.[m] && !exercised.has(`${m} ${template}`)) missing.push(`${m.toUpperCase()} ${template}`);
		}
	}
	if (missing.length > 0) console.log(`contract: not exercised (not a failure): ${missing.join(', ')}`);
	if (checked === 0) console.log('contract: the log holds no exchanges; nothing was checked');
	console.log(`contract: ${passed} passed, ${failures.length} failed`);
	process.exit(failures.length > 0 || checked === 0 ? 1 : 0);
}

main();

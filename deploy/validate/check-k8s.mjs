// check-k8s.mjs — offline checks of deploy/k8s/*.yaml.
//   node check-k8s.mjs --modules DIR/node_modules --dir deploy/k8s --config service/config.c \
//        --readme deploy/README.md
// 1. Every built-in object against the Kubernetes JSON schemas that the npm package
//    kubernetes-models ships (compiled validators: types, enums, required fields, formats).
//    Those schemas, like the API server's, let unknown fields through, so a second pass walks
//    each object along the package's type declarations (.d.ts: every field of every type) and
//    refuses any field the type does not have — a misspelt `readinesProbe` fails.
// 2. CloudNativePG objects (no npm package ships their CRD schemas): a hand-written structural
//    check of the fields these manifests use, from the postgresql.cnpg.io/v1 API reference —
//    required fields, types, enums, and no unknown keys where we write them.
// 3. Cross-references: selectors match the pod labels, referenced ConfigMaps/Secrets/keys exist,
//    probes use the endpoints and named port, the grace period covers preStop + shutdown.
// 4. Settings: every ZEREN_* variable named is one service/config.c serves or one the README
//    lists as planned; every served setting is configured.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const args = Object.fromEntries(
	process.argv.slice(2).reduce((a, v, i, all) => (v.startsWith('--') ? [...a, [v.slice(2), all[i + 1]]] : a), []));
const modules = path.resolve(args.modules);
const require = createRequire(path.join(modules, 'noop.js'));
const YAML = require('yaml');

const errors = [];
const fail = (where, msg) => errors.push(`${where}: ${msg}`);

const docs = [];
for (const file of fs.readdirSync(args.dir).filter((f) => f.endsWith('.yaml')).sort()) {
	const text = fs.readFileSync(path.join(args.dir, file), 'utf8');
	for (const d of YAML.parseAllDocuments(text)) {
		if (d.errors.length) {
			fail(file, d.errors.map((e) => e.message).join('; '));
			continue;
		}
		const obj = d.toJS();
		if (obj == null) continue;
		docs.push({ file, obj, where: `${file} ${obj.kind}/${obj.metadata?.name ?? obj.metadata?.generateName}` });
	}
}
if (docs.length === 0) fail(args.dir, 'no manifests found');

// --- 1. built-in kinds ---------------------------------------------------------------------
const pkgDir = path.join(modules, 'kubernetes-models');
async function builtinModel(apiVersion, kind) {
	const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : [null, apiVersion];
	const file = path.join(pkgDir, group ? `${group}/${version}` : version, `${kind}.js`);
	if (!fs.existsSync(file)) return null;
	return (await import(pathToFileURL(file).href))[kind];
}
const isCnpg = (o) => typeof o.apiVersion === 'string' && o.apiVersion.startsWith('postgresql.cnpg.io/');
for (const { obj, where } of docs) {
	if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') {
		fail(where, 'apiVersion and kind are required');
		continue;
	}
	if (isCnpg(obj)) continue;
	const Model = await builtinModel(obj.apiVersion, obj.kind);
	if (!Model) {
		fail(where, `no schema for ${obj.apiVersion} ${obj.kind}`);
		continue;
	}
	try {
		new Model(obj).validate();
	} catch (e) {
		fail(where, e.message.split('\n').slice(0, 6).join(' | '));
	}
	if (!obj.metadata?.name && !obj.metadata?.generateName) fail(where, 'metadata.name is required');
	if (obj.kind !== 'Namespace' && obj.metadata?.namespace !== 'zeren') fail(where, 'metadata.namespace must be zeren');
}

// Strict pass: field names per type, read from the package's declarations. Each file declares
// `export interface IName { "field"?: Type; ... }` and `export type { IName as IIoK8s...Alias }`.
const ifaces = new Map(); // alias -> { field: typeText }
function indexDeclarations(dir) {
	for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
		const f = path.join(dir, ent.name);
		if (ent.isDirectory()) { if (ent.name !== '_schemas' && ent.name !== 'node_modules') indexDeclarations(f); continue; }
		if (!ent.name.endsWith('.d.ts')) continue;
		const text = fs.readFileSync(f, 'utf8').replace(/\/\*\*[\s\S]*?\*\//g, '');
		const local = new Map();
		for (const m of text.matchAll(/export interface (\w+)(?: extends [\w, ]+)? \{\n([\s\S]*?)\n\}/g)) {
			const fields = {};
			let stmt = '', depth = 0;
			for (const line of m[2].split('\n')) {
				stmt += ' ' + line.trim();
				depth += (line.match(/\{/g) ?? []).length - (line.match(/\}/g) ?? []).length;
				if (depth !== 0 || !stmt.trim().endsWith(';')) continue;
				const fm = /^"([^"]+)"\??: (.*);$/.exec(stmt.trim());
				if (fm) fields[fm[1]] = fm[2];
				stmt = '';
			}
			local.set(m[1], fields);
		}
		for (const m of text.matchAll(/export type \{ (\w+) as (\w+)/g)) if (local.has(m[1])) ifaces.set(m[2], local.get(m[1]));
	}
}
indexDeclarations(pkgDir);
indexDeclarations(path.join(modules, '@kubernetes-models', 'apimachinery'));
function strict(where, v, typeText, p) {
	if (v === null || typeof v !== 'object') return;
	const arr = /^Array<(\w+)>$/.exec(typeText);
	if (arr) { if (Array.isArray(v)) v.forEach((x, i) => strict(where, x, arr[1], `${p}/${i}`)); return; }
	const fields = ifaces.get(typeText);
	if (!fields || Array.isArray(v)) return; // a map, a primitive alias (IntOrString, Quantity…)
	for (const [k, x] of Object.entries(v)) {
		if (!(k in fields)) fail(where, `${p}/${k} is not a field of ${typeText.replace(/^I(IoK8s)?/, '')}`);
		else strict(where, x, fields[k], `${p}/${k}`);
	}
}
for (const { obj, where } of docs) {
	if (isCnpg(obj) || typeof obj.kind !== 'string') continue;
	const [group, version] = obj.apiVersion.includes('/') ? obj.apiVersion.split('/') : [null, obj.apiVersion];
	const file = path.join(pkgDir, group ? `${group}/${version}` : version, `${obj.kind}.d.ts`);
	const top = fs.existsSync(file) && /export type \{ \w+ as (\w+)/.exec(fs.readFileSync(file, 'utf8'))?.[1];
	if (!top || !ifaces.has(top)) fail(where, `no type declarations for ${obj.apiVersion} ${obj.kind}`);
	else strict(where, obj, top, '');
}
if (ifaces.size < 500) fail(pkgDir, `read only ${ifaces.size} type declarations`);

// --- 2. CloudNativePG, structurally -------------------------------------------------------
// A tiny schema language: {type, required, props, enum, items, min, any: true (free map)}.
const str = { type: 'string' };
const bool = { type: 'boolean' };
const int = (min) => ({ type: 'integer', min });
const strMap = { type: 'object', any: true, values: str };
const localRef = { type: 'object', required: ['name'], props: { name: str } };
const resources = { type: 'object', props: { requests: strMap, limits: strMap } };
const metadata = { type: 'object', required: ['name', 'namespace'], props: { name: str, namespace: str, labels: strMap, annotations: strMap } };
const role = {
	type: 'object', required: ['name'],
	props: {
		name: str, ensure: { type: 'string', enum: ['present', 'absent'] }, comment: str, login: bool,
		superuser: bool, createdb: bool, createrole: bool, inherit: bool, replication: bool, bypassrls: bool,
		connectionLimit: int(-1), validUntil: str, inRoles: { type: 'array', items: str },
		passwordSecret: localRef, disablePassword: bool,
	},
};
const cnpgSchemas = {
	Cluster: {
		type: 'object', required: ['apiVersion', 'kind', 'metadata', 'spec'],
		props: {
			apiVersion: { type: 'string', enum: ['postgresql.cnpg.io/v1'] }, kind: str, metadata,
			spec: {
				type: 'object', required: ['instances', 'storage'],
				props: {
					instances: int(1), imageName: str,
					primaryUpdateStrategy: { type: 'string', enum: ['unsupervised', 'supervised'] },
					primaryUpdateMethod: { type: 'string', enum: ['switchover', 'restart'] },
					postgresql: { type: 'object', props: { parameters: strMap, pg_hba: { type: 'array', items: str } } },
					bootstrap: {
						type: 'object',
						props: {
							initdb: {
								type: 'object',
								props: {
									database: str, owner: str, secret: localRef, encoding: str, localeCollate: str, localeCType: str,
									postInitSQL: { type: 'array', items: str }, postInitApplicationSQL: { type: 'array', items: str },
								},
							},
						},
					},
					managed: { type: 'object', props: { roles: { type: 'array', items: role } } },
					storage: { type: 'object', required: ['size'], props: { size: str, storageClass: str } },
					resources,
					affinity: { type: 'object', props: { enablePodAntiAffinity: bool, topologyKey: str, podAntiAffinityType: { type: 'string', enum: ['preferred', 'required'] } } },
					superuserSecret: localRef, enableSuperuserAccess: bool,
				},
			},
		},
	},
	Pooler: {
		type: 'object', required: ['apiVersion', 'kind', 'metadata', 'spec'],
		props: {
			apiVersion: { type: 'string', enum: ['postgresql.cnpg.io/v1'] }, kind: str, metadata,
			spec: {
				type: 'object', required: ['cluster', 'pgbouncer'],
				props: {
					cluster: localRef, instances: int(0), type: { type: 'string', enum: ['rw', 'ro', 'r'] },
					pgbouncer: {
						type: 'object', props: {
							poolMode: { type: 'string', enum: ['session', 'transaction'] }, parameters: strMap,
							paused: bool, authQuerySecret: localRef, authQuery: str,
						},
					},
				},
			},
		},
	},
};
function check(where, v, s, p) {
	const t = Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v;
	if (s.type && t !== s.type) return fail(where, `${p || '/'} must be ${s.type}, is ${t}`);
	if (s.enum && !s.enum.includes(v)) return fail(where, `${p} must be one of ${s.enum.join(', ')}, is ${v}`);
	if (s.min !== undefined && v < s.min) fail(where, `${p} must be at least ${s.min}`);
	if (s.type === 'array' && s.items) v.forEach((x, i) => check(where, x, s.items, `${p}/${i}`));
	if (s.type !== 'object') return;
	for (const r of s.required ?? []) if (v[r] === undefined) fail(where, `${p}/${r} is required`);
	for (const [k, x] of Object.entries(v)) {
		if (s.any) check(where, x, s.values, `${p}/${k}`);
		else if (!s.props?.[k]) fail(where, `${p}/${k} is not a field this check knows`);
		else check(where, x, s.props[k], `${p}/${k}`);
	}
}
for (const { obj, where } of docs.filter((d) => isCnpg(d.obj))) {
	const s = cnpgSchemas[obj.kind];
	if (!s) fail(where, `unknown CloudNativePG kind ${obj.kind}`);
	else check(where, obj, s, '');
}

// --- 3. cross-references -------------------------------------------------------------------
const find = (kind, name) => docs.find((d) => d.obj.kind === kind && d.obj.metadata?.name === name)?.obj;
const matches = (selector, labels) => Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);
const deploy = find('Deployment', 'zeren');
if (!deploy) fail('k8s', 'Deployment zeren is missing');
else {
	const podLabels = deploy.spec.template.metadata.labels;
	if (!matches(deploy.spec.selector.matchLabels, podLabels)) fail('Deployment/zeren', 'selector does not match the pod labels');
	const svc = find('Service', 'zeren');
	if (!svc || !matches(svc.spec.selector, podLabels)) fail('Service/zeren', 'selector does not match the Deployment pods');
	const pdb = find('PodDisruptionBudget', 'zeren');
	if (!pdb || !matches(pdb.spec.selector.matchLabels, podLabels)) fail('PodDisruptionBudget/zeren', 'selector does not match the Deployment pods');
	if (pdb && pdb.spec.minAvailable >= deploy.spec.replicas) fail('PodDisruptionBudget/zeren', 'minAvailable must be below the replicas, or no node can be drained');
	const hpa = find('HorizontalPodAutoscaler', 'zeren');
	if (!hpa || hpa.spec.scaleTargetRef.kind !== 'Deployment' || hpa.spec.scaleTargetRef.name !== 'zeren') fail('HorizontalPodAutoscaler/zeren', 'must target Deployment zeren');
	if (hpa && pdb && hpa.spec.minReplicas <= pdb.spec.minAvailable) fail('HorizontalPodAutoscaler/zeren', 'minReplicas must exceed the PDB minAvailable');
	const np = find('NetworkPolicy', 'zeren');
	if (!np || !matches(np.spec.podSelector.matchLabels, podLabels)) fail('NetworkPolicy/zeren', 'podSelector does not match the Deployment pods');
	const pod = deploy.spec.template.spec;
	const c = pod.containers[0];
	const sc = c.securityContext ?? {};
	if (pod.securityContext?.runAsNonRoot !== true) fail('Deployment/zeren', 'runAsNonRoot must be true');
	if (sc.readOnlyRootFilesystem !== true) fail('Deployment/zeren', 'readOnlyRootFilesystem must be true');
	if (sc.allowPrivilegeEscalation !== false) fail('Deployment/zeren', 'allowPrivilegeEscalation must be false');
	if (JSON.stringify(sc.capabilities?.drop) !== '["ALL"]') fail('Deployment/zeren', 'capabilities must drop ALL');
	if (!c.resources?.requests?.cpu || !c.resources?.limits?.memory) fail('Deployment/zeren', 'cpu request and memory limit are required (the HPA scales on cpu)');
	const port = c.ports.find((x) => x.name === 'http');
	for (const [probe, want] of [['livenessProbe', '/healthz'], ['readinessProbe', '/readyz'], ['startupProbe', '/healthz']]) {
		const pr = c[probe];
		if (!pr?.httpGet) fail('Deployment/zeren', `${probe} must be an httpGet`);
		else if (pr.httpGet.path !== want || (pr.httpGet.port !== 'http' && pr.httpGet.port !== port?.containerPort)) fail('Deployment/zeren', `${probe} must GET ${want} on the http port`);
	}
	const cm = find('ConfigMap', 'zeren-config');
	const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e]));
	for (const ref of c.envFrom ?? []) if (ref.configMapRef && !find('ConfigMap', ref.configMapRef.name)) fail('Deployment/zeren', `ConfigMap ${ref.configMapRef.name} missing`);
	if (String(port?.containerPort) !== cm?.data?.ZEREN_PORT) fail('Deployment/zeren', 'containerPort differs from ZEREN_PORT');
	const stopDelay = (() => {
		const cmd = c.lifecycle?.preStop?.exec?.command;
		return cmd && cmd[0] === 'sleep' ? Number(cmd[1]) : c.lifecycle?.preStop?.sleep?.seconds;
	})();
	if (!(stopDelay > 0)) fail('Deployment/zeren', 'preStop must sleep for the drain');
	const shutdown = Number(cm?.data?.ZEREN_SHUTDOWN_SECONDS ?? 30);
	if (!(pod.terminationGracePeriodSeconds > stopDelay + shutdown)) fail('Deployment/zeren', `terminationGracePeriodSeconds (${pod.terminationGracePeriodSeconds}) must exceed preStop (${stopDelay}) + ZEREN_SHUTDOWN_SECONDS (${shutdown})`);
	// Secrets referenced by any pod template exist with the key.
	for (const d of docs) {
		const tpl = d.obj.spec?.template?.spec;
		for (const cc of tpl?.containers ?? [])
			for (const e of cc.env ?? []) {
				const ref = e.valueFrom?.secretKeyRef;
				if (!ref) continue;
				const s = find('Secret', ref.name);
				if (!s || !(ref.key in (s.stringData ?? s.data ?? {}))) fail(d.where, `secret ${ref.name} key ${ref.key} is not defined`);
			}
	}
	// The CNPG objects point at the secrets and at each other.
	const cluster = docs.find((d) => d.obj.kind === 'Cluster')?.obj;
	if (cluster) {
		if (cluster.spec.instances < 3) fail('Cluster', 'instances must be 3 or more (a primary and two replicas)');
		for (const ref of [cluster.spec.bootstrap?.initdb?.secret, ...(cluster.spec.managed?.roles ?? []).map((r) => r.passwordSecret)].filter(Boolean)) {
			const s = find('Secret', ref.name);
			if (!s || s.type !== 'kubernetes.io/basic-auth') fail('Cluster', `secret ${ref.name} must exist with type kubernetes.io/basic-auth`);
		}
		const app = cluster.spec.managed?.roles?.find((r) => r.name === 'zeren');
		if (!app?.inRoles?.includes('zeren_app')) fail('Cluster', 'the service role zeren must be in zeren_app');
		const poolers = docs.filter((d) => d.obj.kind === 'Pooler').map((d) => d.obj);
		for (const p of poolers) if (p.spec.cluster.name !== cluster.metadata.name) fail(`Pooler/${p.metadata.name}`, 'points at another cluster');
		if (!poolers.some((p) => p.spec.type === 'rw' && p.spec.pgbouncer.poolMode === 'transaction')) fail('Pooler', 'a rw pooler in transaction mode is required');
		if (!poolers.some((p) => p.spec.type === 'ro')) fail('Pooler', 'a ro pooler for the replicas is required');
		if (poolers.some((p) => p.metadata.name === cluster.metadata.name)) fail('Pooler', 'a pooler must not share the cluster name');
	}
	const job = docs.find((d) => d.obj.kind === 'Job')?.obj;
	const jobc = job?.spec.template.spec.containers[0];
	if (!job || JSON.stringify(jobc.args) !== '["migrate"]') fail('Job', 'a migration Job running `zeren migrate` is required');
	else {
		const url = jobc.env.find((e) => e.name === 'ZEREN_DATABASE_URL')?.value ?? '';
		if (!/user=zeren_owner\b/.test(url)) fail('Job', 'migrate must connect as the owner (user=zeren_owner)');
		if (/pooler/.test(url)) fail('Job', 'migrate must not go through a pooler');
		if (jobc.image !== c.image) fail('Job', 'the migration image must be the Deployment image');
	}

	// --- 4. settings ---------------------------------------------------------------------
	const served = [...fs.readFileSync(args.config, 'utf8').matchAll(/\{"(ZEREN_[A-Z0-9_]+)"/g)].map((m) => m[1]);
	const readme = fs.readFileSync(args.readme, 'utf8');
	const block = readme.split('<!-- planned-settings -->')[1]?.split('<!-- /planned-settings -->')[0] ?? '';
	const planned = [...new Set([...block.matchAll(/^\| `(ZEREN_[A-Z0-9_]+)`/gm)].map((m) => m[1]))];
	if (served.length < 10) fail(args.config, 'could not read the settings table');
	if (!readme.includes('<!-- planned-settings -->')) fail(args.readme, 'no planned-settings block');
	const named = new Set([...Object.keys(cm?.data ?? {}), ...Object.keys(env)].filter((k) => k.startsWith('ZEREN_')));
	for (const n of named) if (!served.includes(n) && !planned.includes(n)) fail('settings', `${n} is neither served (service/config.c) nor listed as planned in ${args.readme}`);
	for (const n of served) if (n !== 'ZEREN_JWT_PUBLIC_KEYS' && !named.has(n)) fail('settings', `${n} (service/config.c) is not configured in the ConfigMap or the Deployment`);
	for (const n of planned) if (served.includes(n)) console.log(`note: ${n} is served now; move it out of the planned list in ${args.readme}`);
}

if (errors.length) {
	for (const e of errors) console.log(`FAIL ${e}`);
	process.exit(1);
}
console.log(`k8s: ${docs.length} objects valid (${docs.filter((d) => !isCnpg(d.obj)).length} against the Kubernetes schemas, ${docs.filter((d) => isCnpg(d.obj)).length} CloudNativePG checked structurally)`);

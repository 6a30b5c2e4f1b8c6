/* main.c — zeren's entry point: subcommands, start-up in order, shutdown in reverse. */
#include <getopt.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "auth.h"
#include "config.h"
#include "db.h"
#include "document/parse_cli.h"
#include "http.h"
#include "import.h"
#include "log.h"
#include "metrics_http.h"
#include "migrate.h"
#include "routes.h"
#include "version.h"
#include "webhook_worker.h"

extern char **environ;

static void usage(FILE *out)
{
	fprintf(out, "usage: zeren <command> [options]\n\n"
	             "commands:\n"
	             "  serve                 serve the HTTP API\n"
	             "  migrate               bring the database to this binary's schema\n"
	             "  import FILE [--dry-run]  load a plan document, all or nothing\n"
	             "  token --sub S --role R [--unit CODE] [--ttl SECONDS]\n"
	             "                        print a token signed with the configured secret\n"
	             "  --version             print the version\n\n"
	             "`zeren serve --help` lists the environment variables.\n");
}

/* Loads the configuration, or logs every problem on one line (the log's JSON, so that a
 * failed start reads like the rest of the log); the database URL is optional for commands
 * that do not need it. */
static int load_config(struct config *cfg)
{
	char err[2048];
	memset(cfg, 0, sizeof(*cfg));
	if (config_load(cfg, NULL, NULL, err, sizeof(err)) != 0) {
		size_t n = strlen(err);
		while (n > 0 && err[n - 1] == '\n')
			err[--n] = '\0';
		for (char *p = strchr(err, '\n'); p != NULL; p = strchr(p, '\n'))
			*p = ';';
		log_msg("error", "config_invalid", "%s", err);
		return -1;
	}
	return 0;
}

/* serve, migrate and import need a database; token does not. */
static int require_database(const struct config *cfg)
{
	if (cfg->database_url == NULL || cfg->database_url[0] == '\0') {
		log_msg("error", "config_invalid", "ZEREN_DATABASE_URL: is required");
		return -1;
	}
	return 0;
}

static void print_version(void)
{
	if (ZEREN_REVISION[0] != '\0')
		printf("zeren %s (%s)\n", ZEREN_VERSION, ZEREN_REVISION);
	else
		printf("zeren %s\n", ZEREN_VERSION);
}

static int make_verifier(const struct config *cfg, struct auth_verifier **out)
{
	char err[600];
	if (app_verifier_create(cfg, out, err, sizeof(err)) == 0)
		return 0;
	fprintf(stderr, "zeren: %s\n", err);
	return -1;
}

/* The parts of a running server besides the app, started in this order and stopped in the
 * reverse one; NULL for those not started. */
struct serving {
	struct metrics_http *metrics;
	struct webhook_worker *worker;
	struct http_server *server;
};

static void serving_stop(struct serving *s)
{
	http_server_stop(s->server);
	webhook_worker_stop(s->worker);
	metrics_http_stop(s->metrics);
}

/* Starts the metrics listener (when it has its own address), the webhook and reminder worker
 * (when enabled) and the HTTP server; on failure stops what started and returns -1. */
static int serving_start(struct app *app, struct serving *s)
{
	memset(s, 0, sizeof(*s));
	const char *maddr = app->cfg.metrics_address;
	if (maddr != NULL && maddr[0] != '\0') {
		int mport = 0;
		if ((s->metrics = metrics_http_start(maddr, &mport)) == NULL)
			return -1;
		log_json("info", "metrics_listening",
		         json_pack("{sssi}", "address", maddr, "port", mport));
	}
	char err[600];
	if (app->cfg.webhook_worker &&
	    (s->worker = webhook_worker_start(app, err, sizeof(err))) == NULL) {
		fprintf(stderr, "zeren: %s\n", err);
		serving_stop(s);
		return -1;
	}
	int port = 0;
	if ((s->server = http_server_start(app, route_tables, &port)) == NULL) {
		serving_stop(s);
		return -1;
	}
	log_json("info", "listening",
	         json_pack("{sssi}", "address", app->cfg.bind_address, "port", port));
	/* A line on stdout that scripts and tests wait for. */
	printf("zeren listening on http://%s:%d\n", app->cfg.bind_address, port);
	fflush(stdout);
	return 0;
}

/* --help prints the settings (1), an unknown option is refused (2), none goes on (0). */
static int serve_options(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			printf("usage: zeren serve\n\nServes the zeren HTTP API.\n\n");
			config_print_help(stdout);
			return 1;
		}
		fprintf(stderr, "zeren serve: unknown option %s\n", argv[i]);
		return 2;
	}
	return 0;
}

static int cmd_serve(int argc, char **argv)
{
	int opt = serve_options(argc, argv);
	if (opt != 0)
		return opt == 1 ? 0 : 2;
	/* Block the signals before any thread starts (the cache listener, the HTTP pool) so
	 * that only sigwait below sees them. */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	struct config cfg;
	if (load_config(&cfg) != 0 || require_database(&cfg) != 0) {
		config_free(&cfg);
		return 1;
	}
	config_warn_unknown(environ);
	config_log(&cfg);
	char err[600];
	struct app_cache_size cache = APP_CACHE_SERVE;
	cache.slots = (size_t)cfg.refcache_entries;
	cache.max_bytes = (size_t)cfg.refcache_bytes;
	struct app *app = app_create(&cfg, cache, err, sizeof(err));
	if (app == NULL) {
		log_msg("error", "start_failed", "%s", err);
		return 1;
	}
	struct serving serving;
	if (serving_start(app, &serving) != 0) {
		app_destroy(app);
		return 1;
	}

	int sig = 0;
	sigwait(&sigs, &sig);
	log_msg("info", "shutdown", "signal %d: finishing requests in flight", sig);
	int left = http_server_drain(serving.server, app->cfg.shutdown_seconds);
	if (left > 0)
		log_msg("warn", "shutdown", "%d requests still running after %d s are cut", left,
		        app->cfg.shutdown_seconds);
	serving_stop(&serving);
	app_destroy(app);
	log_msg("info", "stopped", "bye");
	return 0;
}

static int cmd_migrate(void)
{
	struct config cfg;
	if (load_config(&cfg) != 0 || require_database(&cfg) != 0) {
		config_free(&cfg);
		return 1;
	}
	char err[1024];
	PGconn *pg = db_connect_once(cfg.database_url, err, sizeof(err));
	config_free(&cfg);
	if (pg == NULL) {
		fprintf(stderr, "zeren migrate: cannot connect: %s\n", err);
		return 1;
	}
	int from = 0, to = 0;
	int rc = migrate_run(pg, &from, &to, err, sizeof(err));
	PQfinish(pg);
	if (rc != 0) {
		fprintf(stderr, "zeren migrate: %s\n", err);
		return 1;
	}
	if (from == to)
		printf("zeren migrate: database already at version %d\n", to);
	else
		printf("zeren migrate: database moved from version %d to %d\n", from, to);
	return 0;
}

static int cmd_token(int argc, char **argv)
{
	const char *sub = NULL, *role_name = NULL, *unit = NULL;
	long ttl = 3600;
	static const struct option opts[] = {
	        {"sub", required_argument, NULL, 's'},  {"role", required_argument, NULL, 'r'},
	        {"unit", required_argument, NULL, 'u'}, {"ttl", required_argument, NULL, 't'},
	        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0},
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			sub = optarg;
			break;
		case 'r':
			role_name = optarg;
			break;
		case 'u':
			unit = optarg;
			break;
		case 't': {
			char *end = NULL;
			ttl = strtol(optarg, &end, 10);
			if (end == optarg || *end != '\0' || ttl < 1 || ttl > 31L * 24 * 3600) {
				fprintf(stderr, "zeren token: --ttl must be 1..2678400 seconds\n");
				return 2;
			}
			break;
		}
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	enum principal_role role;
	if (sub == NULL || sub[0] == '\0' || role_name == NULL ||
	    principal_role_parse(role_name, &role) != 0) {
		fprintf(stderr, "zeren token: --sub and --role (reader, reporter, supervisor, "
		                "admin) are required\n");
		return 2;
	}
	if (role == ROLE_REPORTER && (unit == NULL || unit[0] == '\0')) {
		fprintf(stderr, "zeren token: a reporter needs --unit\n");
		return 2;
	}
	struct config cfg;
	struct auth_verifier *v = NULL;
	if (load_config(&cfg) != 0 || make_verifier(&cfg, &v) != 0) {
		config_free(&cfg);
		return 1;
	}
	char err[256];
	char *token =
	        auth_token_mint(v, sub, role, unit, ttl, (long long)time(NULL), err, sizeof(err));
	auth_verifier_destroy(v);
	config_free(&cfg);
	if (token == NULL) {
		fprintf(stderr, "zeren token: %s\n", err);
		return 1;
	}
	printf("%s\n", token);
	free(token);
	return 0;
}

static int cmd_import(int argc, char **argv)
{
	const char *file = NULL;
	int dry_run = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dry-run") == 0)
			dry_run = 1;
		else if (argv[i][0] == '-' || file != NULL) {
			fprintf(stderr, "usage: zeren import FILE [--dry-run]\n");
			return 2;
		} else
			file = argv[i];
	}
	if (file == NULL) {
		fprintf(stderr, "usage: zeren import FILE [--dry-run]\n");
		return 2;
	}
	struct config cfg;
	if (load_config(&cfg) != 0 || require_database(&cfg) != 0) {
		config_free(&cfg);
		return 1;
	}
	int rc = import_file(cfg.database_url, file, dry_run);
	config_free(&cfg);
	return rc;
}

/* A list page is about 210 kB. Above glibc's first mmap threshold (128 kB) each one was mapped,
 * faulted in page by page, grown by mremap and unmapped again, every request (README,
 * "Benchmarks": 1.15x the list pages a second without it). Below 1 MB such buffers come from
 * the arenas and are reused; one arena per core, at least 2, keeps what they hold small. */
static void malloc_tune(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	(void)mallopt(M_MMAP_THRESHOLD, 1 << 20);
	(void)mallopt(M_ARENA_MAX, cpus > 2 ? (int)cpus : 2);
}

int main(int argc, char **argv)
{
	malloc_tune();
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
		print_version();
		return 0;
	}
	if (strcmp(cmd, "serve") == 0)
		return cmd_serve(argc - 1, argv + 1);
	if (strcmp(cmd, "migrate") == 0)
		return cmd_migrate();
	if (strcmp(cmd, "token") == 0)
		return cmd_token(argc - 1, argv + 1);
	if (strcmp(cmd, "import") == 0)
		return cmd_import(argc - 1, argv + 1);
	if (strcmp(cmd, "parse") == 0)
		return parse_command(argc - 1, argv + 1);
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "zeren: unknown command %s\n", cmd);
	usage(stderr);
	return 2;
}

/* log.c — structured log lines; each line is built whole and written with one call. */
#include "log.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static int log_quiet;

void log_set_quiet(int quiet)
{
	log_quiet = quiet;
}

static void log_timestamp(char *buf, size_t len)
{
	struct timeval tv;
	struct tm tm;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03dZ", (int)(tv.tv_usec / 1000));
}

void log_json(const char *level, const char *event, json_t *fields)
{
	if (log_quiet && strcmp(level, "error") != 0) {
		json_decref(fields);
		return;
	}
	char ts[40];
	log_timestamp(ts, sizeof(ts));
	json_t *line = json_pack("{ssssss}", "ts", ts, "level", level, "event", event);
	if (line == NULL) {
		json_decref(fields);
		return;
	}
	if (fields != NULL)
		json_object_update(line, fields);
	json_decref(fields);
	/* 15 digits: a rounded double prints as written, without binary noise */
	char *text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
	json_decref(line);
	if (text == NULL)
		return;
	size_t len = strlen(text);
	text[len] = '\n';
	fwrite(text, 1, len + 1, stderr);
	text[len] = '\0';
	free(text);
}

double log_duration_ms(double seconds)
{
	return round(seconds * 1e6) / 1000.0;
}

void log_msg(const char *level, const char *event, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_json(level, event, json_pack("{ss}", "message", msg));
}

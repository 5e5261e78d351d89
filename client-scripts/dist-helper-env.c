/*
 * dist-helper-env.c - the machine around a job, before it starts, for
 * env.json: what the agent's env_record "before" and env_json_parts
 * (agent-env.sh) compute in sh, here in C for the spawner's jobs.  The
 * agent gives the fixed facts (its env_static_j, the core count), the
 * users logged in (it runs who when utmp changes) and the isolation
 * object; read here: the 1-minute load, /proc/meminfo, the cpufreq
 * governors.  The same members, in the same order, and the same
 * disturbances as the sh version.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dist-helper.h"

struct text {
	char	*s;
	size_t	 len, cap;
	int	 bad;
};

static void
add(struct text *t, const char *s, size_t n)
{
	char *ns;

	if (t->bad)
		return;
	if (t->len + n + 1 > t->cap) {
		t->cap = (t->len + n + 1) * 2;
		if ((ns = realloc(t->s, t->cap)) == NULL) {
			t->bad = 1;
			return;
		}
		t->s = ns;
	}
	memcpy(t->s + t->len, s, n);
	t->len += n;
	t->s[t->len] = '\0';
}

static void
adds(struct text *t, const char *s)
{
	add(t, s, strlen(s));
}

/* A JSON string as json_str has it: ASCII only, others as '?'. */
static void
add_str(struct text *t, const char *s)
{
	adds(t, "\"");
	for (; *s != '\0'; s++)
		if (*s == '\\' || *s == '"') {
			add(t, "\\", 1);
			add(t, s, 1);
		} else if (*s == '\n')
			adds(t, "\\n");
		else if (*s == '\t')
			adds(t, "\\t");
		else if (*s < ' ' || *s > '~')
			adds(t, "?");
		else
			add(t, s, 1);
	adds(t, "\"");
}

/* json_opt: a string, or null when empty. */
static void
add_opt(struct text *t, const char *s)
{
	if (s != NULL && *s != '\0')
		add_str(t, s);
	else
		adds(t, "null");
}

/* json_num: a plain decimal number, else null. */
static void
add_num(struct text *t, const char *s)
{
	const char *p = s != NULL && *s == '-' ? s + 1 : s, *dot;
	size_t n = p != NULL ? strlen(p) : 0;

	if (n == 0 || strspn(p, "0123456789.") != n || p[0] == '.' ||
	    p[n - 1] == '.' || ((dot = strchr(p, '.')) != NULL &&
	    strchr(dot + 1, '.') != NULL) ||
	    (p[0] == '0' && n > 1 && p[1] != '.'))
		adds(t, "null");
	else
		adds(t, s);
}

/* The first line of path into buf (empty when unreadable): 0, or -1. */
static int
first_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");

	buf[0] = '\0';
	if (f == NULL)
		return -1;
	if (fgets(buf, (int)size, f) == NULL)
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

struct mem {
	char	total[32], avail[32], swap[32];
};

static int
digits(const char *s)
{
	return *s != '\0' && strspn(s, "0123456789") == strlen(s);
}

/* env_meminfo: MemTotal, MemAvailable, SwapTotal - SwapFree (kB). */
static void
meminfo(struct mem *m)
{
	char line[256], key[64], val[32];
	char stotal[32] = "";
	FILE *f;

	m->total[0] = m->avail[0] = m->swap[0] = '\0';
	if ((f = fopen("/proc/meminfo", "r")) == NULL)
		return;
	while (fgets(line, sizeof line, f) != NULL) {
		if (sscanf(line, "%63s %31s", key, val) != 2)
			continue;
		if (strcmp(key, "MemTotal:") == 0)
			snprintf(m->total, sizeof m->total, "%s", val);
		else if (strcmp(key, "MemAvailable:") == 0)
			snprintf(m->avail, sizeof m->avail, "%s", val);
		else if (strcmp(key, "SwapTotal:") == 0)
			snprintf(stotal, sizeof stotal, "%s", val);
		else if (strcmp(key, "SwapFree:") == 0) {
			if (digits(stotal) && digits(val))
				snprintf(m->swap, sizeof m->swap, "%lld",
				    atoll(stotal) - atoll(val));
			break;
		}
	}
	fclose(f);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Add g to the list gov ("a,b") unless it is there. */
static void
gov_add(char *gov, size_t size, const char *g)
{
	size_t n = strlen(g);
	const char *p;

	for (p = gov; *p != '\0'; p += strcspn(p, ","), p += *p == ',')
		if (strncmp(p, g, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return;
	if (strlen(gov) + n + 2 > size)
		return;
	if (gov[0] != '\0')
		strcat(gov, ",");
	strcat(gov, g);
}

/* The governors of dir's entries starting with prefix (sorted, as a
 * shell glob has them), each read from DIR/ENTRY/tail, into gov. */
static void
governors_in(const char *dir, const char *prefix, const char *tail,
    char *gov, size_t size)
{
	char *names[1024], path[PATH_MAX], g[128];
	size_t n = 0, i;
	struct dirent *d;
	DIR *dp;

	if ((dp = opendir(dir)) == NULL)
		return;
	while ((d = readdir(dp)) != NULL && n < 1024)
		if (strncmp(d->d_name, prefix, strlen(prefix)) == 0 &&
		    (names[n] = strdup(d->d_name)) != NULL)
			n++;
	closedir(dp);
	qsort(names, n, sizeof *names, by_name);
	for (i = 0; i < n; i++) {
		if (pathf(path, "%s/%s/%s", dir, names[i], tail) == 0 &&
		    first_line(path, g, sizeof g) == 0 && g[0] != '\0')
			gov_add(gov, size, g);
		free(names[i]);
	}
}

/* env_governors */
static void
governors(char *gov, size_t size)
{
	gov[0] = '\0';
	governors_in("/sys/devices/system/cpu/cpufreq", "policy",
	    "scaling_governor", gov, size);
	if (gov[0] == '\0')
		governors_in("/sys/devices/system/cpu", "cpu",
		    "cpufreq/scaling_governor", gov, size);
}

/* env_disturb: what may disturb a measurement now, JSON strings. */
static void
disturbances(struct text *t, const char *users, const char *l1, long cores,
    const char *gov)
{
	char note[1024];
	const char *dot = strchr(l1, '.');
	int first = 1;

	if (users[0] != '\0') {
		snprintf(note, sizeof note, "users logged in: %.900s", users);
		add_str(t, note);
		first = 0;
	}
	if (dot != NULL && dot > l1 && strspn(l1, "0123456789") ==
	    (size_t)(dot - l1) && strlen(dot + 1) == 2 &&
	    digits(dot + 1) && cores > 0 &&
	    atol(l1) * 100 + atol(dot + 1) > cores * 50) {
		long th = cores * 50;

		snprintf(note, sizeof note, "load %s above %ld.%ld%ld (half of "
		    "%ld CPUs)", l1, th / 100, th % 100 / 10, th % 10, cores);
		if (!first)
			adds(t, ", ");
		add_str(t, note);
		first = 0;
	}
	if (gov[0] != '\0' && strcmp(gov, "performance") != 0) {
		snprintf(note, sizeof note, "cpufreq governor %s (not "
		    "performance)", gov);
		if (!first)
			adds(t, ", ");
		add_str(t, note);
	}
}

/*
 * env.json before and after the value of load_after (the supervisor
 * writes it when the job has ended, see env_json in dist-helper.c):
 * *head and *tail, malloc'd; 0, or -1 out of memory.
 */
int
env_parts(const char *static_j, long cores, const char *users,
    const char *iso_j, const char *cwd, char **head, char **tail)
{
	struct text h = { 0 }, t = { 0 };
	char l1[64] = "", gov[512];
	struct mem m;
	FILE *f;

	if ((f = fopen("/proc/loadavg", "r")) != NULL) {
		if (fscanf(f, "%63s", l1) != 1)
			l1[0] = '\0';
		fclose(f);
	}
	meminfo(&m);
	governors(gov, sizeof gov);
	adds(&h, "{");
	adds(&h, static_j);
	adds(&h, ", \"governor\": ");
	add_opt(&h, gov);
	adds(&h, ", \"memory_total_kb\": ");
	add_num(&h, m.total);
	adds(&h, ", \"memory_available_kb\": ");
	add_num(&h, m.avail);
	adds(&h, ", \"swap_used_kb\": ");
	add_num(&h, m.swap);
	adds(&h, ", \"cwd\": ");
	add_str(&h, cwd);
	adds(&h, ", \"load_before\": ");
	add_num(&h, l1);
	adds(&h, ", \"load_after\": ");
	adds(&t, ", \"users\": ");
	add_opt(&t, users);
	adds(&t, ",\n \"isolation\": ");
	adds(&t, iso_j);
	adds(&t, ",\n \"disturbances\": [");
	disturbances(&t, users, l1, cores, gov);
	adds(&t, "]}");
	if (h.bad || t.bad) {
		free(h.s);
		free(t.s);
		return -1;
	}
	*head = h.s;
	*tail = t.s;
	return 0;
}

/*
 * ssh-probe.c - a command line over the SSH layer (master/ssh/ssh.h) for the
 * shell tests: connect to one machine, run commands on that connection.
 *
 * usage: ssh-probe [--known-hosts F] [--accept-new] [-i KEY]...
 *            [--ssh-config F] [--timeout S] [--keepalive S]
 *            [user@]host[:port] COMMAND [ARG...] [COMMAND [ARG...]]...
 *
 * Each command takes a fixed number of arguments (see probe_cmds).  Exit
 * status: 0 all went well, 1 a command or the connection failed (the cause
 * on stderr), 2 usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/util.h"
#include "ssh/ssh.h"

struct probe {
	struct dist_ssh	*s;
	double		 t0;		/* start of the current command */
	double		 connect_ms;
};

static long
probe_ms(const struct probe *p)
{
	return (long)((now_mono() - p->t0) * 1000.0 + 0.5);
}

/* Print the command's stdout lines; 0 if it exited with status 0. */
static int
cmd_exec(struct probe *p, char **argv, char **cause)
{
	struct strbuf line = STRBUF_INIT;
	struct dssh_chan *ch;
	int rc;

	if (dssh_exec(p->s, argv[0], &ch, cause) != 0)
		return -1;
	while ((rc = dssh_chan_readline(ch, &line, -1, cause)) == 1)
		printf("%s\n", line.buf);
	fprintf(stderr, "ssh-probe: end: %s\n", *cause);
	rc = strstr(*cause, "exited with status 0") != NULL ? 0 : -1;
	if (rc == 0) {
		free(*cause);
		*cause = NULL;
	}
	sb_release(&line);
	dssh_chan_free(ch);
	return rc;
}

/* Write TEXT and a newline to CMD's stdin, then print what it answers. */
static int
cmd_roundtrip(struct probe *p, char **argv, char **cause)
{
	struct strbuf line = STRBUF_INIT, in = STRBUF_INIT;
	struct dssh_chan *ch;
	int rc = -1;

	if (dssh_exec(p->s, argv[0], &ch, cause) != 0)
		return -1;
	sb_addf(&in, "%s\n", argv[1]);
	if (dssh_chan_write(ch, in.buf, in.len, cause) == 0) {
		while ((rc = dssh_chan_readline(ch, &line, 10000, cause)) == 1)
			printf("%s\n", line.buf);
		if (rc == 0)
			rc = set_cause(cause, "no answer in 10 s");
		else {
			rc = 0;
			free(*cause);
			*cause = NULL;
		}
	}
	sb_release(&line);
	sb_release(&in);
	dssh_chan_free(ch);
	return rc;
}

/* readline with a timeout until the end: "RC MS TEXT" for each call,
 * MS since the command started. */
static int
cmd_watch(struct probe *p, char **argv, char **cause)
{
	struct strbuf line = STRBUF_INIT;
	struct dssh_chan *ch;
	int rc, ms = atoi(argv[1]);

	if (dssh_exec(p->s, argv[0], &ch, cause) != 0)
		return -1;
	p->t0 = now_mono();	/* time the reads, not the channel's opening */
	do {
		rc = dssh_chan_readline(ch, &line, ms, cause);
		printf("%d %ld %s\n", rc, probe_ms(p), rc == 1 ? line.buf :
		    rc == 0 ? "timeout" : *cause);
		fflush(stdout);
	} while (rc >= 0);
	free(*cause);
	*cause = NULL;
	sb_release(&line);
	dssh_chan_free(ch);
	return 0;
}

static int
cmd_put(struct probe *p, char **argv, char **cause)
{
	uint64_t sent = 0;
	int rc;

	rc = dssh_sftp_put_file(p->s, argv[0], argv[1],
	    (int)strtol(argv[2], NULL, 8), &sent, cause);
	printf("sent %llu ms %ld\n", (unsigned long long)sent, probe_ms(p));
	return rc;
}

static int
cmd_putmem(struct probe *p, char **argv, char **cause)
{
	return dssh_sftp_put_mem(p->s, argv[0], strlen(argv[0]), argv[1], 0644,
	    cause);
}

static int
cmd_get(struct probe *p, char **argv, char **cause)
{
	uint64_t got = 0;
	int rc;

	rc = dssh_sftp_get_file(p->s, argv[0], argv[1],
	    strtoull(argv[2], NULL, 10), &got, cause);
	printf("got %llu ms %ld\n", (unsigned long long)got, probe_ms(p));
	return rc;
}

static int
cmd_stat(struct probe *p, char **argv, char **cause)
{
	uint64_t size = 0;
	int rc = dssh_sftp_stat(p->s, argv[0], &size, cause);

	if (rc == 1)
		printf("size %llu\n", (unsigned long long)size);
	else if (rc == 0)
		printf("missing\n");
	return rc < 0 ? -1 : 0;
}

static int
cmd_mkdir(struct probe *p, char **argv, char **cause)
{
	return dssh_sftp_mkdir_p(p->s, argv[0], cause);
}

/* From now on, mkdir refuses a directory under TOP not ours alone. */
static int
cmd_trust(struct probe *p, char **argv, char **cause)
{
	(void)cause;
	dssh_sftp_trust(p->s, argv[0], strtol(argv[1], NULL, 10));
	return 0;
}

static int
cmd_rm(struct probe *p, char **argv, char **cause)
{
	return dssh_sftp_remove(p->s, argv[0], cause);
}

static int
cmd_keepalive(struct probe *p, char **argv, char **cause)
{
	(void)argv;
	if (dssh_keepalive(p->s, cause) != 0)
		return -1;
	printf("alive\n");
	return 0;
}

static int
cmd_watch_silence(struct probe *p, char **argv, char **cause)
{
	(void)cause;
	dssh_watch(p->s, atoi(argv[0]));
	return 0;
}

static int
cmd_sleep(struct probe *p, char **argv, char **cause)
{
	struct timespec ts;
	long ms = atol(argv[0]);

	(void)p;
	(void)cause;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	return 0;
}

/* Wait (at most 60 s) until the local FILE exists: lets a test act on the
 * connection (e.g. freeze the server) at a known point of the commands. */
static int
cmd_gate(struct probe *p, char **argv, char **cause)
{
	struct timespec ts = { 0, 50 * 1000000L };
	int i;

	(void)p;
	for (i = 0; i < 1200 && access(argv[0], F_OK) != 0; i++)
		nanosleep(&ts, NULL);
	if (access(argv[0], F_OK) != 0)
		return set_cause(cause, "gate '%s': not there after 60 s",
		    argv[0]);
	return 0;
}

static int
cmd_info(struct probe *p, char **argv, char **cause)
{
	(void)argv;
	(void)cause;
	printf("user %s\nlabel %s\nconnect_ms %.1f\n", dssh_user(p->s),
	    dssh_label(p->s), p->connect_ms);
	return 0;
}

static const struct {
	const char	*name;
	int		 nargs;
	int		(*fn)(struct probe *, char **, char **);
} probe_cmds[] = {
	{ "exec", 1, cmd_exec },		/* CMD */
	{ "roundtrip", 2, cmd_roundtrip },	/* CMD TEXT */
	{ "watch", 2, cmd_watch },		/* CMD TIMEOUT_MS */
	{ "put", 3, cmd_put },			/* LOCAL REMOTE OCTAL-MODE */
	{ "putmem", 2, cmd_putmem },		/* TEXT REMOTE */
	{ "get", 3, cmd_get },			/* REMOTE LOCAL MAX (0: none) */
	{ "stat", 1, cmd_stat },		/* REMOTE */
	{ "mkdir", 1, cmd_mkdir },		/* REMOTE */
	{ "trust", 2, cmd_trust },		/* TOP UID */
	{ "rm", 1, cmd_rm },			/* REMOTE */
	{ "keepalive", 0, cmd_keepalive },
	{ "silence", 1, cmd_watch_silence },	/* SECS: dssh_watch */
	{ "sleep", 1, cmd_sleep },		/* MS */
	{ "gate", 1, cmd_gate },		/* LOCAL-FILE: wait for it */
	{ "info", 0, cmd_info },
};

/* [user@]host[:port] or [user@][v6addr][:port], nothing more. */
static int
probe_machine(const char *arg, struct dist_machine *m, char **cause)
{
	char *s = xstrdup(arg), *h = s, *at, *end, *colon;

	memset(m, 0, sizeof *m);
	m->name = xstrdup(arg);
	m->slots = 1;
	if ((at = strrchr(s, '@')) != NULL) {
		*at = '\0';
		m->user = xstrdup(s);
		h = at + 1;
	}
	if (*h == '[' && (end = strchr(h, ']')) != NULL) {
		*end = '\0';
		colon = end[1] == ':' ? end + 1 : NULL;
		h++;
	} else if ((colon = strchr(h, ':')) != NULL)
		*colon = '\0';
	if (colon != NULL && (m->port = atoi(colon + 1)) <= 0) {
		free(s);
		return set_cause(cause, "bad port in '%s'", arg);
	}
	m->host = xstrdup(h);
	free(s);
	return *m->host != '\0' ? 0 : set_cause(cause, "no host in '%s'", arg);
}

static void NORETURN
usage(void)
{
	fprintf(stderr, "usage: ssh-probe [--known-hosts F] [--accept-new] "
	    "[-i KEY]... [--ssh-config F] [--timeout S] [--keepalive S] "
	    "MACHINE COMMAND [ARG...]...\n");
	exit(2);
}

static int
probe_opts(int argc, char **argv, struct dist_ssh_opts *o)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--accept-new") == 0)
			o->accept_new = 1;
		else if (i + 1 >= argc)
			usage();
		else if (strcmp(argv[i], "--known-hosts") == 0)
			o->known_hosts = argv[++i];
		else if (strcmp(argv[i], "-i") == 0)
			sv_push(&o->identities, argv[++i]);
		else if (strcmp(argv[i], "--ssh-config") == 0)
			o->ssh_config = argv[++i];
		else if (strcmp(argv[i], "--timeout") == 0)
			o->connect_timeout = atoi(argv[++i]);
		else if (strcmp(argv[i], "--keepalive") == 0)
			o->keepalive = atoi(argv[++i]);
		else
			usage();
	}
	return i;
}

static int
probe_run(struct probe *p, int argc, char **argv, char **cause)
{
	size_t j;
	int i = 0;

	while (i < argc) {
		for (j = 0; j < ARRAY_SIZE(probe_cmds); j++)
			if (strcmp(argv[i], probe_cmds[j].name) == 0)
				break;
		if (j == ARRAY_SIZE(probe_cmds))
			return set_cause(cause, "unknown command '%s'",
			    argv[i]);
		if (argc - i - 1 < probe_cmds[j].nargs)
			return set_cause(cause, "%s: needs %d arguments",
			    argv[i], probe_cmds[j].nargs);
		p->t0 = now_mono();
		if (probe_cmds[j].fn(p, argv + i + 1, cause) != 0)
			return -1;
		fflush(stdout);
		i += 1 + probe_cmds[j].nargs;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct dist_ssh_opts o;
	struct dist_machine m;
	struct probe p;
	char *cause = NULL;
	int i, rc = 1;

	memset(&o, 0, sizeof o);
	memset(&p, 0, sizeof p);
	o.connect_timeout = 10;
	i = probe_opts(argc, argv, &o);
	if (argc - i < 1)
		usage();
	if (probe_machine(argv[i], &m, &cause) != 0)
		goto out;
	p.t0 = now_mono();
	if (dssh_connect(&m, &o, &p.s, &cause) != 0)
		goto out;
	p.connect_ms = (now_mono() - p.t0) * 1000.0;
	rc = probe_run(&p, argc - i - 1, argv + i + 1, &cause) == 0 ? 0 : 1;
out:
	if (cause != NULL)
		fprintf(stderr, "ssh-probe: %s\n", cause);
	dssh_close(p.s);
	free(m.name);
	free(m.host);
	free(m.user);
	free(cause);
	sv_clear(&o.identities);
	return rc;
}

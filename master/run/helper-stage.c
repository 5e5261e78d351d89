/*
 * helper-stage.c - offer the worker helper to a machine's agent: upload
 * it over the session's SFTP into WORKDIR/tools/ (trusted as the tool
 * archive is: every directory ours alone, see ssh-sftp-trust.c) unless a
 * file of its size is there, then "helper SHA256 VERSION": the agent
 * checks the file's owner, mode, SHA-256 and "--version" and answers
 * "helper on", "helper bad WHY" (a file that is not ours as sent: sent
 * again once) or "helper off WHY" (it cannot run there).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "run/helper.h"
#include "run/mconn.h"

static char helper_sha[65];
static pthread_once_t helper_once = PTHREAD_ONCE_INIT;

static void
helper_digest(void)
{
	struct sha256_ctx h;
	unsigned char d[32];

	sha256_init(&h);
	sha256_update(&h, dist_helper_bin, dist_helper_len);
	sha256_final(&h, d);
	sha256_hex(d, helper_sha);
}

static int
helper_forced_off(void)
{
	const char *e = getenv("DIST_NO_HELPER");

	return e != NULL && *e != '\0' && strcmp(e, "0") != 0;
}

/* Upload the helper to path (when force, or no file of its size is
 * there); 0, or -1 with cause. */
static int
helper_put(struct mconn *c, const char *path, int force, char **cause)
{
	uint64_t size = 0;
	int have = 0;

	if (!force && (have = dssh_sftp_stat(c->ssh, path, &size,
	    cause)) == -1)
		return -1;
	if (have && size == dist_helper_len)
		return 0;
	return dssh_sftp_put_mem(c->ssh, dist_helper_bin, dist_helper_len,
	    path, 0755, cause);
}

/* "helper SHA VERSION" sent, its reply in c->line. */
static int
helper_ask(struct mconn *c, char **cause)
{
	char *arg = xasprintf("%s %s", helper_sha, dist_helper_version);

	mconn_send(c, "helper", arg);
	free(arg);
	return mconn_wait(c, "helper", cause);
}

static void
helper_off(struct mconn *c, const char *why)
{
	verbose("%s: the worker helper is not used (%s): jobs run under the "
	    "agent's sh supervisor", c->ms->m->name, why);
}

int
helper_stage(struct mconn *c, char **cause)
{
	char *tools, *path, *why = NULL;
	int rc = 0;

	c->helper_on = 0;
	if (dist_helper_len == 0 || helper_forced_off()) {
		helper_off(c, dist_helper_len == 0 ? "none built in" :
		    "DIST_NO_HELPER is set");
		return 0;
	}
	pthread_once(&helper_once, helper_digest);
	tools = xasprintf("%s/tools", c->workdir);
	path = xasprintf("%s/dist-helper-%s", tools, helper_sha);
	if (dssh_sftp_mkdir_p(c->ssh, tools, &why) == -1 ||
	    helper_put(c, path, 0, &why) == -1)
		goto off;
	if (helper_ask(c, &why) == -1)
		goto off;
	if (strncmp(c->line.buf, "helper bad", 10) == 0) {
		/* not the file we sent (changed, cut short): once more */
		verbose("%s: %s: sent again", c->ms->m->name, c->line.buf);
		if (helper_put(c, path, 1, &why) == -1 ||
		    helper_ask(c, &why) == -1)
			goto off;
	}
	if (strcmp(c->line.buf, "helper on") == 0) {
		verbose("%s: jobs run under the worker helper", c->ms->m->name);
		c->helper_on = 1;
		goto out;
	}
	why = xstrdup(strncmp(c->line.buf, "helper off ", 11) == 0 ?
	    c->line.buf + 11 : c->line.buf);
off:
	if (mconn_lost(c)) {
		rc = -1;
		*cause = why;
		why = NULL;
	} else
		helper_off(c, why != NULL ? why : "not usable");
out:
	free(why);
	free(tools);
	free(path);
	return rc;
}

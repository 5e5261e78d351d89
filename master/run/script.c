/*
 * script.c - look up an embedded worker script by name.
 */
#include <pthread.h>
#include <string.h>

#include "lib/lib.h"
#include "run/scripts.h"

/* The agent's parts, in the order they are sent: main is called last. */
static const char *agent_parts[] = { "agent-env.sh", "agent.sh" };
static char *agent;
static pthread_once_t agent_once = PTHREAD_ONCE_INIT;

static void
agent_build(void)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(agent_parts); i++) {
		const char *t = script_text(agent_parts[i]);

		if (t == NULL) {
			sb_release(&sb);
			return;
		}
		sb_adds(&sb, t);
	}
	agent = sb_detach(&sb);
}

const char *
agent_text(void)
{
	pthread_once(&agent_once, agent_build);
	return agent;
}

const char *
script_text(const char *name)
{
	const struct dist_script *s;

	for (s = dist_scripts; s->name != NULL; s++)
		if (strcmp(s->name, name) == 0)
			return s->text;
	return NULL;
}

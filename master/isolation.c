/*
 * isolation.c - the "iso" lines of a job: the machine's isolation
 * attributes, passed on to the agent as they are.
 */
#include <stdlib.h>

#include "isolation.h"

void
isolation_lines(struct strbuf *out, const struct dist_opts *o,
    const struct dist_machine *m, int slot)
{
	static const char *keys[] = { "cpus", "aslr", "tmpfs", "numa", "nice" };
	size_t i;

	(void)o;
	(void)slot;
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		const char *v = machine_attr(m, keys[i]);
		char *line;

		if (v == NULL)
			continue;
		line = xasprintf("%s %s", keys[i], v);
		agent_line(out, "iso", line);
		free(line);
	}
}

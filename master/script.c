/*
 * script.c - look up an embedded worker script by name.
 */
#include <string.h>

#include "scripts.h"

const char *
script_text(const char *name)
{
	const struct dist_script *s;

	for (s = dist_scripts; s->name != NULL; s++)
		if (strcmp(s->name, name) == 0)
			return s->text;
	return NULL;
}

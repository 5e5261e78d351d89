/*
 * settings.c - read a settings file of "key = value" lines, handing each
 * pair to a callback; errors are "FILE:LINE: ...".
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input/settings.h"
#include "lib/lib.h"

#define SETTINGS_MAX	(1024 * 1024)	/* bytes: a settings file is small */

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	*e = '\0';
	return s;
}

static int
valid_key(const char *k)
{
	if (*k == '\0')
		return 0;
	for (; *k != '\0'; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') ||
		    *k == '-' || *k == '_'))
			return 0;
	return 1;
}

/* One line (already without its newline); 0, or -1 with a cause. */
static int
parse_line(char *line, settings_set_fn set, void *arg, char **cause)
{
	char *s = trim(line), *eq, *key, *value;

	if (*s == '\0' || *s == '#')
		return 0;
	if ((eq = strchr(s, '=')) == NULL)
		return set_cause(cause, "expected 'key = value'");
	*eq = '\0';
	key = trim(s);
	value = trim(eq + 1);
	if (!valid_key(key))
		return set_cause(cause, "invalid key '%s'", key);
	if (*value == '\0')
		return set_cause(cause, "%s: empty value", key);
	if (set(arg, key, value, cause) != 0) {
		if (cause != NULL && *cause == NULL)
			set_cause(cause, "%s: invalid value", key);
		return -1;
	}
	return 0;
}

static int
load(const char *path, settings_set_fn set, void *arg, int optional,
    char **cause)
{
	char *data = NULL, *line, *next;
	size_t len, lineno = 0;
	int rc = 0;

	if (optional && access(path, F_OK) == -1 && errno == ENOENT)
		return 0;
	if (read_file(path, &data, &len, cause) != 0)
		return -1;
	if (len > SETTINGS_MAX || memchr(data, '\0', len) != NULL) {
		free(data);
		return set_cause(cause, "%s: not a settings file", path);
	}
	for (line = data; rc == 0 && line != NULL; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		lineno++;
		if (parse_line(line, set, arg, cause) != 0)
			rc = prefix_cause(cause, "%s:%zu", path, lineno);
	}
	free(data);
	return rc;
}

int
settings_load(const char *path, settings_set_fn set, void *arg, char **cause)
{
	return load(path, set, arg, 0, cause);
}

int
settings_load_optional(const char *path, settings_set_fn set, void *arg,
    char **cause)
{
	return load(path, set, arg, 1, cause);
}

char *
settings_default_path(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");

	if (xdg != NULL && *xdg == '/')
		return xasprintf("%s/distribute/settings", xdg);
	if (home == NULL || *home == '\0')
		return NULL;
	return xasprintf("%s/.config/distribute/settings", home);
}

int
settings_bool(const char *value, int *out, char **cause)
{
	static const char *const yes[] = { "yes", "true", "1" };
	static const char *const no[] = { "no", "false", "0" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strcmp(value, yes[i]) == 0 || strcmp(value, no[i]) == 0) {
			*out = strcmp(value, yes[i]) == 0;
			return 0;
		}
	}
	return set_cause(cause, "'%s' is not yes, no, true, false, 1 or 0",
	    value);
}

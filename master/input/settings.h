/*
 * settings.h - the settings file: "key = value" lines and "#" comments
 * (see distribute.conf(5)); the keys are the long command line options.
 *
 *	char *path = settings_default_path();
 *	if (settings_load_optional(path, set, arg, &cause) != 0) ... error
 *
 * set() is called for each line in order; a -1 from it stops the load and
 * its cause comes back as "FILE:LINE: cause".  The command line wins:
 * distribute.c skips the keys it gave.
 */
#ifndef DIST_SETTINGS_H
#define DIST_SETTINGS_H

typedef int (*settings_set_fn)(void *arg, const char *key, const char *value,
    char **cause);

/* Load path; a missing file is an error. */
int	settings_load(const char *path, settings_set_fn set, void *arg,
	    char **cause);
/* The same, but a missing file is not an error (returns 0). */
int	settings_load_optional(const char *path, settings_set_fn set,
	    void *arg, char **cause);
/* $XDG_CONFIG_HOME/distribute/settings, else ~/.config/distribute/settings
 * (allocated); NULL without HOME. */
char	*settings_default_path(void);
/* The value of an option without argument: yes/true/1 (1), no/false/0
 * (0); -1 with a cause otherwise. */
int	settings_bool(const char *value, int *out, char **cause);

#endif

/*
 * log.h - diagnostics.  Levels: error, warn, info (default shown),
 * verbose (-v), debug (-vv).  Lines carry a timestamp when stderr is not
 * a terminal.  fatal() is for main() and cmd-*.c only.
 */
#ifndef DIST_LOG_H
#define DIST_LOG_H

#include "lib/util.h"

enum log_level { LOG_QUIET = -1, LOG_ERROR, LOG_WARN, LOG_INFO, LOG_VERBOSE, LOG_DEBUG };

void	log_set_level(int);
int	log_get_level(void);
void	log_set_prog(const char *);
void	log_msg(int level, const char *, ...) PRINTFLIKE(2, 3);
void	fatal(const char *, ...) PRINTFLIKE(1, 2) NORETURN;

#define error(...)	log_msg(LOG_ERROR, __VA_ARGS__)
#define warn(...)	log_msg(LOG_WARN, __VA_ARGS__)
#define info(...)	log_msg(LOG_INFO, __VA_ARGS__)
#define verbose(...)	log_msg(LOG_VERBOSE, __VA_ARGS__)
#define debug(...)	log_msg(LOG_DEBUG, __VA_ARGS__)
#define debug_f(fmt, ...) log_msg(LOG_DEBUG, "%s: " fmt, __func__, __VA_ARGS__)

#endif

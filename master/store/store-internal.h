/*
 * store-internal.h - what the files of store/ share; internal to store/.
 */
#ifndef DIST_STORE_INTERNAL_H
#define DIST_STORE_INTERNAL_H

#include "store/db.h"

/* schema.c */
#define STORE_SCHEMA_VERSION	2	/* == schema_version_latest() */
int	schema_version_latest(void);
const char *schema_migration(int to);

#endif

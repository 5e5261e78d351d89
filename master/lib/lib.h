/*
 * lib.h - the face of lib/: small shared helpers, for every other part.
 *
 *	util.h		strings, string buffers and vectors, allocation, causes
 *	log.h		log_msg() and the verbosity
 *	json.h		the JSON writer (jansson underneath)
 *	json-parse.h	the JSON reader: a tree of struct jv
 *	sha256.h	SHA-256 of a buffer or a file
 *	date.h		dates a user types (YYYY-MM-DD[THH:MM[:SS]][Z])
 *
 * json-jansson.h stays inside lib/.
 */
#ifndef DIST_LIB_LIB_H
#define DIST_LIB_LIB_H

#include "lib/date.h"
#include "lib/json-parse.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/sha256.h"
#include "lib/util.h"

#endif

/*
 * input.h - the face of input/: what the user hands us, read and checked
 * before anything is sent (layer: above lib/).
 *
 *	machines.h	the machines file, host ranges (machines.c, hostrange.c)
 *	config.h	configs and their parsers, job ids (config*.c, jobid.c)
 *	sweep.h		(internal) <jobs> sweeps
 *	placeholders.h	(internal) {placeholders} in every config kind
 *	archive.h	the tool archive's checks and zip-to-tar conversion
 *	settings.h	the settings file (every long option)
 *	isolation.h	the isolation options and their checks
 *	revision.h	revision and project labels, the store URL
 *	require.h	machine facts matched to job requirements
 */
#ifndef DIST_INPUT_INPUT_H
#define DIST_INPUT_INPUT_H

#include "input/archive.h"
#include "input/config.h"
#include "input/isolation.h"
#include "input/machines.h"
#include "input/revision.h"
#include "input/require.h"
#include "input/settings.h"

#endif

/*
 * benchexec-xml.h - what the BenchExec readers of results/ share
 * (metrics-benchexec.c defines them): the safe parse of a result file and
 * the path arithmetic that names tasks relative to the definition.
 */
#ifndef DIST_RESULTS_BENCHEXEC_XML_H
#define DIST_RESULTS_BENCHEXEC_XML_H

#include <stddef.h>

#include <libxml/tree.h>

/* A result file in memory, parsed without network, DTD or entity
 * declarations (one stops the parse); NULL with *cause "PATH:LINE: why". */
xmlDocPtr bx_parse_mem(const char *path, const char *data, size_t len,
	    char **cause);
/* Is n the element name?  Its attribute name (allocated), or NULL. */
int	bx_is(const xmlNode *n, const char *name);
char	*bx_attr(const xmlNode *n, const char *name);
/* The run definition of a <result>: name without ".BLOCK" ("" if none). */
char	*bx_rundef(const xmlNode *root, char **blockp);
/* Lexically normalized absolute path, NULL when path is not absolute. */
char	*bx_normpath(const char *path);
/* Normalized absolute to, relative to normalized absolute directory from. */
char	*bx_relpath(const char *to, const char *from);
/* The job's directory on the worker (env.json "cwd") and the benchmark
 * definition's there (argv/1); NULL when unknown. */
void	bx_job_dirs(const char *job_dir, char **cwd, char **defdir);

#endif

/*
 * sha256.h - SHA-256 of a buffer or a file (the tool archive's digest).
 */
#ifndef DIST_LIB_SHA256_H
#define DIST_LIB_SHA256_H

#include <stddef.h>

/* SHA-256, by OpenSSL's EVP interface (sha256-evp.c).  sha256_final()
 * frees what sha256_init() took; sha256_discard() does it for a digest
 * given up half-way. */
struct evp_md_ctx_st;
struct sha256_ctx {
	struct evp_md_ctx_st *md;
};
void	sha256_init(struct sha256_ctx *);
void	sha256_update(struct sha256_ctx *, const void *, size_t);
void	sha256_final(struct sha256_ctx *, unsigned char out[32]);
void	sha256_discard(struct sha256_ctx *);
void	sha256_hex(const unsigned char in[32], char out[65]);
int	sha256_file(const char *path, char out[65], char **cause);

#endif

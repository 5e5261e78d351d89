/*
 * sha256-evp.c - SHA-256 through OpenSSL's EVP interface, and the hash of
 * a file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "lib/sha256.h"
#include "lib/util.h"

/* EVP fails on SHA-256 only when memory runs out (or OpenSSL's set-up is
 * broken): the end, as for xmalloc. */
static void NORETURN
sha256_fatal(const char *what)
{
	unsigned long e = ERR_get_error();

	fprintf(stderr, "distribute: sha256: %s failed: %s\n", what,
	    e != 0 ? ERR_reason_error_string(e) : "out of memory");
	abort();
}

void
sha256_init(struct sha256_ctx *ctx)
{
	if ((ctx->md = EVP_MD_CTX_new()) == NULL)
		sha256_fatal("EVP_MD_CTX_new");
	if (EVP_DigestInit_ex(ctx->md, EVP_sha256(), NULL) != 1)
		sha256_fatal("EVP_DigestInit_ex");
}

void
sha256_update(struct sha256_ctx *ctx, const void *data, size_t len)
{
	if (EVP_DigestUpdate(ctx->md, data, len) != 1)
		sha256_fatal("EVP_DigestUpdate");
}

void
sha256_final(struct sha256_ctx *ctx, unsigned char out[32])
{
	unsigned int n = 0;

	if (EVP_DigestFinal_ex(ctx->md, out, &n) != 1 || n != 32)
		sha256_fatal("EVP_DigestFinal_ex");
	sha256_discard(ctx);
}

void
sha256_discard(struct sha256_ctx *ctx)
{
	EVP_MD_CTX_free(ctx->md);
	ctx->md = NULL;
}

void
sha256_hex(const unsigned char in[32], char out[65])
{
	static const char hex[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 0xf];
	}
	out[64] = '\0';
}

int
sha256_file(const char *path, char out[65], char **cause)
{
	struct sha256_ctx ctx;
	unsigned char buf[65536], md[32];
	ssize_t n;
	int fd, ret = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
		return set_cause(cause, "%s: %s", path, strerror(errno));
	sha256_init(&ctx);
	while ((n = read(fd, buf, sizeof buf)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			set_cause(cause, "%s: %s", path, strerror(errno));
			sha256_discard(&ctx);
			goto out;
		}
		sha256_update(&ctx, buf, (size_t)n);
	}
	sha256_final(&ctx, md);
	sha256_hex(md, out);
	ret = 0;
out:
	close(fd);
	return ret;
}
